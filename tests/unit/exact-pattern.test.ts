/**
 * The exact maximal pattern (appendix C.1) against brute force over all 3^n assignments of
 * n ≤ 8 scope neurons, on random networks and data: the same constraint count, the same
 * tie-break (greedy prefix, then neuron indices), coverage ≥ cP, never below the greedy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  exactPattern,
  requiredSamples,
  type BinarySolver,
} from '../../src-shared/mbh/exact-pattern.ts';
import { decisionPatterns, type SamplePatterns } from '../../src-shared/mbh/patterns.ts';
import {
  greedyPattern,
  prefixLength,
  type GreedyPattern,
} from '../../src-shared/mbh/specialization.ts';
import { loadBinarySolver } from '../../src-main/analyses/highs-solver.ts';
import { heNetwork, seededRandom } from './engine-support.ts';

let solve: BinarySolver;
beforeAll(async () => {
  solve = await loadBinarySolver();
});

function state(patterns: SamplePatterns, sample: number, neuron: number): number {
  return (patterns.bits[sample * patterns.words + (neuron >>> 5)] >>> (neuron & 31)) & 1;
}

/** Rank of a pattern under DESIGN §3's order: more constraints, longer greedy prefix, lower indices. */
function prefixOf(greedy: GreedyPattern, chosen: Int8Array): number {
  let t = 0;
  while (t < greedy.neurons.length && chosen[greedy.neurons[t]] === greedy.states[t]) t++;
  return t;
}

function indexSum(chosen: Int8Array): number {
  let sum = 0;
  chosen.forEach((value, neuron) => {
    if (value >= 0) sum += 2 * neuron + value;
  });
  return sum;
}

/** Every assignment neuron → none / off / on; the best feasible one by DESIGN's order. */
function bruteForce(
  patterns: SamplePatterns,
  members: number[],
  greedy: GreedyPattern,
  cp: number,
): { count: number; prefix: number; indexSum: number } {
  const m = patterns.neurons.length;
  const chosen = new Int8Array(m);
  let best = { count: -1, prefix: -1, indexSum: Infinity };
  for (let code = 0; code < 3 ** m; code++) {
    let rest = code;
    let count = 0;
    for (let j = 0; j < m; j++) {
      chosen[j] = (rest % 3) - 1;
      rest = Math.floor(rest / 3);
      if (chosen[j] >= 0) count++;
    }
    let satisfied = 0;
    for (const sample of members) {
      let ok = true;
      for (let j = 0; j < m && ok; j++)
        ok = chosen[j] < 0 || state(patterns, sample, j) === chosen[j];
      if (ok) satisfied++;
    }
    if (satisfied / members.length < cp) continue;
    const candidate = { count, prefix: prefixOf(greedy, chosen), indexSum: indexSum(chosen) };
    if (
      candidate.count > best.count ||
      (candidate.count === best.count && candidate.prefix > best.prefix) ||
      (candidate.count === best.count &&
        candidate.prefix === best.prefix &&
        candidate.indexSum < best.indexSum)
    ) {
      best = candidate;
    }
  }
  return best;
}

function chosenOf(m: number, neurons: Int32Array, states: Uint8Array): Int8Array {
  const chosen = new Int8Array(m).fill(-1);
  neurons.forEach((neuron, t) => (chosen[neuron] = states[t]));
  return chosen;
}

/** Hand-made sample patterns: rows of 0/1 states. */
function patternsOf(rows: number[][]): SamplePatterns {
  const bits = new Uint32Array(rows.length);
  rows.forEach((row, s) => row.forEach((on, j) => (bits[s] |= on << j)));
  return { count: rows.length, words: 1, bits, neurons: Int32Array.from(rows[0], (_, j) => j) };
}

