/**
 * Filters as data. A filter's whole state is one record, stored as the latest value under its id
 * on the compacted filters topic; every change (new version, activation, pause) publishes the new
 * record, so the topic is both the event log and the current state. Versions are immutable and
 * numbered from 1; the active version is the one workers evaluate.
 */
export type FilterState = 'draft' | 'active' | 'paused';
export type OutputFormat = 'json' | 'avro';

export interface FilterOutput {
  format: OutputFormat;
  /** Include the merged light curve in each match. */
  lightcurve: boolean;
  /** Include the three cutouts (base64 FITS in JSON, bytes in Avro). */
  cutouts: boolean;
}

export interface FilterVersion {
  version: number;
  expression: string;
  output: FilterOutput;
  createdAt: string;
}

export interface FilterRecord {
  id: string;
  owner: string;
  name: string;
  description: string;
  /** Public filters can be read and subscribed to by every user; changes stay with the owner. */
  public: boolean;
  state: FilterState;
  /** The version workers evaluate while the filter is active (the newest one when activated without a number). */
  activeVersion: number | null;
  versions: FilterVersion[];
  updatedAt: string;
  /** Why the filter was paused, when a guard paused it. */
  pausedReason: string | null;
}

export const defaultOutput: FilterOutput = { format: 'json', lightcurve: false, cutouts: false };

const idPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Filter ids and owner names end up in topic names, so they keep to Kafka's safe characters. */
export function checkName(kind: 'filter id' | 'owner', value: string): string | null {
  return idPattern.test(value) ? null : `${kind} "${value}" must be 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit`;
}

export function newFilter(fields: { id: string; owner: string; name?: string; description?: string; public?: boolean; expression: string; output?: Partial<FilterOutput> }, now: Date): FilterRecord {
  return {
    id: fields.id,
    owner: fields.owner,
    name: fields.name ?? fields.id,
    description: fields.description ?? '',
    public: fields.public ?? false,
    state: 'draft',
    activeVersion: null,
    versions: [{ version: 1, expression: fields.expression, output: { ...defaultOutput, ...fields.output }, createdAt: now.toISOString() }],
    updatedAt: now.toISOString(),
    pausedReason: null,
  };
}

/** Adds a version; an active filter keeps running its active version until activated again. */
export function withVersion(filter: FilterRecord, expression: string, output: Partial<FilterOutput> | undefined, now: Date): FilterRecord {
  const latest = filter.versions[filter.versions.length - 1];
  const version: FilterVersion = {
    version: (latest?.version ?? 0) + 1,
    expression,
    output: { ...(latest?.output ?? defaultOutput), ...output },
    createdAt: now.toISOString(),
  };
  return { ...filter, versions: [...filter.versions, version], updatedAt: now.toISOString() };
}

export function activated(filter: FilterRecord, version: number | undefined, now: Date): FilterRecord {
  const chosen = version ?? filter.versions[filter.versions.length - 1]?.version;
  if (chosen === undefined || !filter.versions.some((v) => v.version === chosen)) throw new Error(`filter ${filter.id} has no version ${version}`);
  return { ...filter, state: 'active', activeVersion: chosen, pausedReason: null, updatedAt: now.toISOString() };
}

export function paused(filter: FilterRecord, reason: string | null, now: Date): FilterRecord {
  return { ...filter, state: 'paused', pausedReason: reason, updatedAt: now.toISOString() };
}

export function activeVersionOf(filter: FilterRecord): FilterVersion | undefined {
  if (filter.state !== 'active' || filter.activeVersion === null) return undefined;
  return filter.versions.find((v) => v.version === filter.activeVersion);
}

/** Per-user match topic: stable, documented in docs/outputs.md. */
export function userTopic(owner: string): string {
  return `nightjar.user.${owner}`;
}

/** Reads a stored record defensively: the topic is shared, so a malformed record must not stop a worker. */
export function parseFilterRecord(value: unknown, key: string): FilterRecord {
  const r = value as Partial<FilterRecord>;
  if (typeof r !== 'object' || r === null) throw new Error('not an object');
  if (r.id !== key) throw new Error(`id ${String(r.id)} does not match key ${key}`);
  if (typeof r.owner !== 'string' || !Array.isArray(r.versions)) throw new Error('owner or versions missing');
  if (r.state !== 'draft' && r.state !== 'active' && r.state !== 'paused') throw new Error(`bad state ${String(r.state)}`);
  return r as FilterRecord;
}
