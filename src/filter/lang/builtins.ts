import { bands, type Alert, type Band } from '../../alert/types.js';
import { summaryOf, type Point } from './lightcurve.js';
import { registerFunction } from './functions.js';
import { and3, compare, finite, own } from './semantics.js';
import { separationArcsec } from './sphere.js';
import type { EvalContext, FunctionDef, Node, Value } from './types.js';

/**
 * The built-in functions. Math is strict (missing in, missing out); light-curve functions read
 * only the alert's own light curve up to the alert's own time (never the wall clock), so a
 * filter gives the same answer live and when replayed over the archive.
 */

const num = (v: Value): number => v as number;
const str = (v: Value): string => v as string;

function math(name: string, description: string, f: (x: number) => number): FunctionDef {
  return { name, signature: `${name}(x)`, description, params: ['number'], minArgs: 1, returns: 'number', strict: true, pure: true, call: ([x]) => finite(f(num(x!))) };
}

function extreme(name: 'min' | 'max'): FunctionDef {
  const pick = name === 'min' ? Math.min : Math.max;
  return {
    name, signature: `${name}(x, ...)`, description: `The ${name === 'min' ? 'smallest' : 'largest'} argument; missing if any argument is missing`,
    params: ['number'], minArgs: 1, variadic: true, returns: 'number', strict: true, pure: true,
    call: (args) => pick(...(args as number[])),
  };
}

const constantBand = (index: number) => (args: Node[]): string | undefined => {
  const arg = args[index];
  if (arg === undefined) return undefined;
  return arg.kind === 'literal' && bands.includes(arg.value as never) ? undefined : `the band must be one of ${bands.map((b) => `"${b}"`).join(', ')}`;
};

function detections(alert: Alert, band?: Value): Point[] {
  const summary = summaryOf(alert);
  if (band === undefined || band === null) return summary.detections;
  return summary.byBand.get(band as Band) ?? [];
}

function dmdt(alert: Alert, band: string): number | null {
  const points = detections(alert, band);
  let b: Point | undefined;
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    if (p.mag === null) continue;
    if (!b) b = p;
    else return b.mjd > p.mjd ? finite((b.mag! - p.mag) / (b.mjd - p.mjd)) : null;
  }
  return null;
}

function age(alert: Alert): number | null {
  const summary = summaryOf(alert);
  const first = summary.detections[0];
  return first && summary.mjd !== null ? finite(summary.mjd - first.mjd) : null;
}

function upperLimitWithin(alert: Alert, days: number): boolean | null {
  const { mjd, upperLimitMjds } = summaryOf(alert);
  if (mjd === null) return null;
  // Upper limits are ascending and all before the alert: the latest one decides.
  const latest = upperLimitMjds[upperLimitMjds.length - 1];
  return latest !== undefined && latest >= mjd - days;
}

/**
 * Per-owner list lookup: an entry belongs to the owner when it carries `owner` equal to the
 * evaluation's owner, or when its `list` is written `<owner>/<name>`. Entries without an owner
 * match only evaluations without one (tests, tools), so no user reads another user's lists.
 */
function ownedHit(entries: unknown, key: 'list' | 'map', name: string, ctx: EvalContext): boolean | null {
  if (!Array.isArray(entries)) return null;
  // An index loop: calling the array's own `some` would run whatever the data put there.
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    const listName = own(e, key);
    const owner = own(e, 'owner');
    if (ctx.owner !== undefined && listName === `${ctx.owner}/${name}`) return true;
    if (listName === name && (owner === undefined ? ctx.owner === undefined : owner === ctx.owner)) return true;
  }
  return false;
}

