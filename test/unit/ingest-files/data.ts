/** The shared real alert data (see /work/shared/data/README.md) and its manifest, for the ingest-files tests. */
import { readFileSync } from 'node:fs';

export const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
export const ZTF_ALERTS = `${DATA}ztf/alerts/`;
export const LSST_ALERTS = `${DATA}lsst/alerts/`;
export const LSST_SCHEMAS = `${DATA}lsst/schema/`;

export interface ManifestRow {
  path: string;
  bytes: number;
  survey: 'ztf' | 'lsst';
  format: string;
  schema: string;
  objectId: string;
  alertId: string;
  ra: number;
  dec: number;
  cutouts: boolean;
}

export function manifest(): ManifestRow[] {
  const [head, ...lines] = readFileSync(`${DATA}MANIFEST.tsv`, 'utf8').trim().split('\n');
  const columns = head!.split('\t');
  return lines.map((line) => {
    const cells = Object.fromEntries(line.split('\t').map((cell, i) => [columns[i], cell]));
    return {
      path: cells.path!,
      bytes: Number(cells.bytes),
      survey: cells.survey as 'ztf' | 'lsst',
      format: cells.format!,
      schema: cells.schema!,
      objectId: cells.objectId!,
      alertId: cells.alertId!,
      ra: Number(cells.ra),
      dec: Number(cells.dec),
      cutouts: cells.cutouts === 'true',
    };
  });
}

export function rowsOf(path: string): ManifestRow[] {
  return manifest().filter((row) => row.path === path);
}
