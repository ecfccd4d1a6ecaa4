/**
 * The evaluation and checkpoint schedule of the thesis (DESIGN §3): 0, then
 * floor(1.5^k) for k = 0, 1, 2, … without repeats while below the iteration count, then
 * the iteration count itself. For 50,000 iterations this is exactly
 * 0,1,2,3,5,7,11,17,25,38,57,86,129,194,291,437,656,985,1477,2216,3325,4987,7481,11222,
 * 16834,25251,37876,50000; for any other count it is the same points below it plus the
 * last iteration. 1.5^k = 3^k / 2^k is exact in float64 up to k = 33, far past any count.
 */

export const THESIS_ITERATIONS = 50_000;

export function validateIterations(iterations: unknown, name = 'iterations'): number {
  if (
    typeof iterations !== 'number' ||
    !Number.isInteger(iterations) ||
    iterations < 1 ||
    iterations > 1e8
  ) {
    throw new RangeError(`${name} must be an integer in [1, 100000000], got ${String(iterations)}`);
  }
  return iterations;
}

/** Iterations (counted in completed optimiser steps) at which a run is evaluated. */
export function evaluationSchedule(iterations: number): number[] {
  validateIterations(iterations);
  const points = [0];
  for (let power = 1; power < iterations; power *= 1.5) {
    const point = Math.floor(power);
    if (point !== points[points.length - 1]) points.push(point);
  }
  if (points[points.length - 1] !== iterations) points.push(iterations);
  return points;
}

/**
 * Which evaluation points also store a checkpoint: 'ends' (0 and the last, the default),
 * 'all', or an explicit list, each of which must be a point of the schedule.
 */
export type CheckpointSelection = 'ends' | 'all' | readonly number[];

export function checkpointIterations(
  iterations: number,
  selection: CheckpointSelection = 'ends',
): number[] {
  const schedule = evaluationSchedule(iterations);
  if (selection === 'all') return schedule;
  if (selection === 'ends') return [0, iterations];
  if (!Array.isArray(selection)) {
    throw new TypeError(
      `checkpoints must be 'ends', 'all' or a list of iterations, got ${String(selection)}`,
    );
  }
  const onSchedule = new Set(schedule);
  for (const [index, point] of selection.entries()) {
    if (!onSchedule.has(point)) {
      throw new RangeError(
        `checkpoints[${index}] = ${String(point)} is not on the evaluation schedule for ${iterations} iterations`,
      );
    }
  }
  return [...new Set(selection)].sort((a, b) => a - b);
}
