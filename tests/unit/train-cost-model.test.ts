/**
 * The training cost model (src-main/train/cost-model.ts): its features per path, the
 * non-negative fit, the refinement from finished runs and the 'auto' choice.
 */
import { describe, expect, it } from 'vitest';
import {
  CostModel,
  evaluationShare,
  fitCoefficients,
  PRIOR_COEFFICIENTS,
  predictMs,
  shapeKey,
  stepFeatures,
  validateTrainerChoice,
  withSample,
  SPEED_SAMPLE_LIMIT,
  type NetworkShape,
  type SpeedSample,
} from '../../src-main/train/cost-model.ts';
import { storeLayer } from '../../src-main/train/fused/layer-storage.ts';
import { initialParameters } from '../../src-main/train/init.ts';
import type { TrainerName } from '../../src-main/train/trainers.ts';

const lenet = (density: number): NetworkShape => ({
  inputDim: 784,
  hidden: [300, 100],
  classCount: 10,
  density,
  batchSize: 60,
});
const small: NetworkShape = { ...lenet(1), hidden: [12, 4] };

/** How the fused trainer stores (12,4)@0.5's first layer on inputs of this non-zero share. */
function storeKind(inputNonZero: number): string {
  const [first] = initialParameters({
    seed: 1,
    hidden: [12, 4],
    inputDim: 784,
    outputDim: 10,
    density: 0.5,
  });
  return storeLayer(first, first.mask, inputNonZero).kind;
}

function sample(shape: NetworkShape, trainer: TrainerName, ms: number): SpeedSample {
  return {
    trainer,
    key: shapeKey(shape),
    features: stepFeatures(shape, trainer),
    msPerIteration: ms,
    msPerEvaluation: null,
    testCount: 10_000,
    overheadMs: null,
  };
}

describe('step features', () => {
  it('count every weight as dense on the TensorFlow.js path (masks are multiplied)', () => {
    // 784·300 + 300·100 + 100·10 = 266,200 weights, × 60 rows, in millions.
    expect(stepFeatures(lenet(1), 'tfjs')).toEqual([1, 3, 15.972, 0]);
    expect(stepFeatures(lenet(0.0164), 'tfjs')).toEqual([1, 3, 15.972, 0]);
  });

  it('count kept weights of masked layers as sparse on the fused path', () => {
    // Kept: floor(0.0164·235,200 + ½) = 3,857 and floor(0.0164·30,000 + ½) = 492; the
    // output layer (1,000 weights) stays dense.
    const [constant, layers, dense, sparse] = stepFeatures(lenet(0.0164), 'fused');
    expect([constant, layers]).toEqual([1, 3]);
    expect(dense).toBeCloseTo((1_000 * 60) / 1e6, 12);
    expect(sparse).toBeCloseTo((4_349 * 60) / 1e6, 12);
    expect(stepFeatures(lenet(1), 'fused')).toEqual([1, 3, 15.972, 0]);
  });

  it("count the fused path's dense first layer by the share of non-zero inputs", () => {
    // Fashion-like inputs, half of them zero: 784·300·0.5 + 300·100 + 100·10 = 148,600.
    const fashion: NetworkShape = { ...lenet(1), inputNonZero: 0.5 };
    expect(stepFeatures(fashion, 'fused')).toEqual([1, 3, (148_600 * 60) / 1e6, 0]);
    // TensorFlow.js multiplies every input, zero or not.
    expect(stepFeatures(fashion, 'tfjs')).toEqual(stepFeatures(lenet(1), 'tfjs'));
    // A masked first layer walks every input (its kept weights are few): no factor.
    const sparse: NetworkShape = { ...lenet(0.0164), inputNonZero: 0.5 };
    expect(stepFeatures(sparse, 'fused')).toEqual(stepFeatures(lenet(0.0164), 'fused'));
    // Only the first layer: an MNIST-like share scales 784·12 of the (12,4) network.
    const digits: NetworkShape = { ...small, inputNonZero: 0.19 };
    expect(stepFeatures(digits, 'fused')[2]).toBeCloseTo(
      ((784 * 12 * 0.19 + 12 * 4 + 4 * 10) * 60) / 1e6,
      12,
    );
  });

  it('price a masked first layer as the trainer stores it (maskedFirstLayerOverNonZero)', () => {
    // (12,4)@0.5 on Digit-like inputs (share 0.19 ≤ 0.5 · 0.5): the first layer is stored
    // densely over the non-zero pixels, so it costs 784·12·0.19 dense, and only the second
    // layer's kept weights (24 of 48) are sparse.
    const digits: NetworkShape = { ...small, density: 0.5, inputNonZero: 0.19 };
    expect(storeKind(0.19)).toBe('input-masked');
    const [, , dense, sparse] = stepFeatures(digits, 'fused');
    expect(dense).toBeCloseTo(((784 * 12 * 0.19 + 4 * 10) * 60) / 1e6, 12);
    expect(sparse).toBeCloseTo((24 * 60) / 1e6, 12);
    // On Fashion-like inputs (share 0.5 > 0.25) it stays sparse rows over every input.
    const fashion: NetworkShape = { ...small, density: 0.5, inputNonZero: 0.5 };
    expect(storeKind(0.5)).toBe('input-sparse');
    expect(stepFeatures(fashion, 'fused')).toEqual(
      stepFeatures({ ...small, density: 0.5 }, 'fused'),
    );
    expect(stepFeatures(fashion, 'fused')[3]).toBeCloseTo(((4_704 + 24) * 60) / 1e6, 12);
  });

  it('key networks by their inputs share too (a dataset of other sparsity trains at another speed)', () => {
    expect(shapeKey(lenet(1))).toBe('784:300,100:10:d1:b60');
    expect(shapeKey({ ...lenet(1), inputNonZero: 1 })).toBe('784:300,100:10:d1:b60');
    expect(shapeKey({ ...lenet(1), inputNonZero: 0.19123 })).toBe('784:300,100:10:d1:b60:z0.191');
  });

  it('follow the batch size', () => {
    expect(stepFeatures({ ...small, batchSize: 120 }, 'tfjs')[2]).toBeCloseTo(
      2 * stepFeatures(small, 'tfjs')[2],
      12,
    );
  });
});

