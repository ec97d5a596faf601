import { performance } from 'node:perf_hooks';
import type { Alert, Survey } from '../alert/types.js';
import { surveys as allSurveys } from '../alert/types.js';
import { CandidateIndex, MIN_SAMPLE, type Anchor } from './lang/candidate-index.js';
import { compileFilter, type CompiledFilter } from './lang/compiled.js';
import { EVALUATE, hitRequirements, MATCHED, type Decision } from './lang/condition-bits.js';
import type { FilterLimits } from './lang/limits.js';
import { SkyGrid } from './lang/sky-cells.js';
import type { EvalContext } from './lang/types.js';

/** Plain per-filter counters (no metric label per filter: thousands of filters would explode a registry). */
export interface FilterStats {
  /** Alerts the filter was decided on: by evaluating it, or by the index alone (see ConditionBits.decide). */
  evaluated: number;
  matched: number;
  errors: number;
  /** Total evaluation time, nanoseconds (results the index decided take none). */
  totalNs: number;
  /** The latest evaluation failure (code FILTER_EVALUATION), for the filter's owner. */
  lastError?: { code: 'FILTER_EVALUATION'; message: string };
}

export interface FilterMatcherOptions {
  limits?: Partial<FilterLimits>;
  /** Sky-grid cell size for the cone index, degrees (default 1). */
  cellDeg?: number;
  /** Recent alerts kept to estimate how selective each anchor is (default 128). */
  sampleSize?: number;
  /**
   * Re-choose every filter's anchor, and lay the index out again, after this many alerts
   * (default 1,048,576: about half an hour of a 600 alerts/s worker; a layout of 10,000 filters
   * takes 0.1–0.3 s).
   */
  reanchorEvery?: number;
}

interface Entry {
  key: string;
  filter: CompiledFilter;
  ctx: EvalContext;
  /** Its number in the index and in the counter table, reused once it is removed. */
  slot: number;
  lastError?: FilterStats['lastError'];
}

/** Counters per slot in one table: evaluated, matched, errors, total evaluation ns. */
const EVALUATED = 0;
const MATCHED_COUNT = 1;
const ERRORS = 2;
const TOTAL_NS = 3;
const COUNTERS = 4;

/**
 * Thousands of compiled filters, and which of them an alert matches. Filters are indexed per
 * survey by their necessary conditions (see CandidateIndex: one anchor lookup, then the other
 * conditions as per-field bitsets), and only the candidates the index proposes are evaluated.
 * Keys are opaque (the engine uses `<id>@<version>`); `setVersion` replaces an id's previous
 * version. Evaluation errors are counted, never thrown.
 */
