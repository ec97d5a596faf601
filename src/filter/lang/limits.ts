/**
 * Complexity limits of a filter. Each is checked before the work it protects: the length before
 * parsing, the bracket nesting on the raw text before jsep recurses, the node count and depth
 * before the validator walks the tree. Every breach has its own error code.
 */
export interface FilterLimits {
  /** Characters of filter text (FILTER_TOO_LONG). */
  maxLength: number;
  /** Syntax-tree nodes (FILTER_TOO_LARGE). */
  maxNodes: number;
  /** Nesting of brackets, prefix operators and operators (FILTER_TOO_DEEP). */
  maxDepth: number;
  /** Elements of one array literal (FILTER_ARRAY_TOO_LONG). */
  maxArrayLength: number;
}

export const defaultLimits: Readonly<FilterLimits> = Object.freeze({
  maxLength: 4_000,
  maxNodes: 500,
  maxDepth: 32,
  maxArrayLength: 1_000,
});

export function resolveLimits(overrides: Partial<FilterLimits> = {}): FilterLimits {
  return { ...defaultLimits, ...overrides };
}