describe('fitCoefficients', () => {
  it('recovers the coefficients that generated exact points', () => {
    const truth = [0.5, 0.2, 0.3, 1.7];
    const shapes = [
      small,
      { ...small, hidden: [4, 4, 4, 4, 4, 4] },
      lenet(1),
      lenet(0.03),
      { ...lenet(0.01), hidden: [1000, 300] },
    ];
    const points = shapes.map((shape) => {
      const features = stepFeatures(shape, 'fused');
      return { features, ms: predictMs(truth, features) };
    });
    const fitted = fitCoefficients(points);
    fitted.forEach((value, index) => expect(value).toBeCloseTo(truth[index], 9));
  });

  it('never returns a negative cost, and fits best among non-negative ones', () => {
    // Ordinary least squares would give the per-layer term a negative cost here.
    const points = [
      { features: [1, 2, 0, 0], ms: 3 },
      { features: [1, 4, 0, 0], ms: 2 },
      { features: [1, 3, 1, 0], ms: 4 },
    ];
    const fitted = fitCoefficients(points);
    expect(fitted.every((value) => value >= 0)).toBe(true);
    expect(fitted[1]).toBe(0);
    const residual = (coefficients: readonly number[]) =>
      points.reduce((sum, p) => sum + (predictMs(coefficients, p.features) - p.ms) ** 2, 0);
    // With the layer term at 0, the best constant is the mean of the first two (2.5) and
    // the dense term takes the rest of the third point.
    expect(fitted[0]).toBeCloseTo(2.5, 12);
    expect(fitted[2]).toBeCloseTo(1.5, 12);
    for (const other of [
      [2.5, 0.01, 1.5, 0],
      [2.4, 0, 1.6, 0],
      [3, 0, 1, 0],
    ])
      expect(residual(fitted)).toBeLessThanOrEqual(residual(other));
  });

  it('gives features that are zero everywhere no cost', () => {
    const points = [small, lenet(1), lenet(0.1)].map((shape) => {
      const features = stepFeatures(shape, 'tfjs');
      return { features, ms: 2 + 0.25 * features[2] };
    });
    expect(fitCoefficients(points)[3]).toBe(0);
  });

  it('refuses an empty calibration', () => {
    expect(() => fitCoefficients([])).toThrow('fitCoefficients: no calibration points');
  });
});

