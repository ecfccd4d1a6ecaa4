/**
 * Smoothing of a metric over training as TensorBoard does it: an exponential moving
 * average whose start is bias-corrected, so the first points are not pulled towards 0.
 */

/**
 * Bias-corrected EMA. `weight` in [0, 1): 0 returns the values unchanged, 0.99 is very
 * smooth. Non-finite values are passed through and do not move the average.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1))
    throw new RangeError(`smoothing weight ${weight} is not in [0, 1)`);
  const out: number[] = new Array<number>(values.length);
  let average = 0;
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) {
      out[i] = value;
      continue;
    }
    seen++;
    average = average * weight + (1 - weight) * value;
    // Dividing by 1 − weight^n undoes the pull of the zero start (Adam's correction).
    out[i] = weight === 0 ? value : average / (1 - weight ** seen);
  }
  return out;
}
