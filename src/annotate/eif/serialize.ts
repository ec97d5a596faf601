import { NightjarError } from '../../errors/index.js';
import type { EifModel, EifParams } from './forest.js';

/**
 * A model as JSON (UTF-8 bytes) with the typed arrays base64-encoded little-endian: compact
 * enough for a Kafka record on the models topic, and checked on the way in so a corrupt or
 * foreign record cannot produce out-of-range node references.
 */
const VERSION = 1;

interface Wire {
  version: number;
  id?: string;
  params: EifParams;
  nFeatures: number;
  depthLimit: number;
  psi: number;
  roots: string;
  left: string;
  right: string;
  size: string;
  bias: string;
  normals: string;
  featureNames?: string[];
  medians?: string;
}

export function serialize(model: EifModel): Buffer {
  const wire: Wire = {
    version: VERSION,
    ...(model.id !== undefined ? { id: model.id } : {}),
    params: model.params,
    nFeatures: model.nFeatures,
    depthLimit: model.depthLimit,
    psi: model.psi,
    roots: b64(model.roots),
    left: b64(model.left),
    right: b64(model.right),
    size: b64(model.size),
    bias: b64(model.bias),
    normals: b64(model.normals),
    ...(model.featureNames ? { featureNames: model.featureNames } : {}),
    ...(model.medians ? { medians: b64(model.medians) } : {}),
  };
  return Buffer.from(JSON.stringify(wire));
}

export function deserialize(bytes: Uint8Array): EifModel {
  let wire: Wire;
  try {
    wire = JSON.parse(Buffer.from(bytes).toString('utf8')) as Wire;
  } catch (err) {
    throw invalid('not JSON', err);
  }
  if (wire?.version !== VERSION) throw invalid(`unknown version ${String(wire?.version)}`);
  const model: EifModel = {
    ...(typeof wire.id === 'string' ? { id: wire.id } : {}),
    params: wire.params,
    nFeatures: wire.nFeatures,
    depthLimit: wire.depthLimit,
    psi: wire.psi,
    roots: int32(wire.roots),
    left: int32(wire.left),
    right: int32(wire.right),
    size: int32(wire.size),
    bias: float64(wire.bias),
    normals: float64(wire.normals),
    ...(wire.featureNames ? { featureNames: wire.featureNames } : {}),
    ...(wire.medians ? { medians: float64(wire.medians) } : {}),
  };
  const problem = structureProblem(model);
  if (problem) throw invalid(problem);
  return model;
}

function structureProblem(m: EifModel): string | null {
  const nodes = m.left.length;
  if (!Number.isInteger(m.nFeatures) || m.nFeatures < 1) return 'nFeatures must be a positive integer';
  if (!(m.psi >= 1)) return 'psi must be positive';
  if (m.right.length !== nodes || m.size.length !== nodes || m.bias.length !== nodes || m.normals.length !== nodes * m.nFeatures) return 'array lengths disagree';
  if (m.roots.length === 0) return 'no trees';
  if (m.featureNames && m.featureNames.length !== m.nFeatures) return 'featureNames length differs from nFeatures';
  if (m.medians && m.medians.length !== m.nFeatures) return 'medians length differs from nFeatures';
  // Children always come after their parent, which also rules out cycles.
  for (let k = 0; k < nodes; k++) {
    const [l, r] = [m.left[k]!, m.right[k]!];
    if (l === -1 && r === -1) continue;
    if (!(l > k && l < nodes && r > k && r < nodes)) return `node ${k} has invalid children`;
  }
  return m.roots.every((r) => r >= 0 && r < nodes) ? null : 'a root is out of range';
}

function invalid(message: string, cause?: unknown): NightjarError {
  return new NightjarError('EIF_MODEL_INVALID', `anomaly model: ${message}`, cause === undefined ? {} : { cause });
}

function b64(a: Int32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function bytesOf(text: unknown, width: number): Uint8Array {
  if (typeof text !== 'string') throw invalid('an array field is missing');
  const buf = Buffer.from(text, 'base64');
  if (buf.length % width !== 0) throw invalid('an array field has a partial element');
  const copy = new Uint8Array(buf.length); // fresh buffer: aligned for the typed-array view
  copy.set(buf);
  return copy;
}

function int32(text: unknown): Int32Array {
  const b = bytesOf(text, 4);
  return new Int32Array(b.buffer, 0, b.length / 4);
}

function float64(text: unknown): Float64Array {
  const b = bytesOf(text, 8);
  return new Float64Array(b.buffer, 0, b.length / 8);
}
