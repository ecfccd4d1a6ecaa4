/**
 * A masked first layer's two storages give bit-identical training (layer-storage.ts,
 * maskedFirstLayerOverNonZero): sparse rows over every pixel ('input-sparse') and dense
 * over the batch's non-zero pixels with pruned weights held at +0 ('input-masked').
 *
 * Why exactly equal and not within a tolerance: both sum each pre-activation over the
 * inputs in ascending order and each weight gradient over the samples in order, in
 * double from +0, rounding to Float32 once. The sparse rows add w·x for the zero pixels
 * too, the dense form w·x for the pruned weights (w = +0): every extra term is ±0, and
 * s + ±0 = s for any s (+0 + −0 = +0), so every sum, loss and Adam step is the same bit
 * pattern. The one exception is a run that has already diverged (0 · ∞ = NaN in one form, a
 * skipped term in the other), which the run loop stops with its divergence error either way.
 *
 * Checked over 120 Adam steps on Digit MNIST (byte images, 81 % zeros, the case the rule
 * picks the dense form for) and on float rows with negative values (x · 0 = −0 there):
 * every step's loss, the parameters and both Adam moments of every layer, a validation
 * pass, and pruned weights +0 with zero moments. And the trainer's own choice: trainFused
 * on Digit stores (12,4)@0.5's first layer densely and matches the sparse-row network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset, DatasetSplit } from '../../src-main/data/dataset.ts';
import { nonZeroShare } from '../../src-main/data/non-zero-share.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import {
  sharedMoments,
  sharedParameters,
  storeLayer,
} from '../../src-main/train/fused/layer-storage.ts';
import { trainFused } from '../../src-main/train/fused/train-fused.ts';
import { initialParameters } from '../../src-main/train/init.ts';
import { trainFusedSteps } from './fused-steps.ts';

const STEPS = 120;

const bits = (array: Float32Array): Uint32Array =>
  new Uint32Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));

/** Trains STEPS steps of a network whose first layer is stored per `inputNonZero`. */
function trainNetwork(
  dataset: Dataset,
  train: DatasetSplit,
  hidden: number[],
  density: number,
  seed: number,
  inputNonZero: number,
) {
  const { network, losses } = trainFusedSteps({
    dataset,
    train,
    hidden,
    density,
    seed,
    inputNonZero,
    steps: STEPS,
  });
  const test: DatasetSplit = {
    count: 1000,
    x: dataset.test.x.subarray(0, 1000 * dataset.inputDim),
    y: dataset.test.y.subarray(0, 1000),
  };
  return {
    kind: network.layers[0].kind,
    losses,
    parameters: network.layers.map(sharedParameters),
    moments: network.layers.map(sharedMoments),
    evaluation: network.evaluate(test, 250),
  };
}

type Trained = ReturnType<typeof trainNetwork>;

function expectIdentical(dense: Trained, sparse: Trained): void {
  expect(dense.kind).toBe('input-masked');
  expect(sparse.kind).toBe('input-sparse');
  // toEqual compares numbers with Object.is: the same double, bit for bit.
  expect(dense.losses).toEqual(sparse.losses);
  dense.parameters.forEach((layer, index) => {
    const other = sparse.parameters[index];
    expect(bits(layer.weights), `layer ${index} weights`).toEqual(bits(other.weights));
    expect(bits(layer.bias), `layer ${index} bias`).toEqual(bits(other.bias));
    for (const j of [0, 1] as const) {
      expect(bits(dense.moments[index].weights[j]), `layer ${index} moment ${j}`).toEqual(
        bits(sparse.moments[index].weights[j]),
      );
      expect(bits(dense.moments[index].bias[j])).toEqual(bits(sparse.moments[index].bias[j]));
    }
  });
  expect(dense.evaluation).toEqual(sparse.evaluation);
  // Pruned first-layer weights: +0, zero moments, and the trained ones moved.
  const first = dense.parameters[0];
  let pruned = 0;
  let moved = 0;
  for (let p = 0; p < first.mask!.length; p++) {
    if (first.mask![p] === 1) {
      if (dense.moments[0].weights[1][p] > 0) moved++;
      continue;
    }
    pruned++;
    expect(Object.is(first.weights[p], 0), `weight ${p}`).toBe(true);
    expect(Object.is(dense.moments[0].weights[0][p], 0), `moment 1 at ${p}`).toBe(true);
    expect(Object.is(dense.moments[0].weights[1][p], 0), `moment 2 at ${p}`).toBe(true);
  }
  expect(pruned).toBeGreaterThan(0);
  expect(moved).toBeGreaterThan(0);
}

describe("a masked first layer's two storages train bit-identically", () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-fused-forms-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let mnist: Dataset | null = null;
  const dataset = (): Dataset => (mnist ??= new DatasetRegistry(root).load('mnist'));

  for (const [hidden, density, seed] of [
    [[12, 4], 0.5, 7],
    [[20, 10], 0.3, 8],
  ] as const) {
    it(`(${hidden.join(',')})@${density} on Digit MNIST (byte images)`, () => {
      const digits = dataset();
      const dense = trainNetwork(digits, digits.train, [...hidden], density, seed, 0);
      const sparse = trainNetwork(digits, digits.train, [...hidden], density, seed, 1);
      expectIdentical(dense, sparse);
    }, 120_000);
  }

  it('(12,4)@0.5 on float rows with negative values (no bytes, x · 0 = −0)', () => {
    const digits = dataset();
    const count = 6000;
    const x = Float32Array.from(digits.train.x.subarray(0, count * digits.inputDim), (value) =>
      value === 0 ? 0 : value - 0.5,
    );
    const floats: DatasetSplit = { count, x, y: digits.train.y.subarray(0, count) };
    expect(x.some((value) => value < 0)).toBe(true);
    const dense = trainNetwork(digits, floats, [12, 4], 0.5, 9, 0);
    const sparse = trainNetwork(digits, floats, [12, 4], 0.5, 9, 1);
    expectIdentical(dense, sparse);
  }, 120_000);

  it('trainFused picks the dense form on Digit MNIST and equals the sparse-row network', async () => {
    const digits = dataset();
    const share = nonZeroShare(digits.train, digits.inputDim);
    expect(share).toBeLessThan(0.25);
    const [first] = initialParameters({
      seed: 7,
      hidden: [12, 4],
      inputDim: digits.inputDim,
      outputDim: digits.classCount,
      density: 0.5,
    });
    expect(storeLayer(first, first.mask, share).kind).toBe('input-masked');
    const losses: number[] = [];
    const outcome = await trainFused(
      {
        hidden: [12, 4],
        density: 0.5,
        seed: 7,
        dataset: 'mnist',
        iterations: STEPS,
        checkpoints: [],
      },
      digits,
      { onProgress: (_iteration, loss) => losses.push(loss) },
    );
    const sparse = trainNetwork(digits, digits.train, [12, 4], 0.5, 7, 1);
    expect(losses).toEqual(sparse.losses);
    outcome.layers.forEach((layer, index) => {
      expect(bits(layer.weights)).toEqual(bits(sparse.parameters[index].weights));
      expect(bits(layer.bias)).toEqual(bits(sparse.parameters[index].bias));
    });
  }, 120_000);
});
