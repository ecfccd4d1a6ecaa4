/**
 * Bootstrap confidence intervals against closed forms on synthetic data, and the paired
 * permutation test against hand-computed exact p-values.
 */
import { describe, expect, it } from 'vitest';
import {
  bootstrapMean,
  bootstrapNestedMean,
  pairedComparison,
  quantile,
} from '../../src-shared/stats/bootstrap.ts';
import { seededRandom } from './engine-support.ts';

function normals(seed: number, n: number, mean: number, sd: number): Float64Array {
  const random = seededRandom(seed, 'normals');
  return Float64Array.from({ length: n }, () => mean + sd * random.nextNormal());
}

/** Sample mean and the closed-form 95 % interval of a mean, mean ± 1.96 · σ̂ / √n. */
function closedForm(values: Float64Array) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  // The bootstrap resamples the empirical distribution, whose variance has n, not n − 1.
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n;
  const half = 1.959964 * Math.sqrt(variance / n);
  return { mean, low: mean - half, high: mean + half, half };
}

describe('bootstrap intervals', () => {
  it('match mean ± 1.96 σ/√n for the mean of normal samples', () => {
    for (const [seed, n, sd] of [
      [1, 200, 1],
      [2, 300, 0.05],
      [3, 150, 3],
    ]) {
      const values = normals(seed, n, 0.4, sd);
      const expected = closedForm(values);
      const got = bootstrapMean(values, { resamples: 10_000, seed: 7 });
      expect(got.mean).toBeCloseTo(expected.mean, 12);
      // Monte Carlo error of the percentile bounds with 10,000 resamples is ~1.4 % of the
      // half-width; the bootstrap's own skew at these n adds less.
      expect(Math.abs(got.low - expected.low)).toBeLessThan(0.08 * expected.half);
      expect(Math.abs(got.high - expected.high)).toBeLessThan(0.08 * expected.half);
    }
  });

  it('is deterministic for a seed and differs for another', () => {
    const values = normals(4, 50, 0, 1);
    expect(bootstrapMean(values, { seed: 3 })).toEqual(bootstrapMean(values, { seed: 3 }));
    expect(bootstrapMean(values, { seed: 3 }).low).not.toBe(bootstrapMean(values, { seed: 4 }).low);
  });

  it('nested: one value per group is the plain bootstrap; groups of equal values too', () => {
    const values = normals(5, 150, 1, 2);
    const single = Array.from(values, (v) => [v]);
    const nested = bootstrapNestedMean(single, { resamples: 10_000, seed: 1 });
    const expected = closedForm(values);
    expect(nested.mean).toBeCloseTo(expected.mean, 12);
    expect(Math.abs(nested.low - expected.low)).toBeLessThan(0.08 * expected.half);
    expect(Math.abs(nested.high - expected.high)).toBeLessThan(0.08 * expected.half);
    // Planes that all agree add no variance: the model-level bootstrap remains.
    const constant = Array.from(values, (v) => [v, v, v, v]);
    const same = bootstrapNestedMean(constant, { resamples: 10_000, seed: 1 });
    expect(Math.abs(same.low - expected.low)).toBeLessThan(0.08 * expected.half);
    // Within-model variance widens the interval: half-widths add in quadrature. Each model
    // has 4 planes of sd 1 around its mean, so the group mean's extra variance is 1/4 · 3/4
    // (the bootstrap's 1/n variance of 4 values).
    const random = seededRandom(6, 'planes');
    const noisy = Array.from(values, (v) =>
      Array.from({ length: 4 }, () => v + random.nextNormal()),
    );
    const wide = bootstrapNestedMean(noisy, { resamples: 10_000, seed: 1 });
    const groupMeans = Float64Array.from(noisy, (g) => g.reduce((a, b) => a + b, 0) / 4);
    const between = closedForm(groupMeans);
    const within =
      noisy.reduce((sum, g) => {
        const m = g.reduce((a, b) => a + b, 0) / 4;
        return sum + g.reduce((s, v) => s + (v - m) ** 2, 0) / 4 / 4;
      }, 0) / noisy.length;
    const half = 1.959964 * Math.sqrt((between.half / 1.959964) ** 2 + within / noisy.length);
    expect(Math.abs((wide.high - wide.low) / 2 - half)).toBeLessThan(0.08 * half);
  });

  it('refuses too few resamples and empty data, naming them', () => {
    expect(() => bootstrapMean([1, 2], { resamples: 10 })).toThrow(
      'resamples must be an integer ≥ 100, got 10',
    );
    expect(() => bootstrapMean([])).toThrow('bootstrap: no values');
    expect(() => bootstrapNestedMean([[1], []])).toThrow(
      'bootstrap: every group needs at least one value',
    );
  });

  it('quantile interpolates between order statistics', () => {
    expect(quantile(Float64Array.of(1, 2, 3, 4), 0.5)).toBe(2.5);
    expect(quantile(Float64Array.of(1, 2, 3, 4), 0)).toBe(1);
    expect(quantile(Float64Array.of(1, 2, 3, 4), 1)).toBe(4);
  });
});

describe('paired comparison', () => {
  it('gives the exact sign-flip p-value for small n', () => {
    // Differences 1, 2, 3: only the all-positive and all-negative sign patterns reach a
    // mean of |2|, so p = 2/8.
    const result = pairedComparison([2, 4, 6], [1, 2, 3]);
    expect(result.difference.mean).toBe(2);
    expect(result.pValue).toBe(0.25);
    expect(result.exact).toBe(true);
    expect(result.pairs).toBe(3);
    // Differences 1, −1, 1, −1: every sign pattern is at least as extreme as 0.
    expect(pairedComparison([1, 0, 1, 0], [0, 1, 0, 1]).pValue).toBe(1);
    // Eight equal positive differences: 2 of 256 patterns.
    expect(pairedComparison(new Array(8).fill(0.5), new Array(8).fill(0.4)).pValue).toBeCloseTo(
      2 / 256,
      15,
    );
  });

  it('uses seeded Monte Carlo beyond 20 pairs and finds a clear shift significant', () => {
    const a = normals(8, 40, 0.5, 0.1);
    const b = Float64Array.from(a, (v, i) => v - 0.05 + 0.01 * Math.sin(i));
    const result = pairedComparison(a, b, { seed: 2 });
    expect(result.exact).toBe(false);
    expect(result.pValue).toBeLessThan(0.001);
    expect(result.pValue).toBeGreaterThan(0);
    expect(result.difference.low).toBeGreaterThan(0.04);
    expect(result.difference.high).toBeLessThan(0.06);
    expect(pairedComparison(a, b, { seed: 2 })).toEqual(result);
    expect(() => pairedComparison([1], [1, 2])).toThrow('paired: 1 values against 2');
  });
});
