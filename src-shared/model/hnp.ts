/**
 * Hidden network parameters (HNPs, thesis section 6.1): the kept weights of the hidden
 * layers plus all hidden biases. Biases are never pruned; the output layer is dense and
 * outside the count; every hidden layer has the same density.
 *
 * The one rounding rule, used both here and when masks are drawn (`keptWeightCount`):
 * a hidden layer with `n` weights at density `d` keeps `floor(d·n + 1/2)` weights —
 * round half up, computed in float64. (PyTorch's RandomUnstructured, used by the thesis,
 * prunes `round(amount·n)` with banker's rounding; the two differ by at most one weight
 * per layer, and only when d·n is exactly halfway.)
 */
import { layerShapes, type Architecture } from './architecture.ts';

/** Validates a density in (0, 1]. */
export function validateDensity(density: unknown, name = 'density'): number {
  if (typeof density !== 'number' || !Number.isFinite(density) || density <= 0 || density > 1) {
    throw new RangeError(`${name} must be a number in (0, 1], got ${String(density)}`);
  }
  return density;
}

/** Number of weights a layer of `total` weights keeps at `density` (the rule above). */
export function keptWeightCount(total: number, density: number): number {
  if (!Number.isInteger(total) || total < 0) {
    throw new RangeError(`keptWeightCount: total must be a non-negative integer, got ${total}`);
  }
  validateDensity(density);
  return Math.min(total, Math.floor(density * total + 0.5));
}

/** Weights per hidden layer (`in × out`), input side first. */
export function hiddenWeightCounts(architecture: Architecture): number[] {
  return layerShapes(architecture)
    .slice(0, -1)
    .map((shape) => shape.inDim * shape.outDim);
}

export function hiddenBiasCount(architecture: Architecture): number {
  return architecture.hidden.reduce((sum, width) => sum + width, 0);
}

/** Kept weights per hidden layer at `density`. */
export function keptWeightsPerLayer(architecture: Architecture, density: number): number[] {
  return hiddenWeightCounts(architecture).map((total) => keptWeightCount(total, density));
}

/**
 * Throws unless `density` keeps at least one weight in every hidden layer (a layer with
 * none cannot be trained: training refuses it, so a lab must refuse it up front).
 */
export function checkDensityKeepsWeights(architecture: Architecture, density: number): void {
  const shapes = layerShapes(architecture).slice(0, -1);
  keptWeightsPerLayer(architecture, density).forEach((kept, index) => {
    if (kept === 0) {
      const { outDim, inDim } = shapes[index];
      throw new RangeError(
        `density ${density} keeps no weight of hidden layer ${index + 1} (${outDim} × ${inDim})`,
      );
    }
  });
}

/** HNPs of `architecture` at `density`: kept hidden weights + hidden biases. */
export function hnpCount(architecture: Architecture, density = 1): number {
  const kept = keptWeightsPerLayer(architecture, density);
  return kept.reduce((sum, count) => sum + count, 0) + hiddenBiasCount(architecture);
}

/** All trainable parameters that are kept, output layer included (appendix A.1 "Parameters"). */
export function keptParameterCount(architecture: Architecture, density = 1): number {
  const shapes = layerShapes(architecture);
  const output = shapes[shapes.length - 1];
  return hnpCount(architecture, density) + output.inDim * output.outDim + output.outDim;
}

/**
 * The density at which `architecture` has `hnps` hidden network parameters, before the
 * per-layer rounding: (hnps − biases) / hidden weights. Throws when the level cannot be
 * reached (more HNPs than the dense network has, or no room for any weight).
 */
export function exactDensityForHnps(architecture: Architecture, hnps: number): number {
  if (!Number.isInteger(hnps) || hnps < 1) {
    throw new RangeError(`HNP level must be a positive integer, got ${String(hnps)}`);
  }
  const biases = hiddenBiasCount(architecture);
  const weights = hiddenWeightCounts(architecture).reduce((sum, count) => sum + count, 0);
  if (hnps > biases + weights) {
    throw new RangeError(
      `HNP level ${hnps} exceeds the ${biases + weights} HNPs of the dense network (hidden ${architecture.hidden.join(',')})`,
    );
  }
  if (hnps <= biases) {
    throw new RangeError(
      `HNP level ${hnps} leaves no weights: the ${biases} hidden biases alone reach it (hidden ${architecture.hidden.join(',')})`,
    );
  }
  return (hnps - biases) / weights;
}
