import type { ConeSearchHit } from '../clickhouse/archive-queries.js';

/**
 * VOTable 1.3 documents of the IVOA Simple Cone Search (SCS 1.03): one RESOURCE of type
 * "results" with INFO QUERY_STATUS and a TABLEDATA table whose main id, RA and Dec columns carry
 * the UCDs SCS requires. Errors are a VOTable too (QUERY_STATUS ERROR), which is what pyvo and
 * TOPCAT read to show the message.
 */
export const VOTABLE_CONTENT_TYPE = 'text/xml; charset=UTF-8';

interface Column {
  name: string;
  datatype: 'char' | 'double';
  ucd: string;
  unit?: string;
  description: string;
  value(hit: ConeSearchHit): string | number | null;
}

/**
 * SCS 1.03 requires the main id, RA and Dec columns to carry the UCD1 values ID_MAIN,
 * POS_EQ_RA_MAIN and POS_EQ_DEC_MAIN (UCD1+: meta.id;meta.main, pos.eq.ra;meta.main,
 * pos.eq.dec;meta.main). pyvo finds a record's `pos` and `id` by exactly these UCD1 names, and
 * TOPCAT reads both forms, so the UCD1 names are written; the other columns use UCD1+.
 */
export const scsColumns: readonly Column[] = [
  { name: 'alertId', datatype: 'char', ucd: 'ID_MAIN', description: 'alert id (ZTF candid, Rubin diaSourceId); UCD1+ meta.id;meta.main', value: (h) => h.alertId },
  { name: 'ra', datatype: 'double', ucd: 'POS_EQ_RA_MAIN', unit: 'deg', description: 'right ascension (ICRS); UCD1+ pos.eq.ra;meta.main', value: (h) => h.ra },
  { name: 'dec', datatype: 'double', ucd: 'POS_EQ_DEC_MAIN', unit: 'deg', description: 'declination (ICRS); UCD1+ pos.eq.dec;meta.main', value: (h) => h.dec },
  { name: 'objectId', datatype: 'char', ucd: 'meta.id', description: 'object id (ZTF objectId, Rubin diaObjectId)', value: (h) => h.objectId },
  { name: 'survey', datatype: 'char', ucd: 'meta.code', description: 'ztf or lsst', value: (h) => h.survey },
  { name: 'mjd', datatype: 'double', ucd: 'time.epoch', unit: 'd', description: 'observation time (MJD)', value: (h) => h.mjd },
  { name: 'band', datatype: 'char', ucd: 'instr.bandpass', description: 'filter band', value: (h) => h.band },
  { name: 'mag', datatype: 'double', ucd: 'phot.mag', unit: 'mag', description: 'difference-image magnitude (empty when none)', value: (h) => h.mag },
  { name: 'separation', datatype: 'double', ucd: 'pos.angDistance', unit: 'deg', description: 'distance from the search position', value: (h) => h.distanceArcsec / 3600 },
];

export interface ScsQuery {
  ra: number;
  dec: number;
  sr: number;
}

/** The results of a cone search; `overflow` says the row limit cut the list short. */
export function scsVotable(query: ScsQuery, hits: readonly ConeSearchHit[], overflow: boolean): string {
  const fields = scsColumns
    .map((c) => `      <FIELD name="${c.name}" ID="${c.name}" datatype="${c.datatype}"${c.datatype === 'char' ? ' arraysize="*"' : ''} ucd="${c.ucd}"${c.unit ? ` unit="${c.unit}"` : ''}><DESCRIPTION>${escapeXml(c.description)}</DESCRIPTION></FIELD>`)
    .join('\n');
  const rows = hits.map((hit) => `        <TR>${scsColumns.map((c) => `<TD>${cell(c.value(hit))}</TD>`).join('')}</TR>`).join('\n');
  return document(
    [
      `    <INFO name="QUERY_STATUS" value="${overflow ? 'OVERFLOW' : 'OK'}"/>`,
      `    <PARAM name="RA" datatype="double" ucd="pos.eq.ra" unit="deg" value="${query.ra}"/>`,
      `    <PARAM name="DEC" datatype="double" ucd="pos.eq.dec" unit="deg" value="${query.dec}"/>`,
      `    <PARAM name="SR" datatype="double" ucd="phys.angSize" unit="deg" value="${query.sr}"/>`,
      '    <TABLE name="results">',
      `      <DESCRIPTION>Nightjar archived alerts within ${query.sr} deg of (${query.ra}, ${query.dec}), nearest first</DESCRIPTION>`,
      fields,
      '      <DATA>',
      '      <TABLEDATA>',
      ...(rows ? [rows] : []),
      '      </TABLEDATA>',
      '      </DATA>',
      '    </TABLE>',
    ].join('\n'),
  );
}

/** The SCS error document: QUERY_STATUS ERROR with the message, and SCS 1.03's INFO "Error". */
export function scsErrorVotable(message: string): string {
  const text = escapeXml(message);
  return document([`    <INFO name="QUERY_STATUS" value="ERROR">${text}</INFO>`, `    <INFO name="Error" value="${text}"/>`].join('\n'));
}

function document(resource: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<VOTABLE version="1.3" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '  <RESOURCE type="results">',
    resource,
    '  </RESOURCE>',
    '</VOTABLE>',
    '',
  ].join('\n');
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return escapeXml(value);
}

export function escapeXml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; the rest are escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
