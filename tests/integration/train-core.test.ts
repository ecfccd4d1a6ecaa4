import { describe, expect, it } from 'vitest';
import { keptWeightCount } from '../../src-shared/model/hnp.ts';
import { generateXor } from '../../src-main/data/xor.ts';
import { BatchOrder } from '../../src-main/train/batches.ts';
import { initialParameters } from '../../src-main/train/init.ts';
import {
  resolveSpec,
  type LayerParameters,
  type ResumeState,
  type TrainSpec,
} from '../../src-main/train/spec.ts';
import { trainFused } from '../../src-main/train/fused/train-fused.ts';
import { train } from '../../src-main/train/train.ts';

const xor = generateXor({ seed: 0, trainCount: 600, testCount: 200 });

/** Bit patterns, so that −0 and +0 or two NaNs are told apart. */
const bits = (array: Float32Array): Uint32Array =>
  new Uint32Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));

function expectSameLayers(a: readonly LayerParameters[], b: readonly LayerParameters[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((layer, i) => {
    expect(bits(layer.weights)).toEqual(bits(b[i].weights));
    expect(bits(layer.bias)).toEqual(bits(b[i].bias));
    expect(layer.mask).toEqual(b[i].mask);
  });
}

function expectMasksExact(layers: readonly LayerParameters[], kept: number[]): void {
  layers.slice(0, -1).forEach((layer, i) => {
    const mask = layer.mask!;
    let count = 0;
    const weightBits = bits(layer.weights);
    for (let j = 0; j < mask.length; j++) {
      count += mask[j];
      if (mask[j] === 0) expect(weightBits[j]).toBe(0); // exactly +0
    }
    expect(count).toBe(kept[i]);
  });
  expect(layers[layers.length - 1].mask).toBeNull();
}

describe('initialisation', () => {
  const options = { seed: 11, hidden: [300, 100], inputDim: 784, outputDim: 10 };
  it('is identical for the same seed and keeps the exact count per layer', () => {
    const a = initialParameters({ ...options, density: 0.0342 });
    const b = initialParameters({ ...options, density: 0.0342 });
    expectSameLayers(a, b);
    expectMasksExact(a, [keptWeightCount(235_200, 0.0342), keptWeightCount(30_000, 0.0342)]);
    expect(initialParameters({ ...options, seed: 12, density: 0.0342 })[0].mask).not.toEqual(
      a[0].mask,
    );
  });
  it('draws He-normal weights and 1e-6 biases, the same dense weights at every density', () => {
    const dense = initialParameters({ ...options, density: 1 });
    const sparse = initialParameters({ ...options, density: 0.3 });
    const w = dense[0].weights;
    let squares = 0;
    for (const v of w) squares += v * v;
    expect(Math.sqrt(squares / w.length)).toBeCloseTo(Math.sqrt(2 / 784), 3);
    for (const v of dense[1].bias) expect(Math.abs(v)).toBeLessThan(1e-5);
    expect(dense[0].mask).toBeNull();
    for (let i = 0; i < w.length; i++)
      if (sparse[0].mask![i] === 1) expect(sparse[0].weights[i]).toBe(w[i]);
  });
});

describe('batch order', () => {
  it('repeats for a seed, covers every sample once per epoch, and straddles epochs', () => {
    const a = new BatchOrder(5, 10, 4);
    const b = new BatchOrder(5, 10, 4);
    const stream = [0, 1, 2, 3, 4].flatMap((t) => Array.from(a.batch(t)));
    expect([0, 1, 2, 3, 4].flatMap((t) => Array.from(b.batch(t)))).toEqual(stream);
    expect([...stream.slice(0, 10)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...stream.slice(10, 20)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Random access (resume) equals sequential access.
    expect(Array.from(new BatchOrder(5, 10, 4).batch(3))).toEqual(stream.slice(12, 16));
    expect(Array.from(new BatchOrder(6, 10, 4).batch(0))).not.toEqual(stream.slice(0, 4));
  });
});

describe('spec validation', () => {
  it('names the field', () => {
    const base: TrainSpec = { hidden: [4, 4], seed: 1, dataset: 'xor', iterations: 10 };
    expect(() => resolveSpec({ ...base, hidden: [4, -1] })).toThrow(
      'spec.hidden[1] must be a positive integer, got -1',
    );
    expect(() => resolveSpec({ ...base, density: 0 })).toThrow(
      'spec.density must be a number in (0, 1], got 0',
    );
    expect(() => resolveSpec({ ...base, seed: 1.5 })).toThrow(
      'spec.seed must be an integer in [0, 4294967295], got 1.5',
    );
    expect(() => resolveSpec({ ...base, iterations: 0 })).toThrow(
      'spec.iterations must be an integer in [1, 100000000], got 0',
    );
    expect(() => resolveSpec({ ...base, checkpoints: [4] })).toThrow(
      'checkpoints[0] = 4 is not on the evaluation schedule for 10 iterations',
    );
    expect(() => resolveSpec({ ...base, family: 'lenet', hidden: [4, 4, 4] })).toThrow(
      'a lenet network has 2 hidden layers, got 3',
    );
    expect(resolveSpec(base)).toMatchObject({
      learningRate: 1.2e-3,
      batchSize: 60,
      density: 1,
      checkpoints: [0, 10],
    });
  });
});

describe('training loop', () => {
  const spec: TrainSpec = {
    hidden: [8, 8],
    density: 0.5,
    seed: 4,
    dataset: 'xor',
    iterations: 120,
    checkpoints: 'all',
  };

  it.each(['cpu', 'wasm'] as const)(
    'keeps pruned weights exactly 0 and the same seed gives the same run (%s)',
    async (backend) => {
      const checkpoints: [number, LayerParameters[]][] = [];
      const first = await train(
        spec,
        xor,
        { onCheckpoint: (i, layers) => checkpoints.push([i, layers]) },
        undefined,
        { backend },
      );
      expect(first.status).toBe('completed');
      expect(first.backend.name).toBe(backend);
      expect(checkpoints.map(([i]) => i)).toEqual([0, 1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 120]);
      const kept = [keptWeightCount(16, 0.5), keptWeightCount(64, 0.5)];
      for (const [, layers] of checkpoints) expectMasksExact(layers, kept);
      // The weights did move.
      expect(bits(checkpoints[12][1][0].weights)).not.toEqual(bits(checkpoints[0][1][0].weights));
      const second = await train(spec, xor, {}, undefined, { backend });
      expectSameLayers(second.layers, first.layers);
      expect(second.evaluations).toEqual(first.evaluations);
    },
  );

  it('resumes a paused run bit-exactly', async () => {
    const whole = await train(spec, xor, {}, undefined, { backend: 'wasm' });
    let calls = 0;
    const snapshots: ResumeState[] = [];
    const paused = await train(
      spec,
      xor,
      {
        shouldStop: () => (++calls > 44 ? 'pause' : 'continue'),
        onSnapshot: (s) => snapshots.push(s),
      },
      undefined,
      {
        backend: 'wasm',
      },
    );
    expect(paused.status).toBe('paused');
    expect(paused.iteration).toBe(44);
    expect(snapshots[snapshots.length - 1].step).toBe(44);
    const resumed = await train(spec, xor, {}, paused.resume!, { backend: 'wasm' });
    expect(resumed.status).toBe('completed');
    expectSameLayers(resumed.layers, whole.layers);
    expect(resumed.evaluations).toEqual(whole.evaluations);
    // A state from another spec is refused.
    await expect(
      train({ ...spec, seed: 5 }, xor, {}, paused.resume!, { backend: 'wasm' }),
    ).rejects.toThrow('resume: the state belongs to a different spec');
  });

  it('cancels, reports progress, and learns XOR', async () => {
    let steps = 0;
    const cancelled = await train(
      spec,
      xor,
      { shouldStop: () => (steps >= 10 ? 'cancel' : 'continue'), onProgress: () => steps++ },
      undefined,
      { backend: 'wasm' },
    );
    expect(cancelled).toMatchObject({ status: 'cancelled', iteration: 10 });
    const learned = await train(
      { hidden: [8, 8], seed: 2, dataset: 'xor', iterations: 1500, learningRate: 0.01 },
      xor,
      {},
      undefined,
      { backend: 'wasm' },
    );
    expect(learned.evaluations[learned.evaluations.length - 1].validationAccuracy).toBeGreaterThan(
      0.85,
    );
    await expect(train({ ...spec, dataset: 'mnist' }, xor)).rejects.toThrow(
      "train: the spec names dataset 'mnist' but 'xor' was given",
    );
  });

  it('refuses an evaluation chunk that is not a positive integer, on both paths alike', async () => {
    const spec: TrainSpec = { hidden: [4], seed: 1, dataset: 'xor', iterations: 2 };
    for (const run of [train, trainFused]) {
      for (const evaluationChunk of [0, 0.5, -3]) {
        await expect(run(spec, xor, {}, undefined, { evaluationChunk })).rejects.toThrow(
          `evaluationChunk must be a positive integer, got ${evaluationChunk}`,
        );
      }
    }
  });
});
