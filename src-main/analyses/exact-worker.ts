/**
 * The measure worker's exact-pattern work (appendix C.1): HiGHS is loaded once per worker,
 * on the first request that needs it; patterns are solved from the data's decision
 * patterns and measured on each plane beside the greedy ones.
 */
import { planExact, measureExact, patternBlanket } from '../../src-shared/mbh/exact-measure.ts';
import type { Partition } from '../../src-shared/mbh/partition.ts';
import type { SamplePatterns } from '../../src-shared/mbh/patterns.ts';
import type { MeasurePlan } from '../../src-shared/mbh/specialization.ts';
import { loadBinarySolver } from './highs-solver.ts';
import type { ExactBlanket, ExactPatternMessage, ExactPlaneCells } from './exact-protocol.ts';

/** Solves every phenomenon × cP of a plan (phenomenon-major). */
export async function solveExactPatterns(
  patterns: SamplePatterns,
  labels: ArrayLike<number>,
  plan: MeasurePlan,
  timeLimit: number,
): Promise<ExactPatternMessage[]> {
  const solve = await loadBinarySolver();
  const out: ExactPatternMessage[] = [];
  plan.phenomena.forEach((phenomenon, p) => {
    // One phenomenon at a time, so each pattern's solver time is its own.
    const single: MeasurePlan = { ...plan, phenomena: [phenomenon], greedy: [plan.greedy[p]] };
    plan.cps.forEach((cp) => {
      const started = performance.now();
      const [pattern] = planExact(patterns, labels, { ...single, cps: [cp] }, solve, {
        timeLimit,
      });
      out.push({
        phenomenon: phenomenon.name,
        cp,
        neurons: pattern.neurons,
        states: pattern.states,
        constraints: pattern.constraints,
        coverage: pattern.coverage,
        optimal: pattern.optimal,
        greedyConstraints: pattern.greedyConstraints,
        ms: performance.now() - started,
      });
    });
  });
  return out;
}

/** Checks that stored patterns are the plan's cells, in its order. */
function checkCells(exact: readonly ExactPatternMessage[], plan: MeasurePlan): void {
  const expected = plan.phenomena.length * plan.cps.length;
  if (exact.length !== expected) {
    throw new Error(`${exact.length} exact patterns for ${expected} phenomenon × cP cells`);
  }
  exact.forEach((pattern, k) => {
    const phenomenon = plan.phenomena[Math.floor(k / plan.cps.length)].name;
    const cp = plan.cps[k % plan.cps.length];
    if (pattern.phenomenon !== phenomenon || pattern.cp !== cp) {
      throw new Error(
        `exact pattern ${k} is for ${pattern.phenomenon} at cP ${pattern.cp}, expected ${phenomenon} at ${cp}`,
      );
    }
  });
}

/** The exact patterns' cells on one plane. */
export function exactPlaneCells(
  partition: Partition,
  exact: readonly ExactPatternMessage[],
  plan: MeasurePlan,
): ExactPlaneCells {
  checkCells(exact, plan);
  const cells = measureExact(partition, exact, plan.neurons);
  return {
    s: Float64Array.from(cells, (cell) => cell.s),
    blanketArea: Float64Array.from(cells, (cell) => cell.blanketArea),
    constraints: Int32Array.from(cells, (cell) => cell.constraints),
    coverage: Float64Array.from(cells, (cell) => cell.coverage),
    optimal: Uint8Array.from(cells, (cell) => (cell.optimal ? 1 : 0)),
  };
}

/** The exact blankets of one partition, for the plane viewer. */
export function exactBlankets(
  partition: Partition,
  exact: readonly ExactPatternMessage[],
  plan: MeasurePlan,
): ExactBlanket[] {
  checkCells(exact, plan);
  return exact.map((pattern) => {
    const { regions, cell } = patternBlanket(partition, pattern, plan.neurons);
    return { regions, ...cell };
  });
}
