/**
 * Equal-HNP setups (thesis figure 6.1): for an HNP level and a set of architectures,
 * the density at which each architecture has that many hidden network parameters.
 * The figure's levels are the dense HNP counts of the smaller Lenets (83,572 = dense
 * Lenet(102,34), …) plus 4,744 (Lenet(12,4) at density 0.5), and the figure prints the
 * densities to four decimals (400@.3136 = (83,572 − 400) / 265,200 rounded).
 */
import { architectureName, type Architecture } from './architecture.ts';
import {
  exactDensityForHnps,
  hiddenBiasCount,
  hiddenWeightCounts,
  hnpCount,
  keptWeightsPerLayer,
} from './hnp.ts';

export interface EqualHnpSetup {
  /** The HNP level the setup was made for. */
  readonly level: number;
  readonly architecture: Architecture;
  /** Density of every hidden layer: the exact ratio, or rounded when `decimals` was given. */
  readonly density: number;
  /** Kept weights per hidden layer under the rounding rule of hnp.ts. */
  readonly keptPerLayer: readonly number[];
  /** HNPs actually realised at `density` (may differ from `level` by the rounding). */
  readonly hnps: number;
}

export interface SetupOptions {
  /**
   * Round densities to this many decimals, as figure 6.1 prints them (4). Without it the
   * exact ratio is used, and the realised HNPs are within one weight per hidden layer of
   * the level.
   */
  readonly decimals?: number;
}

function roundDensity(density: number, decimals: number | undefined): number {
  if (decimals === undefined) return density;
  if (!Number.isInteger(decimals) || decimals < 1 || decimals > 12) {
    throw new RangeError(`decimals must be an integer in [1, 12], got ${String(decimals)}`);
  }
  const scale = 10 ** decimals;
  return Math.round(density * scale) / scale;
}

/** The density giving `level` HNPs for `architecture` (throws when unreachable). */
export function densityForHnps(
  architecture: Architecture,
  level: number,
  options: SetupOptions = {},
): number {
  const density = roundDensity(exactDensityForHnps(architecture, level), options.decimals);
  if (density <= 0) {
    throw new RangeError(
      `HNP level ${level} rounds to density 0 for ${architectureName(architecture)}; use more decimals`,
    );
  }
  const kept = keptWeightsPerLayer(architecture, Math.min(1, density));
  const empty = kept.indexOf(0);
  if (empty >= 0) {
    throw new RangeError(
      `HNP level ${level}: hidden layer ${empty + 1} of ${architectureName(architecture)} would keep no weights at density ${density}`,
    );
  }
  return Math.min(1, density);
}

/** Whether an architecture's dense network has at least `level` HNPs and more than its biases. */
export function canReachHnps(architecture: Architecture, level: number): boolean {
  const biases = hiddenBiasCount(architecture);
  const weights = hiddenWeightCounts(architecture).reduce((sum, count) => sum + count, 0);
  return level > biases && level <= biases + weights;
}

/**
 * Every (level, architecture) pair where the architecture can reach the level, levels in
 * the given order, architectures in the given order. Architectures too small for a level
 * are left out of it (figure 6.1 has no 16-neuron network above 9,472 HNPs).
 */
export function equalHnpSetups(
  levels: readonly number[],
  architectures: readonly Architecture[],
  options: SetupOptions = {},
): EqualHnpSetup[] {
  if (levels.length === 0) throw new RangeError('equalHnpSetups: give at least one HNP level');
  if (architectures.length === 0)
    throw new RangeError('equalHnpSetups: give at least one architecture');
  const setups: EqualHnpSetup[] = [];
  for (const level of levels) {
    for (const architecture of architectures) {
      if (!canReachHnps(architecture, level)) continue;
      const density = densityForHnps(architecture, level, options);
      setups.push({
        level,
        architecture,
        density,
        keptPerLayer: keptWeightsPerLayer(architecture, density),
        hnps: hnpCount(architecture, density),
      });
    }
  }
  return setups;
}

/** The dense HNP count of each architecture: the natural levels of an experiment. */
export function denseHnpLevels(architectures: readonly Architecture[]): number[] {
  return architectures.map((architecture) => hnpCount(architecture, 1));
}

/** Figure 6.1's levels: 265,600; 83,572; 27,871; 9,472; 4,744. */
export const THESIS_HNP_LEVELS: readonly number[] = [265_600, 83_572, 27_871, 9_472, 4_744];
