/**
 * The specialization measure s (thesis definition 4.7, algorithms 1 and 3, DESIGN §3).
 *
 * Per phenomenon P, the greedy maximal pattern depends on the data only, so it is found
 * once per model: neurons ordered unanimous first, then by individual coverage (share of
 * P's samples in the neuron's majority state; a tie counts as off) high to low, ties by
 * lower index. The pattern for a minimum coverage cP is the longest prefix of that order
 * whose joint coverage stays ≥ cP; coverage only falls as constraints are added, so one
 * order serves every cP.
 *
 * Per plane, the blanket of a pattern is the union of regions whose pattern satisfies
 * every constraint, and s = 1 − area(blanket) / area(domain); an empty pattern gives 0.
 * The prefixes of one phenomenon are nested, so each region is tested against the
 * shortest prefix first and stops at the first it fails: most regions fail at once.
 */
import type { Network } from '../model/network.ts';
import type { Phenomenon } from '../model/phenomena.ts';
import type { Partition } from './partition.ts';
import { scopeNeuronsForSizes, type SamplePatterns, type Scope } from './patterns.ts';

export type { Phenomenon };

export const DEFAULT_CPS: readonly number[] = [0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1];

/** One phenomenon per class, named by its label. */
export function defaultPhenomena(classCount: number): Phenomenon[] {
  const out: Phenomenon[] = [];
  for (let c = 0; c < classCount; c++) out.push({ name: String(c), labels: [c] });
  return out;
}

/**
 * Phenomena from a command-line spec: "all" (each class), "0,3" (classes 0 and 3, each its
 * own phenomenon) or "5+7+9" (one phenomenon made of three classes); both combine, as in
 * "0,5+7".
 */
export function parsePhenomena(spec: string, classCount: number): Phenomenon[] {
  const text = spec.trim();
  if (text === 'all') return defaultPhenomena(classCount);
  if (text === '') throw new Error('classes: empty list');
  const out: Phenomenon[] = [];
  for (const part of text.split(',')) {
    const labels: number[] = [];
    for (const token of part.split('+')) {
      const word = token.trim();
      if (!/^\d+$/.test(word)) {
        throw new Error(`classes: "${word}" in "${spec}" is not a class number`);
      }
      const label = Number(word);
      if (label >= classCount) {
        throw new Error(
          `classes: class ${label} does not exist (the model has ${classCount} classes)`,
        );
      }
      if (!labels.includes(label)) labels.push(label);
    }
    const name = labels.join('+');
    const key = [...labels].sort((a, b) => a - b).join('+');
    if (out.some((other) => [...other.labels].sort((a, b) => a - b).join('+') === key)) {
      throw new Error(`classes: phenomenon "${name}" is listed twice in "${spec}"`);
    }
    out.push({ name, labels });
  }
  return out;
}

/** A greedy maximal pattern: constraints in greedy order and the coverage after each. */
export interface GreedyPattern {
  /** Scope-local neuron index of each constraint, in greedy order (all scope neurons). */
  neurons: Int32Array;
  /** Required state of each constraint: 1 = on, 0 = off (the majority state). */
  states: Uint8Array;
  /** Share of the phenomenon's samples satisfying the first i + 1 constraints. */
  coverage: Float64Array;
  /** Number of samples that embody the phenomenon. */
  sampleCount: number;
}

