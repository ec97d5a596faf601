import { NightjarError } from '../../errors/index.js';
import { Random } from '../random.js';

/**
 * A uniform random sample of at most `capacity` feature vectors from a stream of unknown
 * length (Vitter's Algorithm R), held in one Float64Array: the training set for the next
 * anomaly model, with memory fixed up front.
 */
export class Reservoir {
  private readonly rows: Float64Array;
  private readonly random: Random;
  /** Vectors offered so far. */
  seen = 0;

  constructor(
    readonly capacity: number,
    readonly nFeatures: number,
    seed = 1,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0 && Number.isInteger(nFeatures) && nFeatures > 0)) {
      throw new NightjarError('EIF_INPUT_INVALID', 'reservoir capacity and nFeatures must be positive integers');
    }
    this.rows = new Float64Array(capacity * nFeatures);
    this.random = new Random(seed);
  }

  offer(vector: ArrayLike<number>): void {
    if (vector.length !== this.nFeatures) {
      throw new NightjarError('EIF_INPUT_INVALID', `feature vector has ${vector.length} values, the reservoir holds ${this.nFeatures}`);
    }
    const slot = this.seen < this.capacity ? this.seen : this.random.int(this.seen + 1);
    this.seen += 1;
    if (slot < this.capacity) this.rows.set(vector, slot * this.nFeatures);
  }

  get size(): number {
    return Math.min(this.seen, this.capacity);
  }

  /** The sampled vectors, row-major (a copy). */
  sample(): Float64Array {
    return this.rows.slice(0, this.size * this.nFeatures);
  }
}
