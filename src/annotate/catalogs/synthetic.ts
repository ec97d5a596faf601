import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Random } from '../random.js';
import { SkyIndexBuilder, type SkyIndex } from '../sky/sky-index.js';

/**
 * Synthetic catalogs for scale tests: positions uniform on the sphere (RA uniform, sin Dec
 * uniform), ids `S<row>`, an optional `mag` column uniform in [12, 22). Same seed, same catalog.
 */
export interface SyntheticSource {
  id: string;
  ra: number;
  dec: number;
  mag: number;
}

export function* syntheticSources(count: number, seed: number): Generator<SyntheticSource> {
  const random = new Random(seed);
  for (let i = 0; i < count; i++) {
    const ra = random.next() * 360;
    const dec = (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
    yield { id: `S${i}`, ra, dec, mag: 12 + 10 * random.next() };
  }
}

/** Same sources as syntheticSources, added straight to an index (no per-source objects: this builds 10M-source catalogs). */
export function syntheticIndex(count: number, seed: number, options: { withMag?: boolean } = {}): SkyIndex {
  const builder = new SkyIndexBuilder(options.withMag ? ['mag'] : [], count);
  const random = new Random(seed);
  const none: string[] = [];
  for (let i = 0; i < count; i++) {
    const ra = random.next() * 360;
    const dec = (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
    const mag = 12 + 10 * random.next();
    builder.add(ra, dec, `S${i}`, options.withMag ? [mag.toFixed(3)] : none);
  }
  return builder.finish();
}

/** Writes `id,ra,dec,mag` CSV, respecting stream backpressure. */
export async function writeSyntheticCsv(file: string, count: number, seed: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('id,ra,dec,mag\n');
  let lines: string[] = [];
  for (const s of syntheticSources(count, seed)) {
    lines.push(`${s.id},${s.ra.toFixed(8)},${s.dec.toFixed(8)},${s.mag.toFixed(3)}`);
    if (lines.length === 10_000) {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines = [];
    }
  }
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
}