export class FilterMatcher {
  private readonly entries = new Map<string, Entry>();
  private readonly versions = new Map<string, string>();
  private readonly bySurvey = new Map<Survey, CandidateIndex<number>>();
  /**
   * The filters by slot, their keys by slot, and their counters (COUNTERS per slot): a match
   * the index decided touches the table and the key list only, not the filter's objects.
   */
  private readonly bySlot: (Entry | undefined)[] = [];
  private readonly keyBySlot: (string | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private counts = new Float64Array(64 * COUNTERS);
  private readonly grid: SkyGrid;
  /** A ring of recent alerts: the stream the anchors are chosen for. */
  private readonly sample: Alert[] = [];
  private readonly sampleSize: number;
  /** The current alert's candidates and the index's decisions, reused from alert to alert. */
  private readonly candidateBuffer: number[] = [];
  private readonly decisionBuffer: Decision[] = [];
  private readonly reanchorEvery: number;
  private seen = 0;

  constructor(private readonly options: FilterMatcherOptions = {}) {
    this.grid = new SkyGrid(Math.max(0.1, options.cellDeg ?? 1));
    this.sampleSize = Math.max(MIN_SAMPLE, options.sampleSize ?? 128);
    this.reanchorEvery = Math.max(this.sampleSize, options.reanchorEvery ?? 1_048_576);
    for (const s of allSurveys) this.bySurvey.set(s, new CandidateIndex<number>(this.grid, this.sample));
  }

  get size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Adds or replaces the filter under `key`. Compiles text (throwing the NightjarError of its
   * first error) or takes an already compiled filter. Stats restart with a new expression.
   */
  upsert(key: string, expression: string | CompiledFilter, owner?: string): CompiledFilter {
    const filter = typeof expression === 'string' ? compileFilter(expression, { limits: this.options.limits }) : expression;
    this.remove(key);
    const slot = this.freeSlots.pop() ?? this.bySlot.length;
    const entry: Entry = { key, filter, ctx: owner === undefined ? {} : { owner }, slot };
    if ((slot + 1) * COUNTERS > this.counts.length) {
      const counts = new Float64Array(this.counts.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.counts.fill(0, slot * COUNTERS, (slot + 1) * COUNTERS);
    this.bySlot[slot] = entry;
    this.keyBySlot[slot] = key;
    this.entries.set(key, entry);
    const conditions = { plan: filter.plan, hits: hitRequirements(filter.plan, owner) };
    for (const s of filter.surveys) this.bySurvey.get(s)?.add(slot, conditions);
    return filter;
  }

  /** Sets `id`'s active version (key `<id>@<version>`), removing the one it replaces; returns the key. */
  setVersion(id: string, version: number | string, expression: string | CompiledFilter, owner?: string): string {
    const key = `${id}@${version}`;
    this.upsert(key, expression, owner);
    const previous = this.versions.get(id);
    if (previous !== undefined && previous !== key) this.remove(previous);
    this.versions.set(id, key);
    return key;
  }

  removeId(id: string): void {
    const key = this.versions.get(id);
    if (key !== undefined) this.remove(key);
    this.versions.delete(id);
  }

  remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    for (const index of this.bySurvey.values()) index.remove(entry.slot);
    this.entries.delete(key);
    this.bySlot[entry.slot] = this.keyBySlot[entry.slot] = undefined;
    this.freeSlots.push(entry.slot);
    return true;
  }

  /** Keys of the filters this alert matches (TRUE, not unknown). Never throws. */
  match(alert: Alert): string[] {
    const out: string[] = [];
    const index = this.bySurvey.get(alert?.survey);
    if (!index) return out;
    this.observe(alert);
    const candidates = this.candidateBuffer;
    const decisions = this.decisionBuffer;
    candidates.length = decisions.length = 0;
    try {
      index.collect(alert, candidates, decisions);
    } catch {
      // An alert whose fields throw on read: let every filter try it, each error counted.
      return this.matchAll(alert);
    }
    const counts = this.counts;
    for (let i = 0; i < candidates.length; i++) {
      const slot = candidates[i]!;
      const decided = decisions[i]!;
      if (decided === EVALUATE) {
        if (this.evaluate(this.bySlot[slot]!, alert)) out.push(this.keyBySlot[slot]!);
        continue;
      }
      // Decided by the index: counted without evaluation time.
      counts[slot * COUNTERS + EVALUATED]!++;
      if (decided === MATCHED) {
        counts[slot * COUNTERS + MATCHED_COUNT]!++;
        out.push(this.keyBySlot[slot]!);
      }
    }
    candidates.length = decisions.length = 0;
    return out;
  }

  /** Keys of the filters the index proposes for this alert (for tests and diagnostics). */
  candidates(alert: Alert): string[] {
    const slots: number[] = [];
    this.bySurvey.get(alert?.survey)?.collect(alert, slots, []);
    return slots.map((slot) => this.keyBySlot[slot]!);
  }

  /** Every filter evaluated on the alert, ignoring the index (the reference the index is tested against). */
  matchAll(alert: Alert): string[] {
    return [...this.entries.values()].filter((e) => this.evaluate(e, alert)).map((e) => e.key);
  }

  /**
   * Keeps a sample of the stream; once it is full, and then periodically, files every filter
   * again under the anchor that is most selective on the sample.
   */
  private observe(alert: Alert): void {
    this.sample[this.seen % this.sampleSize] = alert;
    this.seen++;
    if (this.seen === this.sampleSize || this.seen % this.reanchorEvery === 0) this.reanchor();
  }

  /** Re-chooses every filter's anchor for the current sample. */
  reanchor(): void {
    for (const index of this.bySurvey.values()) index.reanchor();
  }

  stats(key: string): FilterStats | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const at = entry.slot * COUNTERS;
    const c = this.counts;
    const counters = { evaluated: c[at + EVALUATED]!, matched: c[at + MATCHED_COUNT]!, errors: c[at + ERRORS]!, totalNs: c[at + TOTAL_NS]! };
    return entry.lastError ? { ...counters, lastError: entry.lastError } : counters;
  }

  anchorOf(key: string): Anchor | undefined {
    const entry = this.entries.get(key);
    const survey = entry?.filter.surveys[0];
    return entry && survey && this.bySurvey.get(survey)?.anchorOf(entry.slot);
  }

  private evaluate(entry: Entry, alert: Alert): boolean {
    const started = performance.now();
    let matched = false;
    try {
      matched = entry.filter.evaluate(alert, entry.ctx);
    } catch (err) {
      this.counts[entry.slot * COUNTERS + ERRORS]!++;
      entry.lastError = { code: 'FILTER_EVALUATION', message: err instanceof Error ? err.message : String(err) };
    }
    const at = entry.slot * COUNTERS;
    this.counts[at + EVALUATED]!++;
    this.counts[at + TOTAL_NS]! += Math.round((performance.now() - started) * 1e6);
    if (matched) this.counts[at + MATCHED_COUNT]!++;
    return matched;
  }
}
