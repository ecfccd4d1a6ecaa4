/**
 * Appendix E and D analyses: unique network and layer patterns against a brute-force count
 * from each sample's pre-activations; decision trees on layer patterns with pure leaves,
 * leaf counts between the number of classes and of distinct (pattern, label) pairs, and
 * every sample classified by its own leaf.
 */
import { describe, expect, it } from 'vitest';
import { decisionPatterns } from '../../src-shared/mbh/patterns.ts';
import { growPatternTree, predictPattern, treeSummary } from '../../src-shared/mbh/pattern-tree.ts';
import { uniquePatterns } from '../../src-shared/mbh/unique-patterns.ts';
import { heNetwork, hiddenPreActivations, seededRandom } from './engine-support.ts';

function randomData(seed: number, count: number, dim: number, classes: number) {
  const random = seededRandom(seed, 'analyses-data');
  const x = new Float64Array(count * dim);
  for (let q = 0; q < x.length; q++) x[q] = random.nextNormal();
  const y = Int32Array.from({ length: count }, () => random.nextInt(classes));
  return { x, y };
}

describe('unique patterns (appendix E)', () => {
  it('counts what a brute force over pre-activations counts, overall and per class', () => {
    for (let trial = 0; trial < 12; trial++) {
      const widths = [1 + (trial % 5), 2 + ((trial * 3) % 7), 1 + (trial % 3)].slice(
        0,
        1 + (trial % 3),
      );
      const network = heNetwork(3, widths, 3, {
        seed: 100 + trial,
        biasStd: 0.4,
        density: trial % 2 ? 0.6 : 1,
      });
      const { x, y } = randomData(trial, 150, 3, 3);
      const phenomena = [
        { name: '0', labels: [0] },
        { name: '1+2', labels: [1, 2] },
      ];
      const report = uniquePatterns(network, x, y, 150, phenomena);
      const brute = (members: number[]) => {
        const whole = new Set<string>();
        const layers = widths.map(() => new Set<string>());
        for (const s of members) {
          const pre = hiddenPreActivations(network, x.subarray(s * 3, s * 3 + 3));
          const states = Array.from(pre, (z) => (z > 0 ? '1' : '0'));
          whole.add(states.join(''));
          let offset = 0;
          widths.forEach((width, l) => {
            layers[l].add(states.slice(offset, offset + width).join(''));
            offset += width;
          });
        }
        return { network: whole.size, layers: layers.map((set) => set.size) };
      };
      const all = Array.from({ length: 150 }, (_, s) => s);
      expect(report.samples).toBe(150);
      expect(report.unique).toEqual(brute(all));
      expect(report.perPhenomenon).toEqual(
        phenomena.map((phenomenon) => ({
          phenomenon: phenomenon.name,
          ...brute(all.filter((s) => phenomenon.labels.includes(y[s]))),
        })),
      );
    }
  });

  it('counts wide layers past one 32-bit word and a 16-bit key chunk', () => {
    const network = heNetwork(5, [70, 40], 2, { seed: 9, biasStd: 0.2 });
    const { x, y } = randomData(4, 400, 5, 2);
    const report = uniquePatterns(network, x, y, 400, []);
    expect(report.unique.layers[0]).toBeLessThanOrEqual(400);
    const patterns = decisionPatterns(network, x, 400, { kind: 'layer', index: 0 });
    const keys = new Set<string>();
    for (let s = 0; s < 400; s++)
      keys.add(patterns.bits.slice(s * patterns.words, (s + 1) * patterns.words).join(','));
    expect(report.unique.layers[0]).toBe(keys.size);
  });
});

