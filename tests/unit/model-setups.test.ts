import { describe, expect, it } from 'vitest';
import {
  customArchitecture,
  deepFc,
  lenet,
  THESIS_DEEPFCS,
  THESIS_LENETS,
  validateArchitecture,
} from '../../src-shared/model/architecture.ts';
import {
  exactDensityForHnps,
  hnpCount,
  keptParameterCount,
  keptWeightCount,
  keptWeightsPerLayer,
} from '../../src-shared/model/hnp.ts';
import { checkpointIterations, evaluationSchedule } from '../../src-shared/model/schedule.ts';
import {
  densityForHnps,
  equalHnpSetups,
  THESIS_HNP_LEVELS,
} from '../../src-shared/model/setups.ts';

// Figure 6.1 / DESIGN §3: HNP level → [hidden neurons, density] as printed.
const FIGURE_6_1: [number, [number, number][]][] = [
  [265_600, [[400, 1]]],
  [
    83_572,
    [
      [400, 0.3136],
      [136, 1],
    ],
  ],
  [
    27_871,
    [
      [400, 0.1036],
      [136, 0.3324],
      [46, 1],
    ],
  ],
  [
    9_472,
    [
      [400, 0.0342],
      [136, 0.1119],
      [46, 0.3388],
      [16, 1],
    ],
  ],
  [
    4_744,
    [
      [400, 0.0164],
      [136, 0.0552],
      [46, 0.1688],
      [16, 0.5],
    ],
  ],
];

describe('architectures', () => {
  it('builds Lenet (3n, n), DeepFC (2n, n, n) and custom widths', () => {
    expect(lenet(100).hidden).toEqual([300, 100]);
    expect(deepFc(4).hidden).toEqual([8, 4, 4]);
    expect(customArchitecture([5, 7, 9], 2, 2)).toEqual({
      family: 'custom',
      hidden: [5, 7, 9],
      inputDim: 2,
      outputDim: 2,
    });
    expect(THESIS_DEEPFCS.map((a) => a.hidden.join(','))).toEqual([
      '200,100,100',
      '68,34,34',
      '23,11,11',
      '8,4,4',
    ]);
  });
  it('rejects bad architectures naming the field', () => {
    expect(() =>
      validateArchitecture({ family: 'lenet', hidden: [3, 2, 1], inputDim: 4, outputDim: 2 }),
    ).toThrow('a lenet network has 2 hidden layers, got 3');
    expect(() =>
      validateArchitecture({ family: 'custom', hidden: [3, 0], inputDim: 4, outputDim: 2 }),
    ).toThrow('architecture.hidden[1] must be a positive integer, got 0');
    expect(() =>
      validateArchitecture({ family: 'cnn', hidden: [3], inputDim: 4, outputDim: 2 }),
    ).toThrow("architecture.family must be 'lenet', 'deepfc' or 'custom'");
  });
});

describe('HNP arithmetic', () => {
  it('counts hidden weights × density plus biases, output layer excluded', () => {
    expect(hnpCount(THESIS_LENETS[0])).toBe(784 * 300 + 300 * 100 + 400);
    expect(hnpCount(THESIS_LENETS[0])).toBe(265_600);
    // Appendix A.1: the large sparse Lenet at 3.42 % (≈ 3.6 % in the table's rounding).
    expect(keptParameterCount(THESIS_LENETS[0])).toBe(266_610);
    expect(keptParameterCount(THESIS_LENETS[3])).toBe(9_522);
    expect(hnpCount(THESIS_LENETS[3])).toBe(9_472);
  });
  it('rounds kept weights per layer half up, the same rule the masks use', () => {
    expect(keptWeightCount(10, 0.25)).toBe(3); // 2.5 → 3
    expect(keptWeightCount(10, 0.24)).toBe(2);
    expect(keptWeightCount(9408, 0.5)).toBe(4704);
    expect(keptWeightsPerLayer(THESIS_LENETS[0], 0.0342)).toEqual([8044, 1026]);
    expect(() => keptWeightCount(10, 0)).toThrow('density must be a number in (0, 1], got 0');
    expect(() => keptWeightCount(10, 1.5)).toThrow('density must be a number in (0, 1], got 1.5');
  });
  it('refuses unreachable HNP levels', () => {
    expect(() => exactDensityForHnps(THESIS_LENETS[3], 10_000)).toThrow(
      'HNP level 10000 exceeds the 9472 HNPs of the dense network',
    );
    expect(() => exactDensityForHnps(THESIS_LENETS[3], 16)).toThrow(
      'HNP level 16 leaves no weights',
    );
  });
});

describe('equal-HNP setups', () => {
  it('reproduces the 14 Lenet setups of figure 6.1', () => {
    const setups = equalHnpSetups(THESIS_HNP_LEVELS, THESIS_LENETS, { decimals: 4 });
    expect(setups).toHaveLength(14);
    const actual = setups.map((s) => [
      s.level,
      s.architecture.hidden[0] + s.architecture.hidden[1],
      s.density,
    ]);
    const expected = FIGURE_6_1.flatMap(([level, pairs]) =>
      pairs.map(([neurons, density]) => [level, neurons, density]),
    );
    expect(actual).toEqual(expected);
    // The realised HNPs are within one weight per hidden layer plus the 4-decimal rounding.
    for (const setup of setups)
      expect(Math.abs(setup.hnps - setup.level) / setup.level).toBeLessThan(0.0012);
  });
  it('hits any level within one weight per layer with exact densities', () => {
    for (const level of [5_000, 12_345, 100_000, 200_000]) {
      for (const setup of equalHnpSetups([level], THESIS_LENETS)) {
        expect(Math.abs(setup.hnps - level)).toBeLessThanOrEqual(2);
      }
    }
    expect(equalHnpSetups([50_000], THESIS_DEEPFCS).map((s) => s.architecture.hidden[0])).toEqual([
      200, 68,
    ]);
  });
  it('gives density 1 at a dense network’s own level and explains impossible ones', () => {
    expect(densityForHnps(THESIS_LENETS[1], 83_572)).toBe(1);
    expect(() => densityForHnps(THESIS_LENETS[0], 410, { decimals: 4 })).toThrow(
      'rounds to density 0',
    );
    expect(() => equalHnpSetups([], THESIS_LENETS)).toThrow('give at least one HNP level');
  });
});

describe('evaluation schedule', () => {
  it('is the thesis schedule for 50,000 iterations', () => {
    expect(evaluationSchedule(50_000)).toEqual([
      0, 1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 291, 437, 656, 985, 1477, 2216, 3325,
      4987, 7481, 11222, 16834, 25251, 37876, 50000,
    ]);
  });
  it('keeps the points below other counts plus the last', () => {
    expect(evaluationSchedule(2000)).toEqual([
      0, 1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 291, 437, 656, 985, 1477, 2000,
    ]);
    expect(evaluationSchedule(1)).toEqual([0, 1]);
    expect(evaluationSchedule(3)).toEqual([0, 1, 2, 3]);
  });
  it('selects checkpoints', () => {
    expect(checkpointIterations(100)).toEqual([0, 100]);
    expect(checkpointIterations(100, 'all')).toEqual(evaluationSchedule(100));
    expect(checkpointIterations(100, [57, 0, 57])).toEqual([0, 57]);
    expect(() => checkpointIterations(100, [50])).toThrow(
      'checkpoints[0] = 50 is not on the evaluation schedule for 100 iterations',
    );
    expect(() => evaluationSchedule(0)).toThrow(
      'iterations must be an integer in [1, 100000000], got 0',
    );
  });
});
