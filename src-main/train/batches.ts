/**
 * The seeded minibatch order. The training samples are consumed as one endless stream:
 * epoch e is a permutation of 0 … n − 1 drawn from the stream 'batches/<e>' of the
 * seed, epochs are concatenated, and batch t (0-based) takes stream positions
 * t·B … t·B + B − 1 (a batch may straddle two epochs). The position of any step is thus
 * a pure function of (seed, n, B, t): resuming needs no generator state.
 */
import { Random } from '../../src-shared/model/random.ts';

export class BatchOrder {
  private epoch = -1;
  private order: Uint32Array = new Uint32Array(0);

  constructor(
    readonly seed: number,
    readonly sampleCount: number,
    readonly batchSize: number,
  ) {
    if (!Number.isInteger(sampleCount) || sampleCount < 1)
      throw new RangeError(`BatchOrder: sampleCount must be ≥ 1, got ${sampleCount}`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`BatchOrder: batchSize must be ≥ 1, got ${batchSize}`);
  }

  private permutation(epoch: number): Uint32Array {
    if (epoch !== this.epoch) {
      this.order = Random.create(this.seed, `batches/${epoch}`).permutation(this.sampleCount);
      this.epoch = epoch;
    }
    return this.order;
  }

  /** Sample indices of batch `step`, written into `out` (length batchSize) and returned. */
  batch(step: number, out: Uint32Array = new Uint32Array(this.batchSize)): Uint32Array {
    if (!Number.isInteger(step) || step < 0)
      throw new RangeError(`BatchOrder: step must be a non-negative integer, got ${step}`);
    const first = step * this.batchSize;
    for (let j = 0; j < this.batchSize; j++) {
      const position = first + j;
      const epoch = Math.floor(position / this.sampleCount);
      out[j] = this.permutation(epoch)[position - epoch * this.sampleCount];
    }
    return out;
  }
}
