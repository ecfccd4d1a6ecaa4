/**
 * The lab service end to end on the XOR toy: an experiment trains, measures and compares;
 * partitions and blankets agree with the stored measurements; jobs pause, resume, cancel
 * and retry; closing pauses running jobs and the next start resumes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary, LabEvents } from '../../src-shared/api/dto.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-lab-'));
let lab: LabService;
const jobEvents: JobSummary[] = [];
const zooEvents: LabEvents['zoo'][] = [];

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 2, snapshotEvery: 100 });
  lab.on('job', (job) => jobEvents.push(job));
  lab.on('zoo', (event) => zooEvents.push(event));
  await lab.start();
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

const spec = {
  name: 'tiny',
  family: 'custom' as const,
  hiddenNeurons: [6],
  customWidths: [[4, 2]],
  seeds: [1, 2],
  datasets: ['xor'],
  iterations: 200,
  planeCount: 2,
};

/** Resolves with the job once an event shows it in one of `states`. */
function waitFor(id: number, states: string[], check: (job: JobSummary) => boolean = () => true) {
  return new Promise<JobSummary>((resolve) => {
    const listener = (job: JobSummary) => {
      if (job.id === id && states.includes(job.state) && check(job)) {
        lab.off('job', listener);
        resolve(job);
      }
    };
    lab.on('job', listener);
  });
}