describe('CostModel', () => {
  const calibration = { tfjs: [1, 0.5, 0.25, 0], fused: [0.1, 0.05, 0.5, 2] };

  it('predicts from the calibrated line before any run is measured', () => {
    const model = new CostModel({ calibration, samples: [] });
    // 1 + 3·0.5 + 15.972·0.25 = 6.493
    expect(model.msPerStep(lenet(1), 'tfjs')).toBeCloseTo(6.493, 12);
    expect(model.calibrated('tfjs')).toBe(true);
    const prior = new CostModel({ calibration: {}, samples: [] });
    expect(prior.calibrated('fused')).toBe(false);
    expect(prior.msPerStep(lenet(1), 'tfjs')).toBeCloseTo(
      predictMs(PRIOR_COEFFICIENTS.tfjs, stepFeatures(lenet(1), 'tfjs')),
      12,
    );
  });

  it('predicts a network measured before by the median of its runs', () => {
    const model = new CostModel({
      calibration,
      samples: [
        sample(lenet(1), 'tfjs', 9),
        sample(lenet(1), 'tfjs', 7),
        sample(lenet(1), 'tfjs', 8),
        sample(lenet(1), 'fused', 100),
      ],
    });
    expect(model.msPerStep(lenet(1), 'tfjs')).toBe(8);
    expect(model.msPerStep(lenet(1), 'fused')).toBe(100);
  });

  it('scales the line for other networks by the median measured/predicted ratio of the path', () => {
    const line = new CostModel({ calibration, samples: [] });
    const slow = [small, lenet(0.5), lenet(0.25)].map((shape, index) =>
      sample(shape, 'tfjs', line.lineMs(shape, 'tfjs') * [2, 3, 10][index]),
    );
    const model = new CostModel({ calibration, samples: slow });
    expect(model.msPerStep(lenet(1), 'tfjs')).toBeCloseTo(3 * line.lineMs(lenet(1), 'tfjs'), 9);
    // The other path's runs do not scale this one.
    expect(model.msPerStep(lenet(1), 'fused')).toBeCloseTo(line.lineMs(lenet(1), 'fused'), 12);
  });

  it("chooses the faster path for 'auto' and the asked one otherwise", () => {
    const model = new CostModel({ calibration, samples: [] });
    // Dense LeNet: tfjs 6.49 ms, fused 0.1 + 0.15 + 7.986 = 8.24 ms.
    expect(model.choose(lenet(1), 'auto')).toBe('tfjs');
    // Sparse LeNet at 1.64 %: fused 0.25 + 0.03 + 0.52 = 0.80 ms.
    expect(model.choose(lenet(0.0164), 'auto')).toBe('fused');
    expect(model.choose(lenet(0.0164), 'tfjs')).toBe('tfjs');
    expect(model.choose(lenet(1), 'fused')).toBe('fused');
  });

  it('explores a network when the paths are within 1.5× and the other path never ran it', () => {
    // Equal lines on both paths: every network is a close call.
    const even = new CostModel({
      calibration: { fused: [1, 0, 1, 1], tfjs: [1, 0, 1, 0] },
      samples: [],
    });
    expect(even.worthExploring(small)).toBe(true);
    // Measured on the path 'auto' would not pick (tfjs loses the tie): settled.
    const measured = new CostModel({
      calibration: { fused: [1, 0, 1, 1], tfjs: [1, 0, 1, 0] },
      samples: [sample(small, 'tfjs', 1.1 * even.msPerStep(small, 'tfjs'))],
    });
    expect(measured.worthExploring(small)).toBe(false);
    // A sample of another network (as the line predicted it) does not settle this one.
    const other = new CostModel({
      calibration: { fused: [1, 0, 1, 1], tfjs: [1, 0, 1, 0] },
      samples: [sample(lenet(1), 'tfjs', even.msPerStep(lenet(1), 'tfjs'))],
    });
    expect(other.worthExploring(small)).toBe(true);
  });

  it('does not explore a clear choice (predictions more than 1.5× apart)', () => {
    const model = new CostModel({ calibration, samples: [] });
    // Sparse LeNet: fused 0.80 ms against tfjs 6.49 ms.
    expect(model.worthExploring(lenet(0.0164))).toBe(false);
    // Dense LeNet: 8.24 against 6.49 ms, a ratio of 1.27: worth a look.
    expect(model.worthExploring(lenet(1))).toBe(true);
    // Just past the factor either way: tfjs line = 1.5·fused line + a little.
    const edge = new CostModel({
      calibration: { fused: [2, 0, 0, 0], tfjs: [3.001, 0, 0, 0] },
      samples: [],
    });
    expect(edge.worthExploring(small)).toBe(false);
    const inside = new CostModel({
      calibration: { fused: [2, 0, 0, 0], tfjs: [3, 0, 0, 0] },
      samples: [],
    });
    expect(inside.worthExploring(small)).toBe(true);
  });

  it('prices a validation pass per row relative to a step, measured or calibrated', () => {
    const measured: SpeedSample = {
      ...sample(lenet(1), 'tfjs', 6),
      msPerEvaluation: 500,
      testCount: 10_000,
    };
    const model = new CostModel({ calibration, samples: [measured] });
    // Same network: 500 ms per 10,000 rows → 100 ms for 2,000 rows.
    expect(model.msPerEvaluation(lenet(1), 'tfjs', 2_000)).toBeCloseTo(100, 9);
    // Another network: share = (500 / 10,000) / (6 / 60) = 0.5 of a step's per-row cost.
    const other = model.msPerStep(small, 'tfjs');
    expect(model.msPerEvaluation(small, 'tfjs', 1_000)).toBeCloseTo(0.5 * (other / 60) * 1_000, 9);
    const calibrated = new CostModel({ calibration, samples: [], evaluationShare: { fused: 0.2 } });
    expect(calibrated.msPerEvaluation(small, 'fused', 600)).toBeCloseTo(
      0.2 * (calibrated.msPerStep(small, 'fused') / 60) * 600,
      9,
    );
  });

  it('takes run overhead from finished runs, else a default', () => {
    const withOverhead = (ms: number): SpeedSample => ({
      ...sample(small, 'fused', 1),
      overheadMs: ms,
    });
    expect(
      new CostModel({
        calibration,
        samples: [withOverhead(900), withOverhead(1_100), withOverhead(5_000)],
      }).overheadMs(),
    ).toBe(1_100);
    expect(new CostModel({ calibration, samples: [] }).overheadMs()).toBe(1_500);
  });

  it('scales the quiet calibration by the measured slowdown of a shared machine', () => {
    const state = { calibration, samples: [], slowdown: { '2': 1.8 }, startMs: 2_000 };
    const alone = new CostModel(state, 1);
    const shared = new CostModel(state, 2);
    expect(shared.msPerStep(lenet(1), 'tfjs')).toBeCloseTo(
      1.8 * alone.msPerStep(lenet(1), 'tfjs'),
      12,
    );
    expect(alone.msPerStep(lenet(1), 'tfjs')).toBeCloseTo(6.493, 12);
    // A worker's start slows down alike; a pool size never measured is taken as quiet.
    expect(alone.overheadMs()).toBe(2_000);
    expect(shared.overheadMs()).toBeCloseTo(3_600, 9);
    expect(new CostModel(state, 3).msPerStep(lenet(1), 'tfjs')).toBeCloseTo(6.493, 12);
    // Once jobs have run, their measured ratio replaces the calibrated slowdown.
    const measured = new CostModel(
      { ...state, samples: [sample(small, 'tfjs', 1.2 * alone.lineMs(small, 'tfjs'))] },
      2,
    );
    expect(measured.msPerStep(lenet(1), 'tfjs')).toBeCloseTo(1.2 * 6.493, 9);
  });

  it('keeps the most recent samples only', () => {
    let samples: SpeedSample[] = [];
    for (let i = 0; i < SPEED_SAMPLE_LIMIT + 5; i++)
      samples = withSample(samples, sample(small, 'fused', i));
    expect(samples).toHaveLength(SPEED_SAMPLE_LIMIT);
    expect(samples[0].msPerIteration).toBe(5);
  });
});

describe('evaluationShare', () => {
  it('is the median per-row cost of a pass over a step', () => {
    expect(
      evaluationShare(
        [
          { msPerIteration: 6, msPerEvaluation: 50, testCount: 1_000 }, // 0.5
          { msPerIteration: 3, msPerEvaluation: 10, testCount: 1_000 }, // 0.2
          { msPerIteration: 6, msPerEvaluation: 90, testCount: 1_000 }, // 0.9
        ],
        60,
      ),
    ).toBeCloseTo(0.5, 12);
    expect(evaluationShare([], 60)).toBeNull();
  });
});

describe('validateTrainerChoice', () => {
  it('accepts the three choices and defaults to auto', () => {
    expect(validateTrainerChoice('fused')).toBe('fused');
    expect(validateTrainerChoice('tfjs')).toBe('tfjs');
    expect(validateTrainerChoice('auto')).toBe('auto');
    expect(validateTrainerChoice(undefined)).toBe('auto');
  });

  it('names the field of a bad value', () => {
    expect(() => validateTrainerChoice('tensorflow', 'spec.trainer')).toThrow(
      `spec.trainer must be 'auto', 'fused' or 'tfjs', got "tensorflow"`,
    );
  });
});
