/**
 * The JSON Schema (draft-07) of an alert as Nightjar publishes it (alertToJSON), generated from
 * the field catalogue so the two cannot drift: every catalogued path becomes a (nested) property
 * of its type; fields other than the keys may be null. Survey records and annotation namespaces
 * stay open (additionalProperties), since producers add fields (Fink) and catalogs are configured.
 */
import { allFields, type FieldDef } from './catalogue.js';
import { bands } from './types.js';

export type JsonSchema = Record<string, unknown>;

/** Present on every alert and never null. */
const REQUIRED = ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec'];

const NULLABLE_NUMBER = { type: ['number', 'null'] };

const lightcurvePoint: JsonSchema = {
  type: 'object',
  required: ['mjd', 'kind'],
  properties: {
    mjd: { type: 'number' },
    band: { enum: [...bands, null] },
    kind: { enum: ['detection', 'upperlimit', 'forced'] },
    mag: NULLABLE_NUMBER,
    magErr: NULLABLE_NUMBER,
    flux: NULLABLE_NUMBER,
    fluxErr: NULLABLE_NUMBER,
    limitMag: NULLABLE_NUMBER,
  },
};

const base64OrNull = { type: ['string', 'null'], pattern: '^[A-Za-z0-9+/]*={0,2}$' };

/** Schemas the field types cannot express on their own. */
const SPECIAL: Record<string, JsonSchema> = {
  lightcurve: { type: 'array', items: lightcurvePoint },
  cutouts: { type: 'object', properties: { science: base64OrNull, template: base64OrNull, difference: base64OrNull }, additionalProperties: false },
};

interface Node {
  def?: FieldDef;
  children: Map<string, Node>;
  /** A template segment (`{band}`) below: the object takes any keys. */
  open: boolean;
}

export function alertJsonSchema(fields: readonly FieldDef[] = allFields()): JsonSchema {
  const root: Node = { children: new Map(), open: false };
  for (const def of fields) insert(root, def.path.split('.'), def);
  const schema = objectSchema(root, '');
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://nightjar.invalid/schemas/alert.json',
    title: 'Nightjar alert',
    description: 'A normalised alert as Nightjar publishes it; see docs/fields.md.',
    ...schema,
    required: REQUIRED,
    // Namespaces registered at run time (e.g. configured catalogs) may appear.
    additionalProperties: true,
  };
}

function insert(node: Node, segments: string[], def: FieldDef): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (/^\{\w+\}$/.test(head)) {
    node.open = true;
    return;
  }
  let child = node.children.get(head);
  if (!child) node.children.set(head, (child = { children: new Map(), open: false }));
  if (rest.length === 0) child.def = def;
  else insert(child, rest, def);
}

function objectSchema(node: Node, path: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, child] of node.children) properties[name] = propertySchema(child, path ? `${path}.${name}` : name);
  return { type: 'object', properties };
}

function propertySchema(node: Node, path: string): JsonSchema {
  const special = SPECIAL[path];
  if (special) return special;
  const def = node.def;
  if (node.children.size > 0 || node.open || def?.type === 'object') {
    const schema = objectSchema(node, path);
    return { ...schema, type: REQUIRED.includes(path) ? 'object' : ['object', 'null'], additionalProperties: true, ...describe(def) };
  }
  if (!def) return {};
  return { ...leafSchema(def, !REQUIRED.includes(path)), ...describe(def) };
}

function leafSchema(def: FieldDef, nullable: boolean): JsonSchema {
  const orNull = (type: string) => (nullable ? [type, 'null'] : type);
  switch (def.type) {
    case 'number':
      return { type: orNull('number') };
    case 'integer':
      return { type: orNull('integer') };
    case 'boolean':
      return { type: orNull('boolean') };
    case 'id':
      return { type: orNull('string') };
    case 'array':
      return { type: orNull('array') };
    case 'object':
      return { type: orNull('object') };
    case 'string':
      return def.enum ? { enum: nullable ? [...def.enum, null] : [...def.enum] } : { type: orNull('string') };
  }
}

function describe(def: FieldDef | undefined): JsonSchema {
  if (!def) return {};
  return { description: def.unit ? `${def.description} [${def.unit}]` : def.description };
}