describe('LabService', () => {
  let projectId: number;
  let experimentId: number;

  it('validates its params itself', async () => {
    await expect(lab.createProject({ name: '  ', description: '' })).rejects.toThrow(
      ValidationError,
    );
    await expect(lab.getModel({ id: 0 })).rejects.toThrow(/params\.id/);
    await expect(lab.getModel({ id: 999 })).rejects.toThrow(/no model with id 999/);
  });

  it('plans an experiment', async () => {
    const plan = await lab.planExperiment({ spec } as never);
    expect(plan.setups).toEqual([
      {
        family: 'custom',
        hidden: [4, 2],
        density: 1,
        hnps: 4 * 2 + 2 * 4 + 6,
        datasetId: 'xor',
        trainer: expect.stringMatching(/^(fused|tfjs)$/),
        msPerIteration: expect.any(Number),
      },
    ]);
    expect(plan.setups[0].msPerIteration).toBeGreaterThan(0);
    expect(plan.calibrated).toBe(true);
    expect(plan).toMatchObject({ trainJobs: 2, measureJobs: 2, jobCount: 4 });
    expect(plan.estimatedSeconds).toBeGreaterThan(0);
    await expect(
      lab.planExperiment({ spec: { ...spec, datasets: ['nope'] } } as never),
    ).rejects.toThrow(/params\.spec\.datasets\[0\]: unknown dataset "nope"/);
  });

  it('runs an experiment through training, measurement and comparison', async () => {
    projectId = (await lab.createProject({ name: 'p', description: '' })).id;
    const created = await lab.createExperiment({ projectId, spec, launch: true } as never);
    experimentId = created.experiment.id;
    expect(created.jobs).toHaveLength(2);
    await lab.idle();
    const jobs = await lab.listJobs({ experimentId });
    expect(jobs.map((job) => [job.kind, job.state])).toEqual([
      ['train', 'done'],
      ['train', 'done'],
      ['measure', 'done'],
      ['measure', 'done'],
    ]);
    expect(jobEvents.some((job) => job.state === 'running' && job.iteration > 0)).toBe(true);
    expect(zooEvents).toContainEqual({ entity: 'experiment', id: experimentId, change: 'created' });

    const rows = await lab.compare({ experimentIds: [experimentId] });
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.accuracy).toBeGreaterThan(0.4);
      expect(row.accuracy).toBeLessThanOrEqual(1);
      expect(row.sByCp.map((entry) => entry.cp)).toEqual([
        0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1,
      ]);
      // s per cP of the last measured checkpoint: each measurement's s is 1 − blanket /
      // domain area, averaged over phenomena per plane, then over planes.
      const detail = await lab.getModel({ id: row.modelId });
      const last = detail.measurements.filter(
        (m) => m.checkpointId === detail.checkpoints.at(-1)!.id,
      );
      for (const m of last) expect(m.s).toBeCloseTo(1 - m.blanketArea / m.domainArea, 9);
      const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
      for (const entry of row.sByCp) {
        const planes = [...new Set(last.map((m) => m.plane))];
        const perPlane = planes.map((plane) =>
          mean(last.filter((m) => m.plane === plane && m.cp === entry.cp).map((m) => m.s)),
        );
        expect(entry.s).toBeCloseTo(mean(perPlane), 12);
      }
      expect(row.regions).toBeGreaterThan(1);
      expect(row.setup).toBe('custom(4,2)@1/xor');
      expect(row.training.at(-1)).toMatchObject({ iteration: 200 });
    }
    const experiment = (await lab.listExperiments({ projectId }))[0];
    expect(experiment.jobCounts.done).toBe(4);
    expect(experiment.modelCount).toBe(2);
  });

  it('draws partitions and blankets that agree with the stored measurements', async () => {
    const [model] = await lab.listModels({ experimentId });
    const detail = await lab.getModel({ id: model.id });
    expect(detail.checkpoints.map((c) => c.iteration)).toEqual([0, 200]);
    expect(detail.measurements).toHaveLength(2 * 2 * 8); // planes × classes × cPs
    const planeSetId = detail.measurements[0].planeSetId;
    const last = detail.checkpoints[1].id;
    const partition = await lab.getPartition({ checkpointId: last, planeSetId, plane: 1 });
    const stored = detail.regionCounts.find((row) => row.plane === 1)!;
    expect(partition.regionCount).toBe(stored.regions);
    const area = partition.areas.reduce((sum, value) => sum + value, 0);
    expect(area).toBeCloseTo(partition.domainArea, 9);
    const again = await lab.getPartition({ checkpointId: last, planeSetId, plane: 1 });
    expect(again).toEqual(partition); // asked again, the same partition

    const classes = (await lab.listDatasets({})).find((d) => d.id === 'xor')!.classNames;
    const blanket = await lab.getBlanket({
      checkpointId: last,
      planeSetId,
      plane: 1,
      phenomenon: classes[1],
      cp: 0.8,
      scope: 'last',
    });
    const measured = detail.measurements.find(
      (row) => row.plane === 1 && row.cp === 0.8 && row.phenomenon === classes[1],
    )!;
    expect(blanket.s).toBeCloseTo(measured.s, 12);
    expect(blanket.regions).toHaveLength(partition.regionCount);
    let inside = 0;
    blanket.regions.forEach((flag, region) => (inside += flag * partition.areas[region]));
    expect(inside).toBeCloseTo(blanket.blanketArea, 9);

    const images = await lab.getSpanningImages({ planeSetId, plane: 0 });
    expect(images.images).toHaveLength(3);
    expect(images.width * images.height).toBe(2);
  });

  it('exports and imports models and projects', async () => {
    const [model] = await lab.listModels({ experimentId });
    const bundle = await lab.exportModel({ id: model.id });
    const copy = await lab.importModel({ projectId, json: bundle.content, name: 'copy' });
    expect(copy).toMatchObject({ name: 'copy', checkpointCount: 2, hidden: [4, 2] });
    const single = await lab.exportModel({ id: model.id, iteration: 200 });
    expect(JSON.parse(single.content)).toMatchObject({
      format: 'mbh-model',
      version: 1,
      inputDim: 2,
    });
    const plain = await lab.importModel({ projectId, json: single.content });
    expect(plain).toMatchObject({ datasetId: 'xor', checkpointCount: 1 });
    await expect(
      lab.importModel({ projectId, json: '{"format":"mbh-model","version":1}' }),
    ).rejects.toThrow(/params\.json/);
    const project = await lab.exportProject({ id: projectId });
    const imported = await lab.importProject({ json: project.content });
    expect(imported).toMatchObject({ name: 'p', experimentCount: 1, modelCount: 4 });
  });

  it('pauses, resumes, cancels and retries a training', async () => {
    const { model, job } = await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [8, 4],
      density: 1,
      seed: 5,
      datasetId: 'xor',
      iterations: 1500,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      // TensorFlow.js: slow enough per step that the pause lands mid-run.
      trainer: 'tfjs',
    });
    await waitFor(job.id, ['running'], (j) => j.iteration >= 300);
    // The row says 'paused' at once; the worker stops at its next step and then frees its slot.
    expect((await lab.pauseJob({ id: job.id })).state).toBe('paused');
    // Idle once the worker has stopped: nothing else is queued or running.
    await lab.idle();
    // Paused keeps its resume state and frees its worker.
    expect(lab.zoo.jobs.resumeState(job.id)).not.toBeNull();
    expect((await lab.listJobs({ state: 'running' })).map((j) => j.id)).not.toContain(job.id);
    const pausedAt = lab.zoo.jobs.get(job.id).iteration;
    expect(pausedAt).toBeGreaterThan(0);

    await lab.cancelJob({ id: job.id });
    await expect(lab.resumeJob({ id: job.id })).rejects.toThrow(/only paused jobs/);
    const done = waitFor(job.id, ['done']);
    await lab.retryJob({ id: job.id });
    const finished = await done;
    expect(finished.attempts).toBe(2);
    const trained = await lab.getModel({ id: model.id });
    expect(trained.checkpoints.map((c) => c.iteration)).toEqual([0, 1500]);
    expect(trained.metrics.at(-1)!.iteration).toBe(1500);
    // No measure job follows a lone training.
    expect((await lab.listJobs({})).filter((j) => j.modelId === model.id)).toHaveLength(1);
  });

  it('pauses running jobs on close and resumes them on the next start', async () => {
    const { model, job } = await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [8, 4],
      density: 0.5,
      seed: 6,
      datasetId: 'xor',
      iterations: 1200,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      // TensorFlow.js: slow enough per step that the pause lands mid-run.
      trainer: 'tfjs',
    });
    await waitFor(job.id, ['running'], (j) => j.iteration >= 200);
    await lab.close({ pauseRunning: true });
    lab = await LabService.open({ home, shell: 'cli', workers: 2 });
    expect((await lab.listJobs({})).find((j) => j.id === job.id)!.state).toBe('queued');
    await lab.start();
    await lab.idle();
    const after = (await lab.listJobs({})).find((j) => j.id === job.id)!;
    expect(after).toMatchObject({ state: 'done', attempts: 2 });
    const trained = await lab.getModel({ id: model.id });
    expect(trained.checkpoints.map((c) => c.iteration)).toEqual([0, 1200]);
    expect(trained.density).toBe(0.5);
  });

  it('refuses a second writer while the zoo is open', async () => {
    await expect(LabService.open({ home, shell: 'cli' })).rejects.toThrow(
      /in use by another MBH Lab process/,
    );
  });

  it('deletes an experiment with all it holds', async () => {
    const models = await lab.listModels({ experimentId });
    await lab.deleteExperiment({ id: experimentId });
    for (const model of models)
      await expect(lab.getModel({ id: model.id })).rejects.toThrow(/no model/);
    expect(await lab.listJobs({ experimentId })).toEqual([]);
    expect(lab.zoo.db.pragma('foreign_key_check')).toEqual([]);
  });
});
