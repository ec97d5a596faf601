import { NightjarError } from '../../errors/index.js';
import { Random } from '../random.js';

/**
 * Extended Isolation Forest (Hariri, Carrasco Kind & Brunner 2018, arXiv:1811.02141).
 * Each node cuts its sample with a random hyperplane: a normal vector with
 * `extensionLevel + 1` non-zero standard-normal components (0 gives the axis-parallel
 * Isolation Forest, nFeatures − 1 the fully extended one) through a point drawn uniformly
 * in the node's bounding box. Anomalies are isolated in few cuts: the score
 * s(x) = 2^(−E[h(x)] / c(ψ)) approaches 1 for anomalies and sits near or below 0.5 for the bulk.
 *
 * All trees live in flat typed arrays: node k has children left[k], right[k] (−1 for a leaf),
 * a leaf's sample size in size[k], and a split w = normal·x − bias (go left when w < 0).
 */
export interface EifParams {
  nTrees: number;
  sampleSize: number;
  extensionLevel: number;
  seed: number;
}

export interface EifModel {
  /** Name reported as `anomaly.model` (e.g. a training timestamp). */
  id?: string;
  params: EifParams;
  nFeatures: number;
  /** Depth at which growth stops: ceil(log2 ψ). */
  depthLimit: number;
  /** The sample size actually used (ψ ≤ rows). */
  psi: number;
  roots: Int32Array;
  left: Int32Array;
  right: Int32Array;
  size: Int32Array;
  bias: Float64Array;
  /** nFeatures values per node. */
  normals: Float64Array;
  /** Names of the features, in order (catalogue field paths), when trained from alerts. */
  featureNames?: string[];
  /** Per-feature training median, used to impute missing values. */
  medians?: Float64Array;
}

const EULER = 0.5772156649;

/**
 * Average path length of an unsuccessful binary-search-tree search among n points, the depth
 * normaliser c(n) = 2H(n−1) − 2(n−1)/n with H(i) ≈ ln i + γ, applied for every n > 1 as the
 * reference implementation (the `eif` package) does.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

export function train(X: Float64Array, nFeatures: number, options: Partial<EifParams> = {}): EifModel {
  const params = resolveParams(X, nFeatures, options);
  const rows = X.length / nFeatures;
  const psi = Math.min(params.sampleSize, rows);
  const depthLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
  const random = new Random(params.seed);
  const grower = new TreeGrower(X, nFeatures, params.extensionLevel, depthLimit, random, params.nTrees * (2 * psi - 1));
  const roots = new Int32Array(params.nTrees);
  for (let t = 0; t < params.nTrees; t++) roots[t] = grower.grow(sampleRows(rows, psi, random));
  return { params, nFeatures, depthLimit, psi, roots, ...grower.arrays() };
}

/** Anomaly score of one feature vector in [0, 1]; NaN features are imputed with the model's medians (else 0). */
export function score(model: EifModel, x: ArrayLike<number>): number {
  const v = imputed(model, x);
  let total = 0;
  for (let t = 0; t < model.roots.length; t++) total += pathLength(model, model.roots[t]!, v);
  return 2 ** (-(total / model.roots.length) / averagePathLength(model.psi));
}

function pathLength(model: EifModel, root: number, x: Float64Array): number {
  const d = model.nFeatures;
  let node = root;
  let depth = 0;
  while (model.left[node]! >= 0) {
    let w = -model.bias[node]!;
    const base = node * d;
    for (let j = 0; j < d; j++) w += model.normals[base + j]! * x[j]!;
    node = w < 0 ? model.left[node]! : model.right[node]!;
    depth += 1;
  }
  return depth + averagePathLength(model.size[node]!);
}

function imputed(model: EifModel, x: ArrayLike<number>): Float64Array {
  if (x.length !== model.nFeatures) {
    throw new NightjarError('EIF_INPUT_INVALID', `feature vector has ${x.length} values, the model expects ${model.nFeatures}`);
  }
  const v = Float64Array.from(x);
  for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j]!)) v[j] = model.medians?.[j] ?? 0;
  return v;
}