/** The greedy order of algorithm 3 for the samples `members` (indices into `patterns`). */
export function greedyPattern(patterns: SamplePatterns, members: ArrayLike<number>): GreedyPattern {
  const scopeSize = patterns.neurons.length;
  const words = patterns.words;
  const bits = patterns.bits;
  const n = members.length;
  const onCount = new Int32Array(scopeSize);
  for (let m = 0; m < n; m++) {
    const base = members[m] * words;
    for (let j = 0; j < scopeSize; j++) {
      if ((bits[base + (j >>> 5)] & (1 << (j & 31))) !== 0) onCount[j]++;
    }
  }
  const states = new Uint8Array(scopeSize);
  const individual = new Int32Array(scopeSize);
  for (let j = 0; j < scopeSize; j++) {
    const on = onCount[j];
    // Majority state; a tie counts as off.
    states[j] = 2 * on > n ? 1 : 0;
    individual[j] = Math.max(on, n - on);
  }
  const order = Array.from({ length: scopeSize }, (_, j) => j);
  // Unanimous neurons have the full count and so come first; then high to low, lower index.
  order.sort((a, b) => individual[b] - individual[a] || a - b);
  const neurons = Int32Array.from(order);
  const orderedStates = new Uint8Array(scopeSize);
  const coverage = new Float64Array(scopeSize);
  // Samples still satisfying every constraint so far, compacted in place.
  const alive = Int32Array.from(members);
  let aliveCount = n;
  for (let t = 0; t < scopeSize; t++) {
    const j = neurons[t];
    const state = states[j];
    orderedStates[t] = state;
    const word = j >>> 5;
    const mask = 1 << (j & 31);
    let kept = 0;
    for (let m = 0; m < aliveCount; m++) {
      const sample = alive[m];
      const on = (bits[sample * words + word] & mask) !== 0 ? 1 : 0;
      if (on === state) alive[kept++] = sample;
    }
    aliveCount = kept;
    coverage[t] = n === 0 ? 0 : aliveCount / n;
  }
  return { neurons, states: orderedStates, coverage, sampleCount: n };
}

/** Number of constraints in the maximal pattern for minimum coverage cP. */
export function prefixLength(pattern: GreedyPattern, cp: number): number {
  if (pattern.sampleCount === 0) return 0;
  let k = 0;
  while (k < pattern.coverage.length && pattern.coverage[k] >= cp) k++;
  return k;
}

/** Constraints to draw a blanket: scope-local neurons and states, the first `count` used. */
export interface Constraints {
  neurons: ArrayLike<number>;
  states: ArrayLike<number>;
  count?: number;
}

/** Mask and value words of a constraint prefix over the partition's pattern words. */
function constraintWords(
  constraints: Constraints,
  global: Int32Array,
  patternWords: number,
  count: number,
): { mask: Uint32Array; value: Uint32Array } {
  const mask = new Uint32Array(patternWords);
  const value = new Uint32Array(patternWords);
  for (let t = 0; t < count; t++) {
    const neuron = global[constraints.neurons[t]];
    const bit = 1 << (neuron & 31);
    mask[neuron >>> 5] |= bit;
    if (constraints.states[t]) value[neuron >>> 5] |= bit;
  }
  return { mask, value };
}

/** Which regions are in the blanket of the constraints (1 = in): the UI draws it. */
export function blanketMask(
  partition: Partition,
  constraints: Constraints,
  scope: Scope | Int32Array,
): Uint8Array {
  const global =
    scope instanceof Int32Array ? scope : scopeNeuronsForSizes(partition.layerSizes, scope);
  const count = constraints.count ?? constraints.neurons.length;
  const words = partition.patternWords;
  const { mask, value } = constraintWords(constraints, global, words, count);
  const out = new Uint8Array(partition.regionCount);
  const patterns = partition.patterns;
  for (let r = 0; r < partition.regionCount; r++) {
    let inside = 1;
    for (let w = 0; w < words; w++) {
      if (((patterns[r * words + w] ^ value[w]) & mask[w]) !== 0) {
        inside = 0;
        break;
      }
    }
    out[r] = inside;
  }
  return out;
}

export interface MeasureResult {
  plane: number;
  phenomenon: string;
  cp: number;
  s: number;
  blanketArea: number;
  domainArea: number;
  constraints: number;
  coverage: number;
}

export interface MeasureOptions {
  phenomena?: Phenomenon[];
  cps?: readonly number[];
  /** Must match the scope the sample patterns were computed for, when given. */
  scope?: Scope;
  /** Plane index written into the results. */
  plane?: number;
}

/** Everything about a measurement that depends on the model and data, not on the plane. */
export interface MeasurePlan {
  /** Global hidden-neuron index of each scope neuron. */
  neurons: Int32Array;
  phenomena: Phenomenon[];
  cps: number[];
  greedy: GreedyPattern[];
  /** Per phenomenon, per cP: constraint count of the maximal pattern. */
  lengths: Int32Array[];
}

