/**
 * Statistics a reviewer asks for (issue 11 §4): percentile-bootstrap 95 % confidence
 * intervals for a setup's s (over models — seeds — and, within each, planes) and accuracy
 * (over models), and the paired comparison of two setups measured on the same planes.
 * Seeded and deterministic: the same numbers and seed give the same interval.
 */
import { Random } from '../model/random.ts';

export const DEFAULT_RESAMPLES = 10_000;
export const CONFIDENCE = 0.95;

export interface Interval {
  /** The statistic on the data itself. */
  mean: number;
  /** Lower and upper percentile-bootstrap bounds at CONFIDENCE. */
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** The q-quantile of sorted values, linear between order statistics (type 7, as R's default). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

function interval(estimate: number, replicates: Float64Array): Interval {
  replicates.sort();
  const tail = (1 - CONFIDENCE) / 2;
  return { mean: estimate, low: quantile(replicates, tail), high: quantile(replicates, 1 - tail) };
}

function checkOptions(options: BootstrapOptions): { resamples: number; random: Random } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 100) {
    throw new Error(`resamples must be an integer ≥ 100, got ${resamples}`);
  }
  return { resamples, random: Random.create(options.seed ?? 0, 'bootstrap') };
}

/** The bootstrap interval of a mean of independent values. */
export function bootstrapMean(values: ArrayLike<number>, options: BootstrapOptions = {}): Interval {
  if (values.length === 0) throw new Error('bootstrap: no values');
  const { resamples, random } = checkOptions(options);
  const n = values.length;
  const replicates = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[random.nextInt(n)];
    replicates[b] = sum / n;
  }
  return interval(mean(values), replicates);
}

/**
 * The bootstrap interval of a mean of group means (s of a setup: per model, the mean over
 * planes; then the mean over models). Two stages, as the data were drawn: models with
 * replacement, then within each drawn model its planes with replacement.
 */
export function bootstrapNestedMean(
  groups: readonly ArrayLike<number>[],
  options: BootstrapOptions = {},
): Interval {
  if (groups.length === 0 || groups.some((group) => group.length === 0)) {
    throw new Error('bootstrap: every group needs at least one value');
  }
  const { resamples, random } = checkOptions(options);
  const estimate = mean(groups.map((group) => mean(group)));
  const replicates = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[random.nextInt(groups.length)];
      let inner = 0;
      for (let i = 0; i < group.length; i++) inner += group[random.nextInt(group.length)];
      sum += inner / group.length;
    }
    replicates[b] = sum / groups.length;
  }
  return interval(estimate, replicates);
}

export interface PairedComparison {
  /** Mean over pairs of a − b, with its bootstrap interval. */
  difference: Interval;
  /** Two-sided p-value of the paired sign-flip permutation test of the mean difference. */
  pValue: number;
  /** True when every sign pattern was enumerated (pairs ≤ EXACT_PAIRS); else Monte Carlo. */
  exact: boolean;
  pairs: number;
}

/** Up to this many pairs the permutation test enumerates all 2^n sign patterns. */
export const EXACT_PAIRS = 20;
/** Monte Carlo sign patterns beyond EXACT_PAIRS. */
const RANDOM_FLIPS = 100_000;
/** Relative slack when comparing a permuted mean with the observed one (round-off). */
const TIE_TOLERANCE = 1e-12;

/**
 * Paired comparison of a and b (a[i] and b[i] measured on the same unit, e.g. one plane):
 * the mean difference, its bootstrap interval over pairs, and the p-value of the exact
 * paired permutation test (each difference's sign flipped at random under the null).
 */
export function pairedComparison(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: BootstrapOptions = {},
): PairedComparison {
  if (a.length !== b.length) throw new Error(`paired: ${a.length} values against ${b.length}`);
  if (a.length === 0) throw new Error('paired: no pairs');
  const n = a.length;
  const differences = new Float64Array(n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    differences[i] = a[i] - b[i];
    scale += Math.abs(differences[i]);
  }
  const difference = bootstrapMean(differences, options);
  const observed = Math.abs(mean(differences));
  const slack = TIE_TOLERANCE * Math.max(scale / n, Number.MIN_VALUE);
  let extreme = 0;
  let total = 0;
  if (n <= EXACT_PAIRS) {
    for (let signs = 0; signs < 2 ** n; signs++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += signs & (1 << i) ? -differences[i] : differences[i];
      if (Math.abs(sum / n) >= observed - slack) extreme++;
      total++;
    }
    return { difference, pValue: extreme / total, exact: true, pairs: n };
  }
  const random = Random.create(options.seed ?? 0, 'sign-flip');
  for (let draw = 0; draw < RANDOM_FLIPS; draw++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += random.nextInt(2) ? -differences[i] : differences[i];
    if (Math.abs(sum / n) >= observed - slack) extreme++;
  }
  // The observed sign pattern counts as one of the draws, so p is never 0.
  return { difference, pValue: (extreme + 1) / (RANDOM_FLIPS + 1), exact: false, pairs: n };
}