describe('exact maximal pattern', () => {
  it('finds the pattern the greedy misses (figure C.1): two weaker neurons beat one strong', () => {
    // Neuron 0 is off for 9 of 10 samples and excludes sample 0; neurons 1 and 2 are off for
    // 8 of 10 and both exclude samples 1 and 2. At cP = 0.8 the greedy takes neuron 0 and
    // then cannot add neuron 1 (7 of 10 remain); {1, 2} keeps 8 of 10.
    const rows = Array.from({ length: 10 }, () => [0, 0, 0]);
    rows[0][0] = 1;
    rows[1][1] = rows[1][2] = 1;
    rows[2][1] = rows[2][2] = 1;
    const patterns = patternsOf(rows);
    const members = rows.map((_, s) => s);
    const greedy = greedyPattern(patterns, members);
    expect(prefixLength(greedy, 0.8)).toBe(1);
    const exact = exactPattern(patterns, members, greedy, 0.8, solve);
    expect(exact).toMatchObject({
      constraints: 2,
      coverage: 0.8,
      optimal: true,
      greedyConstraints: 1,
    });
    expect([...exact.neurons].sort()).toEqual([1, 2]);
    expect([...exact.states]).toEqual([0, 0]);
  });

  it('equals brute force over all 3^n assignments on random networks (n ≤ 8)', () => {
    const random = seededRandom(11, 'exact-pattern');
    const cps = [0.5, 0.6, 0.75, 0.8, 0.9, 0.95, 1];
    let misses = 0;
    let cases = 0;
    for (let trial = 0; trial < 24; trial++) {
      const scope = 2 + random.nextInt(7);
      const network = heNetwork(4, [6, scope], 3, { seed: random.nextUint32(), biasStd: 0.3 });
      const count = 20 + random.nextInt(60);
      const x = new Float64Array(count * 4);
      for (let q = 0; q < x.length; q++) x[q] = random.nextNormal();
      const patterns = decisionPatterns(network, x, count);
      const members: number[] = [];
      for (let s = 0; s < count; s++) if (random.nextFloat() < 0.6) members.push(s);
      const greedy = greedyPattern(patterns, members);
      for (const cp of cps) {
        const exact = exactPattern(patterns, members, greedy, cp, solve);
        const oracle = bruteForce(patterns, members, greedy, cp);
        const chosen = chosenOf(scope, exact.neurons, exact.states);
        const where = `trial ${trial}, ${scope} neurons, ${members.length} samples, cP ${cp}`;
        expect(exact.optimal, where).toBe(true);
        expect(exact.constraints, where).toBe(oracle.count);
        expect(prefixOf(greedy, chosen), where).toBe(oracle.prefix);
        expect(indexSum(chosen), where).toBe(oracle.indexSum);
        expect(exact.constraints, where).toBeGreaterThanOrEqual(prefixLength(greedy, cp));
        expect(exact.coverage, where).toBeGreaterThanOrEqual(cp);
        let satisfied = 0;
        for (const sample of members) {
          if (
            exact.neurons.every((neuron, t) => state(patterns, sample, neuron) === exact.states[t])
          )
            satisfied++;
        }
        expect(satisfied / members.length, where).toBe(exact.coverage);
        if (exact.constraints > exact.greedyConstraints) misses++;
        cases++;
      }
    }
    // The random cases must include some the greedy gets wrong, or the test proves little.
    expect(misses).toBeGreaterThan(0);
    expect(cases).toBe(24 * cps.length);
  });

  it('needs the smallest sample count whose share reaches cP, as the greedy compares', () => {
    expect(requiredSamples(0.8, 10)).toBe(8);
    expect(requiredSamples(0.8, 11)).toBe(9);
    expect(requiredSamples(0.995, 1000)).toBe(995);
    expect(requiredSamples(1, 7)).toBe(7);
    // 0.7 · 10 is 7.000000000000001 in doubles: 7 samples still reach it as 7 / 10 ≥ 0.7.
    expect(requiredSamples(0.7, 10)).toBe(7);
  });

  it('has no pattern for a phenomenon without samples, and refuses a bad cP or time limit', () => {
    const patterns = patternsOf([[1, 0]]);
    const greedy = greedyPattern(patterns, []);
    expect(exactPattern(patterns, [], greedy, 0.8, solve)).toMatchObject({
      constraints: 0,
      coverage: 0,
      optimal: true,
    });
    expect(() => exactPattern(patterns, [0], greedy, 0, solve)).toThrow(
      'cP must be in (0, 1], got 0',
    );
    expect(() => exactPattern(patterns, [0], greedy, 0.8, solve, { timeLimit: 0 })).toThrow(
      'the time limit must be positive, got 0',
    );
  });
});
