import { describe, expect, it } from 'vitest';
import { partitionPlane, regionBit } from '../../src-shared/mbh/partition.ts';
import { planeFromPoints, planeFromSpec } from '../../src-shared/mbh/plane.ts';
import {
  decisionPatterns,
  scopeNeurons,
  scopeNeuronsForSizes,
  type SamplePatterns,
} from '../../src-shared/mbh/patterns.ts';
import {
  DEFAULT_CPS,
  blanketMask,
  defaultPhenomena,
  greedyPattern,
  measurePartition,
  measureWithPlan,
  parsePhenomena,
  planMeasure,
  prefixLength,
  summarize,
  type MeasureResult,
} from '../../src-shared/mbh/specialization.ts';
import type { Network } from '../../src-shared/model/network.ts';
import {
  figure32Network,
  heNetwork,
  hiddenPreActivations,
  seededRandom,
} from './engine-support.ts';

/** Sample patterns from explicit 0/1 rows (one row per sample). */
function patternsOf(rows: number[][]): SamplePatterns {
  const size = rows[0]?.length ?? 0;
  const words = (size + 31) >>> 5;
  const bits = new Uint32Array(rows.length * words);
  rows.forEach((row, s) =>
    row.forEach((bit, j) => {
      if (bit) bits[s * words + (j >>> 5)] |= 1 << (j & 31);
    }),
  );
  const neurons = Int32Array.from({ length: size }, (_, j) => j);
  return { count: rows.length, words, bits, neurons };
}

/** Algorithm 3 written out naively: counts, order, and coverage of every prefix. */
function bruteGreedy(rows: number[][], cp: number): { neuron: number; state: number }[] {
  const n = rows.length;
  const size = rows[0].length;
  const stats = Array.from({ length: size }, (_, j) => {
    const on = rows.filter((row) => row[j] === 1).length;
    return { neuron: j, state: on > n - on ? 1 : 0, count: Math.max(on, n - on) };
  });
  stats.sort((a, b) => b.count - a.count || a.neuron - b.neuron);
  const chosen: { neuron: number; state: number }[] = [];
  for (const candidate of stats) {
    const next = [...chosen, candidate];
    const covered = rows.filter((row) => next.every((c) => row[c.neuron] === c.state)).length;
    if (covered / n < cp) break;
    chosen.push(candidate);
  }
  return chosen;
}

describe('greedy maximal pattern (algorithm 3)', () => {
  it('matches the naive algorithm on 300 random tiny cases, for every cP', () => {
    const random = seededRandom(11, 'greedy');
    for (let trial = 0; trial < 300; trial++) {
      const size = 1 + random.nextInt(6);
      const n = 1 + random.nextInt(12);
      const bias = random.nextFloat();
      const rows = Array.from({ length: n }, () =>
        Array.from({ length: size }, () => (random.nextFloat() < bias ? 1 : 0)),
      );
      const greedy = greedyPattern(patternsOf(rows), Int32Array.from(rows.keys()));
      for (const cp of [...DEFAULT_CPS, 0.5, 0]) {
        const expected = bruteGreedy(rows, cp);
        const k = prefixLength(greedy, cp);
        expect(k).toBe(expected.length);
        for (let t = 0; t < k; t++) {
          expect(greedy.neurons[t]).toBe(expected[t].neuron);
          expect(greedy.states[t]).toBe(expected[t].state);
        }
      }
    }
  });

  it('puts unanimous neurons first, counts a tie as off, and does not drop tied neurons', () => {
    // Neuron 0: 2 of 4 on (tie → off, coverage 0.5). Neuron 1: all on. Neurons 2 and 3:
    // 3 of 4 off, tied at 0.75 — both must be considered in index order (the reference
    // implementation's accident drops neurons tied with the last accepted one).
    const rows = [
      [1, 1, 0, 0],
      [1, 1, 0, 0],
      [0, 1, 0, 1],
      [0, 1, 1, 0],
    ];
    const greedy = greedyPattern(patternsOf(rows), [0, 1, 2, 3]);
    expect(Array.from(greedy.neurons)).toEqual([1, 2, 3, 0]);
    expect(Array.from(greedy.states)).toEqual([1, 0, 0, 0]);
    expect(Array.from(greedy.coverage)).toEqual([1, 0.75, 0.5, 0]);
    expect(prefixLength(greedy, 1)).toBe(1);
    expect(prefixLength(greedy, 0.75)).toBe(2);
    expect(prefixLength(greedy, 0.5)).toBe(3);
    expect(prefixLength(greedy, 0)).toBe(4);
  });

  it('the cP patterns are prefixes of one order, so blankets shrink as cP falls', () => {
    const random = seededRandom(3, 'prefix');
    const rows = Array.from({ length: 40 }, () =>
      Array.from({ length: 9 }, () => (random.nextFloat() < 0.7 ? 1 : 0)),
    );
    const greedy = greedyPattern(patternsOf(rows), Int32Array.from(rows.keys()));
    let previous = -1;
    for (const cp of [...DEFAULT_CPS].reverse()) {
      const k = prefixLength(greedy, cp);
      expect(k).toBeGreaterThanOrEqual(previous);
      previous = k;
    }
    for (let t = 1; t < greedy.coverage.length; t++) {
      expect(greedy.coverage[t]).toBeLessThanOrEqual(greedy.coverage[t - 1]);
    }
  });
});

