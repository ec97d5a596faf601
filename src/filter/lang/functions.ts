import type { FunctionDef } from './types.js';

/**
 * The function whitelist. A filter can call only what is registered here; a namespaced name
 * (`watchlist.hit`) is written as a member call. Later stages register their own functions
 * (annotations) with `registerFunction`; re-registering a name replaces it.
 */
const registry = new Map<string, FunctionDef>();

export function registerFunction(def: FunctionDef): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(def.name)) {
    throw new Error(`invalid filter function name ${JSON.stringify(def.name)}`);
  }
  registry.set(def.name, def);
}

export function lookupFunction(name: string): FunctionDef | undefined {
  return registry.get(name);
}

export function allFunctions(): FunctionDef[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function functionNames(): string[] {
  return [...registry.keys()].sort();
}
