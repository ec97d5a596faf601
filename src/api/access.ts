import '../alert/fields.js';
import '../annotate/fields.js';
import { NightjarError } from '../errors/index.js';
import { userTopic, type FilterRecord } from '../filter/model.js';
import type { FilterStore } from '../filter/store.js';
import { validateFilter } from '../filter/lang/index.js';
import type { Principal } from '../platform/auth.js';

/**
 * Who sees and changes which filter: the owner everything; everyone else reads public filters
 * only. Someone else's private filter answers 404, exactly like a missing one, so ids of private
 * filters do not leak; a public filter of someone else is visible, so changing it answers 403.
 */
export function readableFilter(filters: FilterStore, principal: Principal, id: string): FilterRecord {
  const filter = filters.get(id);
  if (!filter || (filter.owner !== principal.user && !filter.public)) throw new NightjarError('NOT_FOUND', `no filter ${id}`);
  return filter;
}

export function ownFilter(filters: FilterStore, principal: Principal, id: string): FilterRecord {
  const filter = readableFilter(filters, principal, id);
  if (filter.owner !== principal.user) throw new NightjarError('NOT_OWNER', `filter ${id} belongs to ${filter.owner}; only its owner may change it`);
  return filter;
}

/** Private notices and statistics of a filter stay with its owner. */
export function ownedOrHidden(filters: FilterStore, principal: Principal, id: string): FilterRecord {
  const filter = filters.get(id);
  if (!filter || filter.owner !== principal.user) throw new NightjarError('NOT_FOUND', `no filter ${id} of yours`);
  return filter;
}

/** Rejects an invalid expression with every diagnostic (position, caret, suggestion) in details. */
export function assertExpression(expression: string): void {
  const result = validateFilter(expression);
  const first = result.errors[0];
  if (first) throw new NightjarError(first.code, `the expression has ${result.errors.length} error(s); the first: ${first.message}`, { details: { errors: result.errors } });
}

export function filterView(filter: FilterRecord): FilterRecord & { topic: string } {
  return { ...filter, topic: userTopic(filter.owner) };
}