function checkCps(cps: readonly number[]): number[] {
  for (const cp of cps) {
    if (!(cp >= 0 && cp <= 1)) throw new Error(`cP must be in [0, 1], got ${cp}`);
  }
  return [...cps];
}

/** The greedy patterns of every phenomenon, once per model and data set. */
export function planMeasure(
  samplePatterns: SamplePatterns,
  labels: ArrayLike<number>,
  options: MeasureOptions = {},
): MeasurePlan {
  if (labels.length !== samplePatterns.count) {
    throw new Error(`${labels.length} labels for ${samplePatterns.count} samples`);
  }
  let classCount = 0;
  for (let i = 0; i < labels.length; i++) classCount = Math.max(classCount, labels[i] + 1);
  const phenomena = options.phenomena ?? defaultPhenomena(classCount);
  const cps = checkCps(options.cps ?? DEFAULT_CPS);
  const greedy: GreedyPattern[] = [];
  const lengths: Int32Array[] = [];
  for (const phenomenon of phenomena) {
    const wanted = new Set(phenomenon.labels);
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (wanted.has(labels[i])) members.push(i);
    const pattern = greedyPattern(samplePatterns, members);
    greedy.push(pattern);
    lengths.push(Int32Array.from(cps, (cp) => prefixLength(pattern, cp)));
  }
  return { neurons: samplePatterns.neurons, phenomena, cps, greedy, lengths };
}

/**
 * s for every phenomenon and cP on one partition. The nested prefixes of a phenomenon are
 * checked shortest first; a region stops at the first it fails.
 */
export function measureWithPlan(
  partition: Partition,
  plan: MeasurePlan,
  planeIndex = 0,
): MeasureResult[] {
  const words = partition.patternWords;
  const patterns = partition.patterns;
  const areas = partition.areas;
  const regionCount = partition.regionCount;
  for (const neuron of plan.neurons) {
    if (neuron >= partition.neuronCount) {
      throw new Error(
        `the sample patterns observe neuron ${neuron}, the partition has ${partition.neuronCount}`,
      );
    }
  }
  const results: MeasureResult[] = [];
  const bucket = new Float64Array(plan.cps.length + 2);
  const bucketCompensation = new Float64Array(plan.cps.length + 2);
  for (let p = 0; p < plan.phenomena.length; p++) {
    const lengths = plan.lengths[p];
    const greedy = plan.greedy[p];
    // Distinct prefix lengths, shortest first. Stage s adds the constraints between the
    // previous prefix and prefix s; only its non-zero words are kept (word, mask, value).
    const stages = Array.from(new Set(lengths)).sort((a, b) => a - b);
    const stageCount = stages.length;
    const stageStart = new Int32Array(stageCount + 1);
    const stageWord: number[] = [];
    const stageMask: number[] = [];
    const stageValue: number[] = [];
    let previous = 0;
    for (let s = 0; s < stageCount; s++) {
      const mask = new Int32Array(words);
      const value = new Int32Array(words);
      for (let t = previous; t < stages[s]; t++) {
        const neuron = plan.neurons[greedy.neurons[t]];
        const bit = 1 << (neuron & 31);
        mask[neuron >>> 5] |= bit;
        if (greedy.states[t]) value[neuron >>> 5] |= bit;
      }
      for (let w = 0; w < words; w++) {
        if (mask[w] === 0) continue;
        stageWord.push(w);
        stageMask.push(mask[w]);
        stageValue.push(value[w]);
      }
      stageStart[s + 1] = stageWord.length;
      previous = stages[s];
    }
    const word = Int32Array.from(stageWord);
    const maskWords = Int32Array.from(stageMask);
    const valueWords = Int32Array.from(stageValue);
    // bucket[s] = area of regions passing stages < s and failing stage s (s = stageCount:
    // passing all); Neumaier-compensated.
    bucket.fill(0);
    bucketCompensation.fill(0);
    for (let r = 0; r < regionCount; r++) {
      const base = r * words;
      let s = 0;
      let q = 0;
      for (; s < stageCount; s++) {
        const end = stageStart[s + 1];
        let inside = true;
        for (; q < end; q++) {
          if (((patterns[base + word[q]] ^ valueWords[q]) & maskWords[q]) !== 0) {
            inside = false;
            break;
          }
        }
        if (!inside) break;
      }
      const area = areas[r];
      const sum = bucket[s];
      const t = sum + area;
      bucketCompensation[s] += Math.abs(sum) >= Math.abs(area) ? sum - t + area : area - t + sum;
      bucket[s] = t;
    }
    // Area passing stage s = the buckets beyond it.
    const passing = new Float64Array(stageCount);
    let tail = 0;
    for (let s = stageCount - 1; s >= 0; s--) {
      tail += bucket[s + 1] + bucketCompensation[s + 1];
      passing[s] = tail;
    }
    for (let c = 0; c < plan.cps.length; c++) {
      const k = lengths[c];
      // A blanket of every region sums their areas, which round-off can put an ulp above
      // the domain's own area: clamp so that s stays in [0, 1].
      const blanketArea =
        k === 0 ? partition.domainArea : Math.min(passing[stages.indexOf(k)], partition.domainArea);
      results.push({
        plane: planeIndex,
        phenomenon: plan.phenomena[p].name,
        cp: plan.cps[c],
        s: k === 0 ? 0 : 1 - blanketArea / partition.domainArea,
        blanketArea,
        domainArea: partition.domainArea,
        constraints: k,
        coverage: k === 0 ? (greedy.sampleCount === 0 ? 0 : 1) : greedy.coverage[k - 1],
      });
    }
  }
  return results;
}

