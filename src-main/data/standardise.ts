/**
 * The per-dimension standardised variant of a dataset (thesis appendix A.3, the
 * reference implementation's `normalize_by_features`): every input dimension is moved
 * and scaled by the mean and population std (ddof 0) of the training split, so that the
 * training data has mean 0 and std 1 in each dimension. A dimension with zero training
 * variance (e.g. an always-black corner pixel) is divided by 1 instead, as the reference
 * does. The test split uses the training statistics.
 *
 * The input box: each dimension's original interval [low, high] maps to
 * [(low − mean)/std, (high − mean)/std]; these per-dimension bounds are kept in
 * `inputBounds`, and `inputBox` is their hull.
 */
import { BYTE_TO_UNIT, type Dataset, type DatasetSplit, type Standardisation } from './dataset.ts';

/** Value `index` of a split, read from its bytes when it has them (no float copy needed). */
function reader(split: DatasetSplit): (index: number) => number {
  const { pixels } = split;
  if (pixels !== undefined) return (index) => BYTE_TO_UNIT[pixels[index]];
  const { x } = split;
  return (index) => x[index];
}

/** Mean and std (ddof 0) of each dimension of the training split, accumulated in float64. */
export function trainingStatistics(train: DatasetSplit, inputDim: number): Standardisation {
  const sum = new Float64Array(inputDim);
  const sumSquares = new Float64Array(inputDim);
  const { count } = train;
  const value = reader(train);
  for (let row = 0; row < count; row++) {
    const offset = row * inputDim;
    for (let d = 0; d < inputDim; d++) sum[d] += value(offset + d);
  }
  const mean = new Float64Array(inputDim);
  for (let d = 0; d < inputDim; d++) mean[d] = sum[d] / count;
  // Two-pass variance: no cancellation for dimensions with a large mean.
  for (let row = 0; row < count; row++) {
    const offset = row * inputDim;
    for (let d = 0; d < inputDim; d++) {
      const deviation = value(offset + d) - mean[d];
      sumSquares[d] += deviation * deviation;
    }
  }
  const std = new Float32Array(inputDim);
  for (let d = 0; d < inputDim; d++) {
    const value = Math.sqrt(sumSquares[d] / count);
    std[d] = value > 0 ? value : 1;
  }
  return { mean: Float32Array.from(mean), std };
}

function transform(
  split: DatasetSplit,
  statistics: Standardisation,
  inputDim: number,
): DatasetSplit {
  const x = new Float32Array(split.count * inputDim);
  const { mean, std } = statistics;
  const value = reader(split);
  for (let row = 0; row < split.count; row++) {
    const offset = row * inputDim;
    for (let d = 0; d < inputDim; d++) x[offset + d] = (value(offset + d) - mean[d]) / std[d];
  }
  return { count: split.count, x, y: split.y };
}

/** The standardised variant of `base`, with id `${base.id}-std`. */
export function standardise(base: Dataset): Dataset {
  const { inputDim } = base;
  const statistics = trainingStatistics(base.train, inputDim);
  const low = new Float32Array(inputDim);
  const high = new Float32Array(inputDim);
  let hullLow = Infinity;
  let hullHigh = -Infinity;
  for (let d = 0; d < inputDim; d++) {
    const baseLow = base.inputBounds?.low[d] ?? base.inputBox.low;
    const baseHigh = base.inputBounds?.high[d] ?? base.inputBox.high;
    low[d] = (baseLow - statistics.mean[d]) / statistics.std[d];
    high[d] = (baseHigh - statistics.mean[d]) / statistics.std[d];
    hullLow = Math.min(hullLow, low[d]);
    hullHigh = Math.max(hullHigh, high[d]);
  }
  return {
    id: `${base.id}-std`,
    name: `${base.name} (standardised)`,
    inputDim,
    classCount: base.classCount,
    classNames: base.classNames,
    train: transform(base.train, statistics, inputDim),
    test: transform(base.test, statistics, inputDim),
    inputBox: { low: hullLow, high: hullHigh },
    inputBounds: { low, high },
    standardisation: statistics,
    source: `${base.source}; standardised per dimension with training mean/std (appendix A.3)`,
  };
}
