import type { Node } from './types.js';

/** The direct children of a typed node, in source order. */
export function childNodes(node: Node): Node[] {
  switch (node.kind) {
    case 'literal': case 'field': return [];
    case 'array': return node.elements;
    case 'unary': return [node.arg];
    case 'arithmetic': case 'comparison': return [node.left, node.right];
    case 'in': return [node.value, ...node.list];
    case 'logical': return node.operands;
    case 'call': return node.args;
  }
}
