/**
 * The exact maximal pattern (thesis appendix C.1, DESIGN §3): the most (neuron, state)
 * constraints that at least cP of a phenomenon's samples satisfy together. The greedy of
 * algorithm 3 can miss it when cP < 1; here it is an integer program, solved by a MIP
 * solver the caller passes in (HiGHS in the lab; this file imports no platform code).
 *
 * Model. Binaries x(c) per candidate constraint c = (neuron, state) and y(g) per group g
 * of samples with the same violations; at most one state per neuron; y(g) + x(c) ≤ 1 for
 * every constraint c that group g violates; Σ w(g)·y(g) ≥ ⌈cP·n⌉ minus the samples that
 * violate no candidate; maximise Σ x. The pairwise rows are the tight form: each is a facet
 * of the conflict between one sample and one constraint, where the aggregated
 * Σ_{s violating c} y(s) ≤ |viol(c)|·(1 − x(c)) lets the LP relaxation take x = ½ and keep
 * most samples at ½, a bound no better than counting the neurons.
 *
 * Presolve (all exact): neurons unanimous for the phenomenon are fixed on (no sample
 * violates them); a state that fewer than ⌈cP·n⌉ samples take can never be chosen; a
 * constraint whose violators are a subset of another's is implied by it (x(b) ≤ x(a)); two
 * constraints that together lose more samples than cP allows conflict (x(a) + x(b) ≤ 1); samples
 * with identical violation sets are one group (weight = their count); samples that violate
 * no candidate always count. The greedy pattern is a feasible start (a lower bound the
 * branch and bound cuts off against), and the answer is never smaller than it.
 *
 * Ties (DESIGN §3): among the optimal patterns, the one whose longest prefix of the greedy
 * order is largest, then the lowest neuron indices. A second pass fixes Σ x at the optimum
 * and maximises B·(greedy prefix length) − Σ rank(c)·x(c), rank(c) = 2·neuron + state,
 * with B larger than any rank sum so the prefix dominates; "lowest indices" is read as the
 * smallest sum of neuron indices (a lexicographic order would need weights 2^-index,
 * beyond double precision for a hundred neurons). HiGHS is deterministic when it runs to completion, so equal inputs
 * give equal patterns.
 */
import type { SamplePatterns } from './patterns.ts';
import { prefixLength, type GreedyPattern } from './specialization.ts';

/** A 0/1 integer program: maximise cost·x subject to rowLower ≤ A·x ≤ rowUpper, x ∈ {0,1}. */
export interface BinaryProgram {
  columns: number;
  rows: number;
  cost: Float64Array;
  /** Fixed columns: lower = upper. */
  lower: Float64Array;
  upper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  /** Row-wise sparse matrix. */
  starts: Int32Array;
  indices: Int32Array;
  values: Float64Array;
  /** A feasible 0/1 start, or null. */
  start: Float64Array | null;
  /** Seconds the solver may spend. */
  timeLimit: number;
}

export interface BinaryAnswer {
  /** `optimal`: proven; `limit`: stopped by the time limit (values = best found, if any). */
  status: 'optimal' | 'limit' | 'infeasible';
  values: Float64Array | null;
  /** The best bound on the objective the solver proved (≥ the optimum when maximising). */
  bound: number;
}

/** Solves a BinaryProgram (maximising). Synchronous: it runs in a worker. */
export type BinarySolver = (program: BinaryProgram) => BinaryAnswer;

export interface ExactOptions {
  /** Seconds per solver pass (two passes at most: the count, then the tie-break). */
  timeLimit?: number;
}

export const DEFAULT_EXACT_TIME_LIMIT = 5;

export interface ExactPattern {
  /** Scope-local neuron of each constraint, in greedy order. */
  neurons: Int32Array;
  /** Required state of each constraint (1 = on). */
  states: Uint8Array;
  constraints: number;
  /** Share of the phenomenon's samples satisfying every constraint. */
  coverage: number;
  /** The constraint count is proven maximal. */
  optimal: boolean;
  /** Constraints of the greedy pattern at this cP (never more than `constraints`). */
  greedyConstraints: number;
}

