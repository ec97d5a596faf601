/**
 * Converts the Yale Bright Star Catalogue JSON (brettonw/YaleBrightStarCatalog's
 * bsc5-short.json: sexagesimal J2000 strings) into the CSV shipped as bsc5.csv, with RA
 * and Dec in decimal degrees. Run once when the source changes:
 *   npx tsx src/annotate/catalogs/convert-bsc.ts /work/shared/data/catalogs/bsc5-short.json src/annotate/catalogs/bsc5.csv
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { csvField } from './csv.js';

interface BscEntry {
  HR: string;
  RA: string;
  Dec: string;
  V?: string;
  N?: string;
  B?: string;
  F?: string;
  C?: string;
  K?: string;
}

const HEADER = ['hr', 'ra', 'dec', 'vmag', 'name', 'bayer', 'flamsteed', 'constellation', 'temperature'];

/** "00h 05m 09.9s" → degrees. */
export function parseRa(text: string): number {
  const m = /^(\d+)h\s*(\d+)m\s*([\d.]+)s$/.exec(text.trim());
  if (!m) throw new Error(`unreadable RA ${JSON.stringify(text)}`);
  return (Number(m[1]) + Number(m[2]) / 60 + Number(m[3]) / 3600) * 15;
}

/** "+45° 13′ 45″" → degrees; the sign applies to the whole value (so "-00° 30′" is negative). */
export function parseDec(text: string): number {
  const m = /^([+-])(\d+)°\s*(\d+)′\s*([\d.]+)″$/.exec(text.trim());
  if (!m) throw new Error(`unreadable Dec ${JSON.stringify(text)}`);
  const value = Number(m[2]) + Number(m[3]) / 60 + Number(m[4]) / 3600;
  return m[1] === '-' ? -value : value;
}

export function convertBsc(entries: BscEntry[]): string {
  const lines = [HEADER.join(',')];
  for (const e of entries) {
    const row = [e.HR, parseRa(e.RA).toFixed(6), parseDec(e.Dec).toFixed(6), e.V ?? '', e.N ?? '', e.B ?? '', e.F ?? '', e.C ?? '', e.K ?? ''];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('convert-bsc.ts')) {
  const [source, target] = process.argv.slice(2);
  if (!source || !target) throw new Error('usage: convert-bsc.ts <bsc5-short.json> <bsc5.csv>');
  writeFileSync(target, convertBsc(JSON.parse(readFileSync(source, 'utf8')) as BscEntry[]));
}