describe('decision trees on layer patterns (appendix D)', () => {
  it('grows pure leaves; leaves between the class count and the distinct (pattern, label) pairs', () => {
    for (let trial = 0; trial < 10; trial++) {
      const classes = 2 + (trial % 4);
      const network = heNetwork(4, [12, 6 + trial * 4], classes, { seed: 7 + trial, biasStd: 0.3 });
      const { x, y } = randomData(50 + trial, 600, 4, classes);
      const patterns = decisionPatterns(network, x, 600);
      const tree = growPatternTree(patterns, y, classes);
      const pairs = new Set<string>();
      const patternLabels = new Map<string, Set<number>>();
      for (let s = 0; s < 600; s++) {
        const key = patterns.bits.slice(s * patterns.words, (s + 1) * patterns.words).join(',');
        pairs.add(`${key}|${y[s]}`);
        if (!patternLabels.has(key)) patternLabels.set(key, new Set());
        patternLabels.get(key)!.add(y[s]);
      }
      // Samples that share a pattern but not a label can never be told apart: the best
      // accuracy is the majority within each pattern, and the tree reaches it.
      let reachable = 0;
      const counts = new Map<string, number[]>();
      for (let s = 0; s < 600; s++) {
        const key = patterns.bits.slice(s * patterns.words, (s + 1) * patterns.words).join(',');
        if (!counts.has(key)) counts.set(key, new Array<number>(classes).fill(0));
        counts.get(key)![y[s]]++;
      }
      for (const perClass of counts.values()) reachable += Math.max(...perClass);
      expect(tree.accuracy).toBeCloseTo(reachable / 600, 12);
      expect(tree.leaves).toBeLessThanOrEqual(pairs.size);
      expect(tree.leaves).toBeLessThanOrEqual(counts.size);
      const classesPresent = new Set(y).size;
      if ([...patternLabels.values()].every((labels) => labels.size === 1)) {
        expect(tree.accuracy).toBe(1);
        expect(tree.leaves).toBeGreaterThanOrEqual(classesPresent);
        for (let k = 0; k < classes; k++) {
          if (y.includes(k)) expect(tree.leavesPerClass[String(k)]).toBeGreaterThan(0);
        }
      }
      // Every sample lands in a leaf predicting its label unless its pattern is shared.
      let right = 0;
      for (let s = 0; s < 600; s++) if (predictPattern(tree, patterns, s) === y[s]) right++;
      expect(right / 600).toBe(tree.accuracy);
      const summary = treeSummary(tree);
      expect(Object.values(summary.leavesPerClass).reduce((a, b) => a + b, 0)).toBe(tree.leaves);
      expect(summary.meanLeafDepth).toBeLessThanOrEqual(summary.depth);
      expect(summary.meanLeafDepth).toBeGreaterThanOrEqual(Math.log2(tree.leaves) - 1e-12);
    }
  });

  it('makes one leaf of a pure split and a stump of two separable classes', () => {
    const patterns = {
      count: 4,
      words: 1,
      bits: Uint32Array.of(0b01, 0b11, 0b00, 0b10),
      neurons: Int32Array.of(0, 1),
    };
    expect(treeSummary(growPatternTree(patterns, [1, 1, 1, 1], 2))).toEqual({
      depth: 0,
      leaves: 1,
      meanLeafDepth: 0,
      accuracy: 1,
      leavesPerClass: { '0': 0, '1': 1 },
    });
    // Neuron 0 separates the classes; neuron 1 does not.
    expect(treeSummary(growPatternTree(patterns, [1, 1, 0, 0], 2))).toEqual({
      depth: 1,
      leaves: 2,
      meanLeafDepth: 1,
      accuracy: 1,
      leavesPerClass: { '0': 1, '1': 1 },
    });
    // XOR of the two neurons: no split gains impurity at the root, yet the leaves end pure.
    const xor = growPatternTree(patterns, [1, 0, 0, 1], 2);
    expect(treeSummary(xor)).toMatchObject({ depth: 2, leaves: 4, accuracy: 1 });
    expect(() => growPatternTree(patterns, [0, 1, 2, 0], 2)).toThrow(
      'label 2 of sample 2 is not a class in [0, 2)',
    );
  });
});