describe('decision patterns', () => {
  it('equal the signs of a direct forward pass, for every scope', () => {
    const random = seededRandom(5, 'patterns');
    const network = heNetwork(6, [7, 40, 5], 3, { seed: 9, density: 0.6, biasStd: 0.3 });
    const n = 50;
    const x = Float32Array.from({ length: n * 6 }, () => random.nextNormal());
    for (const scope of [
      { kind: 'last' as const },
      { kind: 'all' as const },
      { kind: 'layer' as const, index: 1 },
    ]) {
      const patterns = decisionPatterns(network, x, n, scope);
      const neurons = scopeNeurons(network, scope);
      expect(Array.from(patterns.neurons)).toEqual(Array.from(neurons));
      for (let s = 0; s < n; s++) {
        const z = hiddenPreActivations(network, Float64Array.from(x.subarray(s * 6, s * 6 + 6)));
        neurons.forEach((neuron, j) => {
          const bit = (patterns.bits[s * patterns.words + (j >>> 5)] >>> (j & 31)) & 1;
          expect(bit).toBe(z[neuron] > 0 ? 1 : 0);
        });
      }
    }
    expect(Array.from(scopeNeuronsForSizes([7, 40, 5], { kind: 'last' }))).toEqual([
      47, 48, 49, 50, 51,
    ]);
    expect(() => scopeNeuronsForSizes([7, 40], { kind: 'layer', index: 2 })).toThrow(
      'scope layer 2 does not exist: hidden layers are 0..1',
    );
  });
});

describe('phenomena', () => {
  it('parses all, lists and unions, and rejects unknown classes', () => {
    expect(defaultPhenomena(3)).toEqual([
      { name: '0', labels: [0] },
      { name: '1', labels: [1] },
      { name: '2', labels: [2] },
    ]);
    expect(parsePhenomena('all', 2)).toEqual(defaultPhenomena(2));
    expect(parsePhenomena('0,3', 10)).toEqual([
      { name: '0', labels: [0] },
      { name: '3', labels: [3] },
    ]);
    expect(parsePhenomena('5+7+9', 10)).toEqual([{ name: '5+7+9', labels: [5, 7, 9] }]);
    expect(parsePhenomena('0, 5+7', 10)).toEqual([
      { name: '0', labels: [0] },
      { name: '5+7', labels: [5, 7] },
    ]);
    expect(() => parsePhenomena('12', 10)).toThrow(
      'class 12 does not exist (the model has 10 classes)',
    );
    expect(() => parsePhenomena('1,x', 10)).toThrow('"x" in "1,x" is not a class number');
  });
});

