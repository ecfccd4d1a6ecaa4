/**
 * s of the exact maximal patterns (appendix C.1) beside the greedy ones: the patterns are
 * found once per model and data (an integer program each), then every plane costs one
 * blanket pass per pattern, exactly as for the greedy patterns.
 */
import {
  exactPattern,
  type BinarySolver,
  type ExactOptions,
  type ExactPattern,
} from './exact-pattern.ts';
import type { Partition } from './partition.ts';
import type { SamplePatterns } from './patterns.ts';
import { blanketMask, type MeasurePlan } from './specialization.ts';

/** The exact pattern of every phenomenon × cP of a plan, phenomenon-major. */
export function planExact(
  samplePatterns: SamplePatterns,
  labels: ArrayLike<number>,
  plan: MeasurePlan,
  solve: BinarySolver,
  options: ExactOptions = {},
): ExactPattern[] {
  const out: ExactPattern[] = [];
  plan.phenomena.forEach((phenomenon, p) => {
    const wanted = new Set(phenomenon.labels);
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (wanted.has(labels[i])) members.push(i);
    for (const cp of plan.cps) {
      out.push(exactPattern(samplePatterns, members, plan.greedy[p], cp, solve, options));
    }
  });
  return out;
}

/** What the exact pattern gives on one plane. */
export interface ExactCell {
  s: number;
  blanketArea: number;
  constraints: number;
  coverage: number;
  optimal: boolean;
}

/** The constraints of a pattern as a blanket needs them. */
export type PatternConstraints = Pick<
  ExactPattern,
  'neurons' | 'states' | 'constraints' | 'coverage' | 'optimal'
>;

/**
 * The blanket of one pattern on a partition: its regions (1 = in) and area (Neumaier-
 * compensated, clamped to the domain's area so that s stays in [0, 1]).
 */
export function patternBlanket(
  partition: Partition,
  pattern: PatternConstraints,
  neurons: Int32Array,
): { regions: Uint8Array; cell: ExactCell } {
  const regions = blanketMask(partition, pattern, neurons);
  let sum = 0;
  let compensation = 0;
  for (let r = 0; r < partition.regionCount; r++) {
    if (regions[r] === 0) continue;
    const area = partition.areas[r];
    const t = sum + area;
    compensation += Math.abs(sum) >= Math.abs(area) ? sum - t + area : area - t + sum;
    sum = t;
  }
  const empty = pattern.constraints === 0;
  const blanketArea = empty
    ? partition.domainArea
    : Math.min(sum + compensation, partition.domainArea);
  return {
    regions,
    cell: {
      s: empty ? 0 : 1 - blanketArea / partition.domainArea,
      blanketArea,
      constraints: pattern.constraints,
      coverage: pattern.coverage,
      optimal: pattern.optimal,
    },
  };
}

/** Exact-pattern cells of one plane, in the order of `patterns`. */
export function measureExact(
  partition: Partition,
  patterns: readonly PatternConstraints[],
  neurons: Int32Array,
): ExactCell[] {
  for (const neuron of neurons) {
    if (neuron >= partition.neuronCount) {
      throw new Error(
        `the sample patterns observe neuron ${neuron}, the partition has ${partition.neuronCount}`,
      );
    }
  }
  return patterns.map((pattern) => patternBlanket(partition, pattern, neurons).cell);
}
