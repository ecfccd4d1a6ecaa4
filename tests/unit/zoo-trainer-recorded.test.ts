/**
 * Which training path trained a model and ran a job (issue 8 §2): migration 2 adds it
 * (and a job's measured ms per step), marks everything trained before as TensorFlow.js,
 * the repositories read and write it, and a model bundle carries it through export and
 * import — a bundle written before the field existed gets the path its backend implies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  exportModelBundle,
  parseModelBundle,
  storeModelBundle,
} from '../../src-main/lab/bundles.ts';
import { packNetwork } from '../../src-main/zoo/checkpoints.ts';
import { openDatabase } from '../../src-main/zoo/database.ts';
import { MIGRATIONS } from '../../src-main/zoo/migrations.ts';
import type { ModelRecord } from '../../src-main/zoo/models.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-trainer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (projectId: number, backend: ModelRecord['backend']): ModelRecord => ({
  projectId,
  experimentId: null,
  name: 'm',
  family: 'custom',
  hidden: [2],
  inputDim: 2,
  classCount: 2,
  density: 1,
  hnps: 6,
  hnpLevel: null,
  seed: 0,
  pruning: { kind: 'random' },
  datasetId: 'xor',
  backend,
  iterations: 5,
  notes: '',
  createdAt: 1,
});

function network() {
  return packNetwork({
    inputDim: 2,
    layers: [
      {
        inDim: 2,
        outDim: 2,
        weights: Float64Array.from([0.5, -0.25, 1, 2]),
        bias: Float64Array.from([0, 0.125]),
        activation: 'relu',
      },
      {
        inDim: 2,
        outDim: 2,
        weights: Float64Array.from([1, -1, 0.75, 0.5]),
        bias: Float64Array.from([0, 0]),
        activation: 'linear',
      },
    ],
  });
}

describe('migration 2', () => {
  it('marks models and trainings made before it as trained by TensorFlow.js', () => {
    const file = join(dir, 'zoo.sqlite');
    const v1 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) });
    v1.prepare("INSERT INTO projects (name, created_at) VALUES ('p', 1)").run();
    const insertModel = v1.prepare(
      `INSERT INTO models (project_id, name, family, hidden, input_dim, class_count, density,
         hnps, seed, pruning, dataset_id, backend, created_at)
       VALUES (1, ?, 'custom', '[2]', 2, 2, 1, 6, 0, '{"kind":"random"}', 'xor', ?, 1)`,
    );
    insertModel.run('trained', 'wasm');
    insertModel.run('untrained', null);
    const insertJob = v1.prepare(
      `INSERT INTO jobs (kind, state, model_id, label, spec, backend, created_at)
       VALUES (?, 'done', 1, 'j', '{}', ?, 1)`,
    );
    insertJob.run('train', 'wasm');
    insertJob.run('measure', null);
    v1.close();

    const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) });
    expect(db.prepare('SELECT name, trainer FROM models ORDER BY id').all()).toEqual([
      { name: 'trained', trainer: 'tfjs' },
      { name: 'untrained', trainer: null },
    ]);
    expect(
      db.prepare('SELECT kind, trainer, ms_per_iteration FROM jobs ORDER BY id').all(),
    ).toEqual([
      { kind: 'train', trainer: 'tfjs', ms_per_iteration: null },
      { kind: 'measure', trainer: null, ms_per_iteration: null },
    ]);
    // The column refuses a path that does not exist.
    expect(() => db.prepare("UPDATE models SET trainer = 'keras' WHERE id = 1").run()).toThrow(
      /CHECK constraint failed/,
    );
    db.close();
  });
});

describe('trainer in the zoo and in bundles', () => {
  it('is stored per model and job and survives a bundle round trip', () => {
    const zoo = Zoo.open(join(dir, 'zoo.sqlite'));
    try {
      const projectId = zoo.projects.create('p');
      const modelId = zoo.models.create(record(projectId, null));
      expect(zoo.models.get(modelId).trainer).toBeNull();
      zoo.models.setTrainer(modelId, 'fused', 'js');
      expect(zoo.models.get(modelId)).toMatchObject({ trainer: 'fused', backend: 'js' });
      zoo.checkpoints.put(modelId, 5, network());

      const jobId = zoo.jobs.create({
        kind: 'train',
        experimentId: null,
        modelId,
        label: 'train m',
        spec: {},
        iterations: 5,
      });
      expect(zoo.jobs.get(jobId)).toMatchObject({ trainer: null, msPerIteration: null });
      zoo.jobs.setProgress(jobId, {
        progress: 0.5,
        iteration: 2,
        loss: 0.5,
        accuracy: null,
        etaSeconds: 1,
        backend: 'js',
        trainer: 'fused',
      });
      zoo.jobs.setTrained(jobId, 'fused', 0.42);
      expect(zoo.jobs.get(jobId)).toMatchObject({ trainer: 'fused', msPerIteration: 0.42 });

      const bundle = JSON.parse(JSON.stringify(exportModelBundle(zoo, modelId))) as {
        model: Record<string, unknown>;
      };
      expect(bundle.model.trainer).toBe('fused');
      const copy = storeModelBundle(zoo, parseModelBundle(bundle), projectId, null);
      expect(zoo.models.get(copy)).toMatchObject({ trainer: 'fused', backend: 'js' });

      // Written before there were two paths: the backend tells which one it was.
      for (const [backend, trainer] of [
        ['wasm', 'tfjs'],
        ['js', 'fused'],
        [null, null],
      ] as const) {
        const { trainer: _dropped, ...older } = bundle.model;
        const parsed = parseModelBundle({ ...bundle, model: { ...older, backend } });
        const id = storeModelBundle(zoo, parsed, projectId, null);
        expect(zoo.models.get(id).trainer).toBe(trainer);
      }
      // An explicit null stays null (an untrained model's bundle says so).
      const untrained = storeModelBundle(
        zoo,
        parseModelBundle({ ...bundle, model: { ...bundle.model, trainer: null } }),
        projectId,
        null,
      );
      expect(zoo.models.get(untrained).trainer).toBeNull();
      expect(() =>
        parseModelBundle({ ...bundle, model: { ...bundle.model, trainer: 'keras' } }),
      ).toThrow(/bundle\.model\.trainer/);
    } finally {
      zoo.close();
    }
  });
});
