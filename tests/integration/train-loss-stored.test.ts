/**
 * Training loss over training (issue 10 §1): a real training job stores, at every
 * evaluation point, the mean minibatch loss the trainer reported since the previous
 * point, and api.compare returns it in the run's per-iteration series. The oracle is
 * the same fused training run in this process (the fused path is deterministic: a
 * worker and this thread compute bit-identical numbers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { trainFused } from '../../src-main/train/fused/train-fused.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-train-loss-'));
let lab: LabService;

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  await lab.start();
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

describe('training loss per evaluation point', () => {
  it('stores what the trainer reported and returns it through api.compare', async () => {
    const projectId = (await lab.createProject({ name: 'loss', description: '' })).id;
    const { model, job } = await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [6, 3],
      density: 1,
      seed: 5,
      datasetId: 'xor',
      iterations: 400,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      trainer: 'fused',
    });
    await lab.idle();
    expect((await lab.listJobs({})).find((entry) => entry.id === job.id)?.state).toBe('done');

    const reported = await trainFused(
      {
        hidden: [6, 3],
        family: 'custom',
        density: 1,
        seed: 5,
        dataset: 'xor',
        iterations: 400,
        checkpoints: [],
      },
      new DatasetRegistry(home).load('xor'),
    );
    expect(reported.evaluations.length).toBeGreaterThan(2);

    const [row] = await lab.compare({ modelIds: [model.id] });
    const stored = row.training.map((point) => ({
      iteration: point.iteration,
      loss: point.loss,
      trainLoss: point.trainLoss,
    }));
    expect(stored).toEqual(
      reported.evaluations.map((point) => ({
        iteration: point.iteration,
        loss: point.validationLoss,
        trainLoss: point.trainLoss,
      })),
    );
    // Iteration 0 has no steps before it; every later point has a positive mean loss.
    expect(stored[0]).toMatchObject({ iteration: 0, trainLoss: null });
    for (const point of stored.slice(1)) expect(point.trainLoss).toBeGreaterThan(0);

    // A model bundle carries it: exported and imported again, the series is the same;
    // the point without one (iteration 0) leaves the field out, as older bundles did.
    const file = await lab.exportModel({ id: model.id });
    const bundle = JSON.parse(file.content) as { metrics: Record<string, unknown>[] };
    expect(Object.keys(bundle.metrics[0]).sort()).toEqual(['accuracy', 'iteration', 'loss']);
    const imported = await lab.importModel({ projectId, json: file.content });
    const [copy] = await lab.compare({ modelIds: [imported.id] });
    expect(copy.training.map((point) => point.trainLoss)).toEqual(
      stored.map((point) => point.trainLoss),
    );
  }, 120_000);
});