/** The smallest number of samples out of n whose share is ≥ cp (as the greedy compares it). */
export function requiredSamples(cp: number, n: number): number {
  let need = Math.ceil(cp * n);
  while (need > 0 && (need - 1) / n >= cp) need--;
  while (need < n && need / n < cp) need++;
  return need;
}

/** Tolerance for reading a 0/1 value out of a solver's floating-point answer. */
const BINARY_TOLERANCE = 1e-6;

function isSet(values: Float64Array, column: number): boolean {
  return values[column] > 0.5;
}

function bitCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function stateOf(patterns: SamplePatterns, sample: number, neuron: number): number {
  return (patterns.bits[sample * patterns.words + (neuron >>> 5)] >>> (neuron & 31)) & 1;
}

/** How many of `members` satisfy every (neuron, state) constraint. */
export function satisfyingCount(
  patterns: SamplePatterns,
  members: ArrayLike<number>,
  neurons: ArrayLike<number>,
  states: ArrayLike<number>,
): number {
  let count = 0;
  for (let m = 0; m < members.length; m++) {
    let ok = true;
    for (let t = 0; t < neurons.length; t++) {
      if (stateOf(patterns, members[m], neurons[t]) !== states[t]) {
        ok = false;
        break;
      }
    }
    if (ok) count++;
  }
  return count;
}

/** Builds a row-wise program from row lists (column, coefficient). */
class ProgramBuilder {
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];
  readonly rowLower: number[] = [];
  readonly rowUpper: number[] = [];

  row(columns: number[], coefficients: number[], lower: number, upper: number): void {
    for (let k = 0; k < columns.length; k++) {
      this.indices.push(columns[k]);
      this.values.push(coefficients[k]);
    }
    this.starts.push(this.indices.length);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
  }

  build(
    cost: Float64Array,
    start: Float64Array | null,
    timeLimit: number,
    fixedZero: boolean[] = [],
  ): BinaryProgram {
    const columns = cost.length;
    const upper = new Float64Array(columns).fill(1);
    fixedZero.forEach((zero, column) => {
      if (zero) upper[column] = 0;
    });
    return {
      columns,
      rows: this.rowLower.length,
      cost,
      lower: new Float64Array(columns),
      upper,
      rowLower: Float64Array.from(this.rowLower),
      rowUpper: Float64Array.from(this.rowUpper),
      starts: Int32Array.from(this.starts),
      indices: Int32Array.from(this.indices),
      values: Float64Array.from(this.values),
      start,
      timeLimit,
    };
  }
}

/**
 * The exact maximal pattern of the samples `members` at minimum coverage cp, given their
 * greedy pattern (the same members). `solve` is called at most twice.
 */
