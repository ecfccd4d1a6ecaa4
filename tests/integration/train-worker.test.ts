import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTrainingInWorker, TrainingWorkerError } from '../../src-main/train/run-in-worker.ts';
import type {
  EvaluationPoint,
  LayerParameters,
  ResumeState,
  TrainSpec,
} from '../../src-main/train/spec.ts';

describe('training worker', () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'mbh-train-worker-'));
  afterAll(() => rmSync(dataDirectory, { recursive: true, force: true }));
  const spec: TrainSpec = {
    hidden: [6, 6],
    density: 0.5,
    seed: 8,
    dataset: 'xor',
    iterations: 200,
    checkpoints: [0, 57, 200],
  };

  it('runs a job end to end and transfers checkpoints', async () => {
    const checkpoints: [number, LayerParameters[]][] = [];
    const evaluations: EvaluationPoint[] = [];
    let ready = '';
    let progress = 0;
    const run = runTrainingInWorker(
      spec,
      {
        onReady: (backend) => (ready = backend.name),
        onProgress: () => progress++,
        onEvaluation: (point) => evaluations.push(point),
        onCheckpoint: (iteration, layers) => checkpoints.push([iteration, layers]),
      },
      { dataDirectory, backend: 'wasm', progressEveryMs: 0 },
    );
    const done = await run.done;
    expect(done.status).toBe('completed');
    expect(done.iteration).toBe(200);
    expect(ready).toBe('wasm');
    // Every step past the warm-up reports (progressEveryMs 0): the first five steps carry
    // no step rate yet (compilation, caches), so progress starts after them.
    expect(progress).toBe(200 - 5);
    expect(evaluations.map((p) => p.iteration)).toEqual([
      0, 1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 200,
    ]);
    expect(checkpoints.map(([i]) => i)).toEqual([0, 57, 200]);
    const [, last] = checkpoints[2];
    expect(last[0].weights).toBeInstanceOf(Float32Array);
    expect(last[0].mask).toBeInstanceOf(Uint8Array);
    expect(last.map((l) => [l.outDim, l.inDim])).toEqual([
      [6, 2],
      [6, 6],
      [2, 6],
    ]);
    expect(Array.from(done.layers[0].weights)).toEqual(Array.from(last[0].weights));
  });

  it('pauses with a resume state and a new worker finishes the run identically', async () => {
    const whole = await runTrainingInWorker(spec, {}, { dataDirectory, backend: 'wasm' }).done;
    let snapshot: ResumeState | null = null;
    const first = runTrainingInWorker(
      spec,
      {
        onProgress: (iteration) => {
          if (iteration >= 30) first.pause();
        },
        onSnapshot: (state) => (snapshot = state),
      },
      { dataDirectory, backend: 'wasm', progressEveryMs: 0 },
    );
    const paused = await first.done;
    expect(paused.status).toBe('paused');
    expect(paused.iteration).toBeGreaterThanOrEqual(30);
    expect(snapshot!.step).toBe(paused.iteration);
    const resumed = await runTrainingInWorker(
      spec,
      {},
      { dataDirectory, backend: 'wasm', resume: paused.resume! },
    ).done;
    expect(resumed.status).toBe('completed');
    expect(Array.from(resumed.layers[1].weights)).toEqual(Array.from(whole.layers[1].weights));
    expect(resumed.evaluations).toEqual(whole.evaluations);
  });

  it('reports errors from the worker', async () => {
    const run = runTrainingInWorker({ ...spec, dataset: 'nope' }, {}, { dataDirectory });
    await expect(run.done).rejects.toThrow(TrainingWorkerError);
    await expect(run.done).rejects.toThrow("unknown dataset 'nope'");
  });
});
