/**
 * The fused path's run control on Digit MNIST: a paused and resumed run is bit-identical
 * to an uninterrupted one (parameters, Adam moments, losses, evaluations); pruned weights
 * stay exactly +0 and their moments 0 (in both storages of a masked first layer); the
 * hooks fire as on the tfjs path; and a resume state is shared between the paths (a tfjs
 * state continues on the fused path).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src-main/data/dataset.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { trainFused } from '../../src-main/train/fused/train-fused.ts';
import type {
  EvaluationPoint,
  LayerParameters,
  ResumeState,
  TrainSpec,
} from '../../src-main/train/spec.ts';
import { oneShotWinningTicket } from '../../src-main/train/pruning.ts';
import { train } from '../../src-main/train/train.ts';

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

/** Every pruned weight is +0 (not −0) and, when given, its Adam moments are +0. */
function expectMasksExact(layers: readonly LayerParameters[], adam?: ResumeState['adam']): number {
  let pruned = 0;
  layers.forEach((layer, index) => {
    if (layer.mask === null) return;
    for (let i = 0; i < layer.mask.length; i++) {
      if (layer.mask[i] === 1) continue;
      pruned++;
      if (!Object.is(layer.weights[i], 0))
        throw new Error(`layer ${index} weight ${i} is ${layer.weights[i]}`);
      if (adam !== undefined) {
        for (const moment of adam[index].weights) {
          if (!Object.is(moment[i], 0))
            throw new Error(`layer ${index} moment ${i} is ${moment[i]}`);
        }
      }
    }
  });
  return pruned;
}