function resolveParams(X: Float64Array, nFeatures: number, options: Partial<EifParams>): EifParams {
  const params: EifParams = { nTrees: 100, sampleSize: 256, extensionLevel: nFeatures - 1, seed: 1, ...options };
  const problem =
    !Number.isInteger(nFeatures) || nFeatures < 1 ? 'nFeatures must be a positive integer'
    : X.length === 0 || X.length % nFeatures !== 0 ? `X has ${X.length} values, not a positive multiple of nFeatures (${nFeatures})`
    : !Number.isInteger(params.nTrees) || params.nTrees < 1 ? 'nTrees must be a positive integer'
    : !Number.isInteger(params.sampleSize) || params.sampleSize < 2 ? 'sampleSize must be an integer of at least 2'
    : !Number.isInteger(params.extensionLevel) || params.extensionLevel < 0 || params.extensionLevel > nFeatures - 1 ? `extensionLevel must be an integer from 0 to ${nFeatures - 1}`
    : X.some((v) => !Number.isFinite(v)) ? 'X contains non-finite values (impute before training)'
    : null;
  if (problem) throw new NightjarError('EIF_INPUT_INVALID', problem, { details: { nFeatures, rows: X.length / nFeatures } });
  return params;
}

/** ψ distinct row numbers (partial Fisher–Yates). */
function sampleRows(rows: number, psi: number, random: Random): Int32Array {
  const all = new Int32Array(rows);
  for (let i = 0; i < rows; i++) all[i] = i;
  for (let i = 0; i < psi; i++) {
    const j = i + random.int(rows - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, psi);
}

/** Grows trees into preallocated flat arrays. */
class TreeGrower {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly size: Int32Array;
  private readonly bias: Float64Array;
  private readonly normals: Float64Array;
  private used = 0;

  constructor(
    private readonly X: Float64Array,
    private readonly d: number,
    private readonly extensionLevel: number,
    private readonly depthLimit: number,
    private readonly random: Random,
    capacity: number,
  ) {
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.size = new Int32Array(capacity);
    this.bias = new Float64Array(capacity);
    this.normals = new Float64Array(capacity * d);
  }

  grow(rows: Int32Array): number {
    return this.node(rows, 0);
  }

  arrays(): Pick<EifModel, 'left' | 'right' | 'size' | 'bias' | 'normals'> {
    const n = this.used;
    return {
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      size: this.size.slice(0, n),
      bias: this.bias.slice(0, n),
      normals: this.normals.slice(0, n * this.d),
    };
  }

  private node(rows: Int32Array, depth: number): number {
    const k = this.used++;
    this.size[k] = rows.length;
    if (depth >= this.depthLimit || rows.length <= 1) {
      this.left[k] = -1;
      this.right[k] = -1;
      return k;
    }
    const normal = this.randomNormal(k);
    const point = this.pointInBox(rows);
    let b = 0;
    for (let j = 0; j < this.d; j++) b += normal[j]! * point[j]!;
    this.bias[k] = b;
    const goesLeft = rows.map((r) => (this.project(normal, r) - b < 0 ? 1 : 0));
    this.left[k] = this.node(rows.filter((_, i) => goesLeft[i] === 1), depth + 1);
    this.right[k] = this.node(rows.filter((_, i) => goesLeft[i] === 0), depth + 1);
    return k;
  }

  /** Standard-normal components, then all but extensionLevel+1 of them (chosen at random) set to zero. */
  private randomNormal(k: number): Float64Array {
    const normal = this.normals.subarray(k * this.d, (k + 1) * this.d);
    for (let j = 0; j < this.d; j++) normal[j] = this.random.gaussian();
    const zeros = this.d - this.extensionLevel - 1;
    const order = Array.from({ length: this.d }, (_, j) => j);
    for (let i = 0; i < zeros; i++) {
      const j = i + this.random.int(this.d - i);
      [order[i], order[j]] = [order[j]!, order[i]!];
      normal[order[i]!] = 0;
    }
    return normal;
  }

  private pointInBox(rows: Int32Array): Float64Array {
    const point = new Float64Array(this.d);
    for (let j = 0; j < this.d; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of rows) {
        const v = this.X[r * this.d + j]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      point[j] = lo + this.random.next() * (hi - lo);
    }
    return point;
  }

  private project(normal: Float64Array, row: number): number {
    let w = 0;
    const base = row * this.d;
    for (let j = 0; j < this.d; j++) w += normal[j]! * this.X[base + j]!;
    return w;
  }
}
