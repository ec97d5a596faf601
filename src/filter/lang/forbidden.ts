/**
 * Names a filter may never mention, even if a stage registered a field by that name: object
 * internals that lead to the prototype chain and the globals of Node and browsers. Field access
 * is by own property anyway (see semantics.own); rejecting the names gives the user a clear
 * FILTER_FORBIDDEN instead of a confusing "unknown field".
 */
export const forbiddenNames: ReadonlySet<string> = new Set([
  '__proto__', 'constructor', 'prototype', 'this', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
  'globalThis', 'global', 'window', 'self', 'process', 'require', 'module', 'exports', 'import', 'Function', 'eval',
  'Object', 'Reflect', 'Proxy', 'Symbol', 'Buffer', 'setTimeout', 'setInterval', 'fetch', 'arguments',
]);

export function isForbiddenName(name: string): boolean {
  return forbiddenNames.has(name);
}