/** s of one phenomenon and cP the slow way: every region, every constraint, one by one. */
function bruteS(
  network: Network,
  partition: ReturnType<typeof partitionPlane>,
  patterns: SamplePatterns,
  labels: number[],
  phenomenonLabels: readonly number[],
  cp: number,
): { s: number; constraints: number } {
  const members = labels.flatMap((label, i) => (phenomenonLabels.includes(label) ? [i] : []));
  const rows = members.map((i) =>
    Array.from(
      patterns.neurons,
      (_, j) => (patterns.bits[i * patterns.words + (j >>> 5)] >>> (j & 31)) & 1,
    ),
  );
  const chosen = rows.length === 0 ? [] : bruteGreedy(rows, cp);
  if (chosen.length === 0) return { s: 0, constraints: 0 };
  let area = 0;
  for (let r = 0; r < partition.regionCount; r++) {
    const inside = chosen.every(
      (c) => (regionBit(partition, r, patterns.neurons[c.neuron]) ? 1 : 0) === c.state,
    );
    if (inside) area += partition.areas[r];
  }
  return { s: 1 - area / partition.domainArea, constraints: chosen.length };
}

describe('minimal blanket and s', () => {
  it('match a brute-force evaluation on random networks, scopes and phenomena', () => {
    const random = seededRandom(17, 'measure');
    for (let trial = 0; trial < 12; trial++) {
      const dim = 2 + random.nextInt(4);
      // Wide enough that scope bits reach past word boundaries (bit 31 is the sign bit).
      const widths = [3 + random.nextInt(30), 20 + random.nextInt(30)];
      const network = heNetwork(dim, widths, 3, {
        seed: random.nextUint32(),
        density: trial % 2 === 0 ? 1 : 0.5,
        biasStd: 0.4,
      });
      const n = 90;
      const x = Float64Array.from({ length: n * dim }, () => random.nextNormal());
      const labels = Array.from({ length: n }, () => random.nextInt(3));
      const scope = trial % 3 === 0 ? ({ kind: 'all' } as const) : ({ kind: 'last' } as const);
      const patterns = decisionPatterns(network, x, n, scope);
      const point = () => Float64Array.from({ length: dim }, () => random.nextNormal());
      const plane = planeFromPoints(point(), point(), point());
      const partition = partitionPlane(network, plane);
      const phenomena = [...defaultPhenomena(3), { name: '0+2', labels: [0, 2] }];
      const results = measurePartition(partition, network, patterns, labels, {
        phenomena,
        scope,
        plane: 4,
      });
      expect(results).toHaveLength(phenomena.length * DEFAULT_CPS.length);
      for (const result of results) {
        const phenomenon = phenomena.find((p) => p.name === result.phenomenon)!;
        const expected = bruteS(network, partition, patterns, labels, phenomenon.labels, result.cp);
        expect(result.plane).toBe(4);
        expect(result.constraints).toBe(expected.constraints);
        expect(result.s).toBeCloseTo(expected.s, 12);
        expect(result.domainArea).toBe(partition.domainArea);
        expect(result.blanketArea).toBeCloseTo((1 - result.s) * partition.domainArea, 9);
      }
    }
  });

  it('blanketMask marks the regions of the blanket; the empty pattern covers all', () => {
    const network = figure32Network();
    const plane = planeFromSpec({
      origin: [0, 0],
      u: [1, 0],
      v: [0, 1],
      domain: [0, 0, 4, 0, 4, 4, 0, 4],
    });
    const partition = partitionPlane(network, plane);
    // Last hidden layer: neurons 4 (h_e) and 5 (h_f); require h_e off and h_f on.
    const mask = blanketMask(partition, { neurons: [0, 1], states: [0, 1] }, { kind: 'last' });
    for (let r = 0; r < partition.regionCount; r++) {
      const expected = !regionBit(partition, r, 4) && regionBit(partition, r, 5);
      expect(mask[r]).toBe(expected ? 1 : 0);
    }
    const all = blanketMask(
      partition,
      { neurons: [0, 1], states: [0, 1], count: 0 },
      { kind: 'last' },
    );
    expect(all.every((value) => value === 1)).toBe(true);
  });

  it('a phenomenon without samples, or with an empty pattern, has s = 0', () => {
    const network = figure32Network();
    const partition = partitionPlane(
      network,
      planeFromSpec({ origin: [0, 0], u: [1, 0], v: [0, 1], domain: [0, 0, 4, 0, 4, 4, 0, 4] }),
    );
    const x = Float64Array.from([1, 2, 3, 1, 2, 2, 0.5, 3.5]);
    const patterns = decisionPatterns(network, x, 4);
    const plan = planMeasure(patterns, [0, 0, 1, 1], {
      phenomena: defaultPhenomena(3),
      cps: [0.8],
    });
    const results = measureWithPlan(partition, plan);
    const missing = results.find((r) => r.phenomenon === '2')!;
    expect(missing.s).toBe(0);
    expect(missing.constraints).toBe(0);
  });

  it('a blanket of every region has s ≈ 0, never below (bug: negative s from round-off)', () => {
    // One neuron is on everywhere (weights 0); the samples split every other neuron, so
    // the pattern is that neuron alone and the blanket is every region. Their areas can sum
    // an ulp above the domain's area, which made s = -2.2e-16 and blanketArea > domainArea.
    const random = seededRandom(7, 'full-blanket');
    const x = Float64Array.from([
      1e3, 0, -1e3, 0, 0, 1e3, 0, -1e3, 7e2, 7e2, -7e2, -7e2, 7e2, -7e2, -7e2, 7e2,
    ]);
    const point = () => [2 * random.nextFloat() - 1, 2 * random.nextFloat() - 1];
    for (let trial = 0; trial < 60; trial++) {
      const lines = 3 + (trial % 5);
      const weights: number[] = [];
      const bias: number[] = [];
      for (let i = 0; i < lines; i++) {
        weights.push(...point());
        bias.push(0.5 * point()[0]);
      }
      weights.push(0, 0);
      bias.push(1);
      const network: Network = {
        inputDim: 2,
        layers: [
          {
            inDim: 2,
            outDim: lines + 1,
            weights: Float64Array.from(weights),
            bias: Float64Array.from(bias),
            activation: 'relu',
          },
          {
            inDim: lines + 1,
            outDim: 1,
            weights: new Float64Array(lines + 1),
            bias: new Float64Array(1),
            activation: 'linear',
          },
        ],
      };
      const partition = partitionPlane(network, planeFromPoints(point(), point(), point()));
      const plan = planMeasure(decisionPatterns(network, x, 8), new Int32Array(8), {
        phenomena: defaultPhenomena(1),
        cps: [1],
      });
      for (const result of measureWithPlan(partition, plan)) {
        expect(result.blanketArea).toBeLessThanOrEqual(result.domainArea);
        expect(result.s).toBeCloseTo(1 - result.blanketArea / result.domainArea, 12);
        if (result.constraints === 1) expect(result.s).toBeLessThan(1e-12);
      }
    }
  });

  it('summarize: the mean over phenomena per plane, then over planes', () => {
    const row = (plane: number, phenomenon: string, cp: number, s: number): MeasureResult => ({
      plane,
      phenomenon,
      cp,
      s,
      blanketArea: 0,
      domainArea: 1,
      constraints: 1,
      coverage: 1,
    });
    const summary = summarize([
      row(0, '0', 0.8, 0.2),
      row(0, '1', 0.8, 0.4),
      row(1, '0', 0.8, 0.6),
      row(1, '1', 0.8, 0.8),
      row(0, '0', 1, 0),
      row(0, '1', 1, 0.1),
      row(1, '0', 1, 0.1),
      row(1, '1', 1, 0.2),
    ]);
    expect(summary.map((r) => r.cp)).toEqual([0.8, 1]);
    expect(summary[0].s).toBeCloseTo(0.5, 15);
    expect(summary[1].s).toBeCloseTo(0.1, 15);
  });
});