describe('fused training: pause/resume, masks, hooks, shared resume format', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-fused-resume-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let mnist: Dataset | null = null;
  const dataset = (): Dataset => (mnist ??= new DatasetRegistry(root).load('mnist'));

  for (const [label, hidden, density] of [
    ['(300,100) at density 0.0164', [300, 100], 0.0164],
    ['(12,4) dense', [12, 4], 1],
    // Digit's non-zero share (0.19) is below half the density: the first layer is stored
    // densely over the non-zero pixels, its pruned weights held at +0 (layer-storage.ts).
    ['(12,4) at density 0.5 (first layer dense over non-zero pixels)', [12, 4], 0.5],
    ['(20,10,10) at density 0.3', [20, 10, 10], 0.3],
  ] as const) {
    it(`${label}: paused at 137 and resumed equals the uninterrupted run, bit for bit`, async () => {
      const spec: TrainSpec = {
        hidden: [...hidden],
        density,
        seed: 21,
        dataset: 'mnist',
        iterations: 300,
        checkpoints: 'all',
      };
      const losses: number[] = [];
      const snapshots: ResumeState[] = [];
      const whole = await trainFused(spec, dataset(), {
        onProgress: (_i, loss) => losses.push(loss),
        onSnapshot: (state) => snapshots.push(state),
      });
      expect(whole.status).toBe('completed');
      expect(whole.iteration).toBe(300);

      const resumedLosses: number[] = [];
      let paused: ResumeState | null = null;
      const first = await trainFused(spec, dataset(), {
        onProgress: (_i, loss) => resumedLosses.push(loss),
        shouldStop: () => (resumedLosses.length === 137 ? 'pause' : 'continue'),
        onSnapshot: (state) => {
          paused = state;
        },
      });
      expect(first.status).toBe('paused');
      expect(first.iteration).toBe(137);
      expect(paused).not.toBeNull();
      expect(paused!.step).toBe(137);
      // Through a structured clone, as a worker message or the zoo would carry it.
      const second = await trainFused(
        spec,
        dataset(),
        {
          onProgress: (_i, loss) => resumedLosses.push(loss),
        },
        structuredClone(paused!),
      );
      expect(second.status).toBe('completed');
      expectSameLayers(second.layers, whole.layers);
      expect(resumedLosses).toEqual(losses);
      expect(second.evaluations).toEqual(whole.evaluations);

      // Snapshots carry the full shared layout and moments; pruned entries stay +0.
      const last = snapshots[snapshots.length - 1];
      last.layers.forEach((layer, index) => {
        expect(layer.weights.length).toBe(layer.inDim * layer.outDim);
        expect(last.adam[index].weights[0].length).toBe(layer.inDim * layer.outDim);
      });
      const pruned = expectMasksExact(whole.layers);
      expect(expectMasksExact(last.layers, last.adam)).toBe(pruned);
      expect(pruned > 0).toBe(density < 1);
    }, 300_000);
  }

  it('fires the hooks as the tfjs path does, and reports trainer and kernel', async () => {
    const spec: TrainSpec = {
      hidden: [12, 4],
      density: 0.5,
      seed: 2,
      dataset: 'mnist',
      iterations: 60,
      checkpoints: 'all',
    };
    const record = async (path: 'fused' | 'tfjs') => {
      const events: string[] = [];
      const hooks = {
        onStart: () => events.push('start'),
        onEvaluation: (point: EvaluationPoint) => events.push(`evaluation ${point.iteration}`),
        onCheckpoint: (iteration: number) => events.push(`checkpoint ${iteration}`),
        onSnapshot: (state: ResumeState) => events.push(`snapshot ${state.step}`),
      };
      const outcome =
        path === 'fused'
          ? await trainFused(spec, dataset(), hooks, undefined, { snapshotEvery: 25 })
          : await train(spec, dataset(), hooks, undefined, { snapshotEvery: 25, backend: 'cpu' });
      return { events, outcome };
    };
    const fused = await record('fused');
    const tfjs = await record('tfjs');
    expect(fused.events).toEqual(tfjs.events);
    expect(fused.outcome.trainer).toBe('fused');
    expect(fused.outcome.backend).toEqual({ name: 'js', skipped: [] });
    expect(Number.isFinite(fused.outcome.msPerIteration)).toBe(true);
  }, 120_000);

  it('continues a state written by the tfjs path (one resume format for both paths)', async () => {
    const spec: TrainSpec = {
      hidden: [12, 4],
      density: 0.5,
      seed: 3,
      dataset: 'mnist',
      iterations: 100,
      checkpoints: [],
    };
    let state: ResumeState | null = null;
    let steps = 0;
    const paused = await train(
      spec,
      dataset(),
      {
        onProgress: () => steps++,
        shouldStop: () => (steps === 50 ? 'pause' : 'continue'),
        onSnapshot: (snapshot) => {
          state = snapshot;
        },
      },
      undefined,
      { backend: 'cpu' },
    );
    expect(paused.status).toBe('paused');
    const continued = await trainFused(spec, dataset(), {}, state!);
    const uninterrupted = await trainFused(spec, dataset());
    expect(continued.iteration).toBe(100);
    expectMasksExact(continued.layers);
    // Round-off apart (50 tfjs steps instead of fused ones), not algorithmically apart.
    const a = continued.evaluations[continued.evaluations.length - 1];
    const b = uninterrupted.evaluations[uninterrupted.evaluations.length - 1];
    expect(Math.abs(a.validationLoss - b.validationLoss) / b.validationLoss).toBeLessThan(1e-3);
    expect(continued.evaluations.map((p) => p.iteration)).toEqual(
      uninterrupted.evaluations.map((p) => p.iteration),
    );
  }, 120_000);

  it('trains a rewound winning ticket (spec.initial) with its masks exact', async () => {
    const dense: TrainSpec = {
      hidden: [30, 10],
      seed: 4,
      dataset: 'mnist',
      iterations: 200,
      checkpoints: [0, 200],
    };
    let initial: LayerParameters[] | null = null;
    const trained = await trainFused(dense, dataset(), {
      onCheckpoint: (iteration, layers) => {
        if (iteration === 0) initial = layers;
      },
    });
    const ticket = oneShotWinningTicket(trained.layers, initial!, 0.2);
    const { density: _density, ...rest } = dense;
    const retrained = await trainFused({ ...rest, initial: ticket.layers }, dataset());
    expect(retrained.layers[0].mask).toEqual(ticket.layers[0].mask);
    expect(expectMasksExact(retrained.layers)).toBe(
      ticket.layers.slice(0, -1).reduce((sum, layer) => sum + layer.mask!.length, 0) -
        ticket.keptPerLayer.reduce((sum, kept) => sum + kept, 0),
    );
    const last = retrained.evaluations[retrained.evaluations.length - 1];
    expect(last.validationAccuracy).toBeGreaterThan(0.6);
  }, 120_000);

  it('refuses a resume state whose pruned weights are not 0, naming the place', async () => {
    const spec: TrainSpec = {
      hidden: [12, 4],
      density: 0.5,
      seed: 3,
      dataset: 'mnist',
      iterations: 10,
      checkpoints: [],
    };
    let state: ResumeState | null = null;
    await trainFused(spec, dataset(), {
      shouldStop: () => 'pause',
      onSnapshot: (s) => (state = s),
    });
    const broken = structuredClone(state!) as ResumeState;
    const at = broken.layers[0].mask!.indexOf(0);
    broken.layers[0].weights[at] = 0.25;
    await expect(trainFused(spec, dataset(), {}, broken)).rejects.toThrow(
      `resume.layers[0].weights[${at}] is 0.25 but the mask prunes it`,
    );
  });
});