function sameScope(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Plans already made for a set of sample patterns, so repeated planes reuse the greedy work. */
const planCache = new WeakMap<
  SamplePatterns,
  Map<string, { labels: ArrayLike<number>; plan: MeasurePlan }>
>();

/**
 * s for every phenomenon × cP on one plane's partition. The greedy patterns are computed
 * on the first call for these sample patterns and options, then reused for other planes.
 */
export function measurePartition(
  partition: Partition,
  network: Network,
  samplePatterns: SamplePatterns,
  labels: ArrayLike<number>,
  options: MeasureOptions = {},
): MeasureResult[] {
  if (options.scope) {
    const sizes: number[] = [];
    for (let l = 0; l + 1 < network.layers.length; l++) sizes.push(network.layers[l].outDim);
    if (!sameScope(scopeNeuronsForSizes(sizes, options.scope), samplePatterns.neurons)) {
      throw new Error('the sample patterns were computed for a different scope');
    }
  }
  const key = JSON.stringify([options.phenomena ?? null, options.cps ?? null]);
  let plans = planCache.get(samplePatterns);
  if (!plans) {
    plans = new Map();
    planCache.set(samplePatterns, plans);
  }
  let entry = plans.get(key);
  if (!entry || entry.labels !== labels) {
    entry = { labels, plan: planMeasure(samplePatterns, labels, options) };
    plans.set(key, entry);
  }
  return measureWithPlan(partition, entry.plan, options.plane ?? 0);
}

/** s per cP: the mean over phenomena on each plane, then the mean over planes. */
export function summarize(results: readonly MeasureResult[]): { cp: number; s: number }[] {
  const cps: number[] = [];
  const perPlane = new Map<number, Map<number, { sum: number; count: number }>>();
  for (const result of results) {
    if (!cps.includes(result.cp)) cps.push(result.cp);
    let byCp = perPlane.get(result.plane);
    if (!byCp) {
      byCp = new Map();
      perPlane.set(result.plane, byCp);
    }
    const cell = byCp.get(result.cp) ?? { sum: 0, count: 0 };
    cell.sum += result.s;
    cell.count++;
    byCp.set(result.cp, cell);
  }
  return cps.map((cp) => {
    let sum = 0;
    let planes = 0;
    for (const byCp of perPlane.values()) {
      const cell = byCp.get(cp);
      if (!cell) continue;
      sum += cell.sum / cell.count;
      planes++;
    }
    return { cp, s: planes === 0 ? 0 : sum / planes };
  });
}