const builtins: FunctionDef[] = [
  math('abs', 'Absolute value', Math.abs),
  math('log10', 'Base-10 logarithm; missing for x ≤ 0', Math.log10),
  math('sqrt', 'Square root; missing for x < 0', Math.sqrt),
  math('floor', 'Largest integer ≤ x', Math.floor),
  math('ceil', 'Smallest integer ≥ x', Math.ceil),
  math('round', 'Nearest integer, halves rounded up (round(-2.5) = -2)', Math.round),
  extreme('min'),
  extreme('max'),
  {
    name: 'exists', signature: 'exists(x)', description: 'True when x has a value, false when it is missing; never unknown',
    params: ['any'], minArgs: 1, returns: 'boolean', strict: false, pure: true, call: ([x]) => x !== null && x !== undefined,
  },
  {
    name: 'between', signature: 'between(x, lo, hi)', description: 'lo ≤ x ≤ hi (inclusive), with SQL semantics of `x >= lo and x <= hi`',
    params: ['number', 'number', 'number'], minArgs: 3, returns: 'boolean', strict: false, pure: true,
    call: ([x, lo, hi]) => and3(compare('>=', x!, lo!), compare('<=', x!, hi!)),
  },
  {
    name: 'sep', signature: 'sep(ra1, dec1, ra2, dec2)', description: 'Angular separation in arcseconds between two positions in degrees',
    params: ['number', 'number', 'number', 'number'], minArgs: 4, returns: 'number', strict: true, pure: true,
    call: ([a, b, c, d]) => finite(separationArcsec(num(a!), num(b!), num(c!), num(d!))),
  },
  {
    name: 'cone', signature: 'cone(ra, dec, radius)', description: 'True when the alert lies within radius arcseconds of (ra, dec) degrees',
    params: ['number', 'number', 'number'], minArgs: 3, returns: 'boolean', strict: true, pure: false,
    call: ([ra, dec, radius], alert) => {
      const aRa = own(alert, 'ra');
      const aDec = own(alert, 'dec');
      if (typeof aRa !== 'number' || typeof aDec !== 'number' || Number.isNaN(aRa) || Number.isNaN(aDec)) return null;
      return separationArcsec(aRa, aDec, num(ra!), num(dec!)) <= num(radius!);
    },
  },
  {
    name: 'startsWith', signature: 'startsWith(s, prefix)', description: 'True when the string s starts with prefix',
    params: ['string', 'string'], minArgs: 2, returns: 'boolean', strict: true, pure: true, call: ([s, p]) => str(s!).startsWith(str(p!)),
  },
  {
    name: 'contains', signature: 'contains(s, sub)', description: 'True when the string s contains sub',
    params: ['string', 'string'], minArgs: 2, returns: 'boolean', strict: true, pure: true, call: ([s, p]) => str(s!).includes(str(p!)),
  },
  {
    name: 'ndet', signature: 'ndet(band?)', description: 'Detections in the light curve up to the alert (in one band when given), the alert included',
    params: ['string'], minArgs: 0, returns: 'number', strict: false, pure: false, constantArgs: [0], check: constantBand(0),
    call: ([band], alert) => detections(alert, band).length,
  },
  {
    name: 'dmdt', signature: 'dmdt(band)', description: 'Magnitude change per day between the last two detections in the band (negative: brightening); missing with fewer than two',
    params: ['string'], minArgs: 1, returns: 'number', strict: true, pure: false, constantArgs: [0], check: constantBand(0),
    call: ([band], alert) => dmdt(alert, str(band!)),
  },
  {
    name: 'age', signature: 'age()', description: 'Days from the first detection to the alert (the alert\'s own mjd, not the clock); missing without detections',
    params: [], minArgs: 0, returns: 'number', strict: true, pure: false, call: (_args, alert) => age(alert),
  },
  {
    name: 'hasUpperLimitBefore', signature: 'hasUpperLimitBefore(days)', description: 'True when the light curve has an upper limit (non-detection) in the `days` days before the alert',
    params: ['number'], minArgs: 1, returns: 'boolean', strict: true, pure: false, call: ([days], alert) => upperLimitWithin(alert, num(days!)),
  },
  {
    name: 'watchlist.hit', signature: 'watchlist.hit(name)', description: 'True when the alert matched the owner\'s watchlist `name`; unknown when watchlists were not annotated',
    params: ['string'], minArgs: 1, returns: 'boolean', strict: true, pure: false, constantArgs: [0],
    call: ([name], alert, ctx) => ownedHit(own(own(alert, 'watchlist'), 'hits'), 'list', str(name!), ctx),
  },
  {
    name: 'inmap', signature: 'inmap(name)', description: 'True when the alert lies in the owner\'s watchmap `name`; unknown when watchmaps were not annotated',
    params: ['string'], minArgs: 1, returns: 'boolean', strict: true, pure: false, constantArgs: [0],
    call: ([name], alert, ctx) => ownedHit(own(own(alert, 'watchmap'), 'hits'), 'map', str(name!), ctx),
  },
];

for (const def of builtins) registerFunction(def);
