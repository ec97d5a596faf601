import { describe, expect, it } from 'vitest';
import { activated, activeVersionOf, checkName, newFilter, parseFilterRecord, paused, userTopic, withVersion } from '../../../src/filter/model.js';

const t = (s: number) => new Date(Date.UTC(2026, 10, 22, 0, 0, s));

describe('filter records', () => {
  const draft = newFilter({ id: 'bright', owner: 'ada', expression: 'mag < 18' }, t(0));

  it('starts as a draft at version 1 with JSON output', () => {
    expect(draft.state).toBe('draft');
    expect(draft.versions.map((v) => v.version)).toEqual([1]);
    expect(draft.versions[0]!.output).toEqual({ format: 'json', lightcurve: false, cutouts: false });
    expect(activeVersionOf(draft)).toBeUndefined();
  });

  it('numbers versions and keeps earlier ones unchanged', () => {
    const v2 = withVersion(draft, 'mag < 17', { lightcurve: true }, t(1));
    expect(v2.versions.map((v) => [v.version, v.expression])).toEqual([[1, 'mag < 18'], [2, 'mag < 17']]);
    expect(v2.versions[1]!.output.lightcurve).toBe(true);
    expect(draft.versions).toHaveLength(1);
  });

  it('activates the newest version by default and a chosen one on request', () => {
    const v2 = withVersion(draft, 'mag < 17', undefined, t(1));
    expect(activeVersionOf(activated(v2, undefined, t(2)))?.version).toBe(2);
    expect(activeVersionOf(activated(v2, 1, t(2)))?.expression).toBe('mag < 18');
    expect(() => activated(v2, 7, t(2))).toThrow(/no version 7/);
  });

  it('pausing keeps the active version but stops evaluation, with the reason', () => {
    const p = paused(activated(draft, 1, t(1)), 'matched 12% of 1000 alerts', t(2));
    expect(p.state).toBe('paused');
    expect(activeVersionOf(p)).toBeUndefined();
    expect(p.pausedReason).toMatch(/12%/);
  });

  it('accepts only topic-safe ids and owners', () => {
    expect(checkName('owner', 'ada-lovelace_1')).toBeNull();
    expect(checkName('owner', 'Ada')).toMatch(/must be/);
    expect(checkName('filter id', '../etc')).toMatch(/must be/);
    expect(checkName('filter id', '')).toMatch(/must be/);
    expect(userTopic('ada')).toBe('nightjar.user.ada');
  });

  it('refuses malformed stored records', () => {
    expect(parseFilterRecord(draft, 'bright').id).toBe('bright');
    expect(() => parseFilterRecord(draft, 'other')).toThrow(/does not match/);
    expect(() => parseFilterRecord({ ...draft, state: 'running' }, 'bright')).toThrow(/bad state/);
    expect(() => parseFilterRecord('x', 'bright')).toThrow();
  });
});