export function exactPattern(
  patterns: SamplePatterns,
  members: ArrayLike<number>,
  greedy: GreedyPattern,
  cp: number,
  solve: BinarySolver,
  options: ExactOptions = {},
): ExactPattern {
  if (!(cp > 0 && cp <= 1)) throw new Error(`cP must be in (0, 1], got ${cp}`);
  const timeLimit = options.timeLimit ?? DEFAULT_EXACT_TIME_LIMIT;
  if (!(timeLimit > 0)) throw new Error(`the time limit must be positive, got ${timeLimit}`);
  const n = members.length;
  const scopeSize = patterns.neurons.length;
  const greedyCount = prefixLength(greedy, cp);
  const greedyAnswer = (optimal: boolean): ExactPattern => ({
    neurons: greedy.neurons.slice(0, greedyCount),
    states: greedy.states.slice(0, greedyCount),
    constraints: greedyCount,
    coverage: greedyCount === 0 ? (n === 0 ? 0 : 1) : greedy.coverage[greedyCount - 1],
    optimal,
    greedyConstraints: greedyCount,
  });
  if (n === 0) return greedyAnswer(true);
  const need = requiredSamples(cp, n);

  const onCount = new Int32Array(scopeSize);
  for (let m = 0; m < n; m++) {
    for (let j = 0; j < scopeSize; j++) onCount[j] += stateOf(patterns, members[m], j);
  }
  // Candidate constraints (neuron, state) beyond the unanimous neurons.
  const candidateNeuron: number[] = [];
  const candidateState: number[] = [];
  const unanimous: number[] = [];
  for (let j = 0; j < scopeSize; j++) {
    const on = onCount[j];
    if (on === n || on === 0) {
      unanimous.push(j);
      continue;
    }
    if (n - on >= need) {
      candidateNeuron.push(j);
      candidateState.push(0);
    }
    if (on >= need) {
      candidateNeuron.push(j);
      candidateState.push(1);
    }
  }
  const candidates = candidateNeuron.length;
  const candidateNeurons = new Set(candidateNeuron).size;
  // The greedy pattern holds the unanimous neurons and then candidates only; when it already
  // holds one constraint per candidate neuron, nothing can beat it.
  if (greedyCount >= unanimous.length + candidateNeurons) return greedyAnswer(true);

  // Group the samples by the candidates they violate.
  const groups = new Map<string, { weight: number; violated: number[] }>();
  let free = 0;
  for (let m = 0; m < n; m++) {
    const violated: number[] = [];
    for (let c = 0; c < candidates; c++) {
      if (stateOf(patterns, members[m], candidateNeuron[c]) !== candidateState[c]) violated.push(c);
    }
    if (violated.length === 0) {
      free++;
      continue;
    }
    const key = violated.join(',');
    const group = groups.get(key);
    if (group) group.weight++;
    else groups.set(key, { weight: 1, violated });
  }
  const groupList = [...groups.values()];
  const y0 = candidates;
  const columns = candidates + groupList.length;

  const builder = new ProgramBuilder();
  for (let c = 0; c + 1 < candidates; c++) {
    if (candidateNeuron[c] === candidateNeuron[c + 1]) builder.row([c, c + 1], [1, 1], 0, 1);
  }
  groupList.forEach((group, g) => {
    for (const c of group.violated) builder.row([y0 + g, c], [1, 1], 0, 1);
  });
  // Dominance: when every sample that violates a also violates b, an optimal pattern that
  // holds b holds a too (adding a would cost no sample), so x(b) ≤ x(a). These rows cut the
  // LP relaxation's fractional patterns hard and remove no optimum, nor any tie candidate.
  const memberWords = (n + 31) >>> 5;
  const violators = new Uint32Array(candidates * memberWords);
  for (let m = 0; m < n; m++) {
    for (let c = 0; c < candidates; c++) {
      if (stateOf(patterns, members[m], candidateNeuron[c]) !== candidateState[c]) {
        violators[c * memberWords + (m >>> 5)] |= 1 << (m & 31);
      }
    }
  }
  for (let a = 0; a < candidates; a++) {
    for (let b = 0; b < candidates; b++) {
      if (a === b) continue;
      let subset = true;
      for (let w = 0; w < memberWords && subset; w++) {
        subset = (violators[a * memberWords + w] & ~violators[b * memberWords + w]) === 0;
      }
      if (subset) builder.row([b, a], [1, -1], -Infinity, 0);
    }
  }
  // Conflicts: two constraints whose violators together exceed the n − ⌈cP·n⌉ samples the
  // pattern may lose cannot both be chosen. The solver builds cliques from these pairs.
  const budget = n - need;
  for (let a = 0; a < candidates; a++) {
    for (let b = a + 1; b < candidates; b++) {
      if (candidateNeuron[a] === candidateNeuron[b]) continue;
      let union = 0;
      for (let w = 0; w < memberWords; w++) {
        union += bitCount(violators[a * memberWords + w] | violators[b * memberWords + w]);
      }
      if (union > budget) builder.row([a, b], [1, 1], -Infinity, 1);
    }
  }
  const coverageRow = {
    columns: groupList.map((_, g) => y0 + g),
    weights: groupList.map((group) => group.weight),
  };
  builder.row(coverageRow.columns, coverageRow.weights, need - free, Infinity);

  // The greedy pattern as a start: its non-unanimous constraints are candidates.
  const chosenOf = (neurons: ArrayLike<number>, states: ArrayLike<number>, count: number) => {
    const chosen = new Uint8Array(candidates);
    for (let t = 0; t < count; t++) {
      for (let c = 0; c < candidates; c++) {
        if (candidateNeuron[c] === neurons[t] && candidateState[c] === states[t]) chosen[c] = 1;
      }
    }
    return chosen;
  };
  const startOf = (chosen: Uint8Array, extra = 0): Float64Array => {
    const start = new Float64Array(columns + extra);
    for (let c = 0; c < candidates; c++) start[c] = chosen[c];
    groupList.forEach((group, g) => {
      start[y0 + g] = group.violated.every((c) => chosen[c] === 0) ? 1 : 0;
    });
    return start;
  };
  const greedyChosen = chosenOf(greedy.neurons, greedy.states, greedyCount);
  const countCost = new Float64Array(columns);
  for (let c = 0; c < candidates; c++) countCost[c] = 1;
  const first = solve(builder.build(countCost, startOf(greedyChosen), timeLimit));
  if (first.values === null) return greedyAnswer(false);
  let chosen = new Uint8Array(candidates);
  let count = 0;
  for (let c = 0; c < candidates; c++) {
    if (isSet(first.values, c)) {
      chosen[c] = 1;
      count++;
    }
  }
  const optimal = first.status === 'optimal' || Math.floor(first.bound + BINARY_TOLERANCE) <= count;
  if (count <= greedyCount - unanimous.length) return greedyAnswer(optimal);

  // Tie-break pass: prefix indicators p(t) over the greedy order's candidates.
  const greedyCandidates: number[] = [];
  for (let t = unanimous.length; t < greedyCount; t++) {
    for (let c = 0; c < candidates; c++) {
      if (candidateNeuron[c] === greedy.neurons[t] && candidateState[c] === greedy.states[t]) {
        greedyCandidates.push(c);
      }
    }
  }
  const prefixColumns = greedyCandidates.length;
  let rankSum = 0;
  const rank = new Float64Array(candidates);
  for (let c = 0; c < candidates; c++) {
    // The neuron's index; for the same neuron, the off state first.
    rank[c] = 2 * candidateNeuron[c] + candidateState[c];
    rankSum += rank[c];
  }
  const weight = rankSum + 1;
  const tieCost = new Float64Array(columns + prefixColumns);
  for (let c = 0; c < candidates; c++) tieCost[c] = -rank[c];
  for (let t = 0; t < prefixColumns; t++) tieCost[columns + t] = weight;
  for (let t = 0; t < prefixColumns; t++) {
    builder.row([columns + t, greedyCandidates[t]], [1, -1], -Infinity, 0);
    if (t > 0) builder.row([columns + t, columns + t - 1], [1, -1], -Infinity, 0);
  }
  builder.row(
    Array.from({ length: candidates }, (_, c) => c),
    Array.from({ length: candidates }, () => 1),
    count,
    Infinity,
  );
  const tieStart = startOf(chosen, prefixColumns);
  for (let t = 0; t < prefixColumns && chosen[greedyCandidates[t]] === 1; t++) {
    tieStart[columns + t] = 1;
  }
  const second = solve(builder.build(tieCost, tieStart, timeLimit));
  if (second.values !== null) {
    const refined = new Uint8Array(candidates);
    let refinedCount = 0;
    for (let c = 0; c < candidates; c++) {
      if (isSet(second.values, c)) {
        refined[c] = 1;
        refinedCount++;
      }
    }
    if (refinedCount >= count) {
      chosen = refined;
      count = refinedCount;
    }
  }

  // The answer in greedy order, checked against the samples themselves.
  const position = new Int32Array(scopeSize);
  greedy.neurons.forEach((neuron, t) => (position[neuron] = t));
  const picked: { neuron: number; state: number }[] = unanimous.map((j) => ({
    neuron: j,
    state: onCount[j] === n ? 1 : 0,
  }));
  for (let c = 0; c < candidates; c++) {
    if (chosen[c]) picked.push({ neuron: candidateNeuron[c], state: candidateState[c] });
  }
  picked.sort((a, b) => position[a.neuron] - position[b.neuron]);
  const neurons = Int32Array.from(picked, (entry) => entry.neuron);
  const states = Uint8Array.from(picked, (entry) => entry.state);
  const satisfied = satisfyingCount(patterns, members, neurons, states);
  // A solver answer that misses the coverage (a tolerance slip) or the greedy is not used.
  if (satisfied < need || neurons.length < greedyCount) return greedyAnswer(false);
  return {
    neurons,
    states,
    constraints: neurons.length,
    coverage: satisfied / n,
    optimal,
    greedyConstraints: greedyCount,
  };
}
