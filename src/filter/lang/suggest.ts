/**
 * "Did you mean" for unknown fields and functions: optimal-string-alignment Damerau–Levenshtein
 * distance over the whole path and over the last segment, so `magpfs` finds
 * `ztf.candidate.magpsf` as well as near-miss full paths.
 */
export function editDistance(a: string, b: string, cap = Infinity): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > cap) return cap + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

const lastSegment = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/** Up to `limit` of the candidates closest to `typed` (all at the best distance), shorter first. */
export function closest(typed: string, candidates: readonly string[], limit = 3): string[] {
  const lower = typed.toLowerCase();
  const typedLast = lastSegment(lower);
  // Each comparison allows about one edit per three characters of what the user typed.
  const capWhole = Math.max(1, Math.floor(lower.length / 3));
  const capTail = Math.max(1, Math.floor(typedLast.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    if (name.includes('{')) continue;
    const whole = editDistance(lower, name.toLowerCase(), capWhole);
    const tail = editDistance(typedLast, lastSegment(name).toLowerCase(), capTail);
    const score = Math.min(whole <= capWhole ? whole : Infinity, tail <= capTail ? tail : Infinity);
    if (score !== Infinity) scored.push({ name, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.length - b.name.length || a.name.localeCompare(b.name));
  const best = scored[0]?.score;
  return scored.filter((s) => s.score === best).slice(0, limit).map((s) => s.name);
}

/** Fields under a group the user named, e.g. `lc.r` → `lc.r.ndet`, `lc.r.dmdt`, ... */
export function childrenOfGroup(path: string, candidates: readonly string[], limit = 5): string[] {
  return candidates.filter((c) => c.startsWith(`${path}.`)).slice(0, limit);
}

export function didYouMean(names: readonly string[]): string | undefined {
  return names.length === 0 ? undefined : `did you mean ${names.map((n) => `\`${n}\``).join(' or ')}?`;
}
