/**
 * One Adam update of a flat parameter array, PyTorch's formulation as the tfjs path runs
 * it (train.ts): m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
 * p ← p − stepSize · m / (√v / correction2 + ε) with stepSize = lr / (1 − β1^t) and
 * correction2 = √(1 − β2^t). The moments are rounded to Float32 before they are used, as
 * the tfjs path stores them before reading them. Pruned weights are not in the arrays at
 * all (layer-storage.ts), so they never move.
 */
import { TRAINING_DEFAULTS } from '../spec.ts';

const { adamBeta1: BETA1, adamBeta2: BETA2, adamEpsilon: EPSILON } = TRAINING_DEFAULTS;
const ONE_MINUS_BETA1 = 1 - BETA1;
const ONE_MINUS_BETA2 = 1 - BETA2;

/** The step's two bias-correction factors for step t (1-based). */
export function adamCorrections(
  learningRate: number,
  t: number,
): { stepSize: number; correction2: number } {
  return {
    stepSize: learningRate / (1 - BETA1 ** t),
    correction2: Math.sqrt(1 - BETA2 ** t),
  };
}

export function adamUpdate(
  parameters: Float32Array,
  gradient: Float32Array,
  moment1: Float32Array,
  moment2: Float32Array,
  stepSize: number,
  correction2: number,
): void {
  const fround = Math.fround;
  for (let j = 0; j < parameters.length; j++) {
    const g = gradient[j];
    const m = fround(BETA1 * moment1[j] + ONE_MINUS_BETA1 * g);
    const v = fround(BETA2 * moment2[j] + ONE_MINUS_BETA2 * g * g);
    moment1[j] = m;
    moment2[j] = v;
    parameters[j] -= (stepSize * m) / (Math.sqrt(v) / correction2 + EPSILON);
  }
}
