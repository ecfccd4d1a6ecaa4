/**
 * The job queue with real jobs: one worker slot, queued jobs paused and resumed, a job
 * that fails and is retried, checkpoint studies measured at every checkpoint, pruning
 * phases, and user datasets imported through the service.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-queue-'));
let lab: LabService;
let projectId: number;

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  await lab.start();
  projectId = (await lab.createProject({ name: 'q', description: '' })).id;
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

const base = {
  family: 'custom' as const,
  density: 1,
  seed: 1,
  datasetId: 'xor',
  checkpoints: 'default' as const,
  pruning: { kind: 'random' as const },
};

describe('job queue', () => {
  it('runs one job per worker and keeps a paused queued job waiting', async () => {
    const first = await lab.trainModel({ projectId, ...base, hidden: [4, 2], iterations: 300 });
    const second = await lab.trainModel({ projectId, ...base, hidden: [4, 2], iterations: 100 });
    expect(second.job.state).toBe('queued');
    expect((await lab.pauseJob({ id: second.job.id })).state).toBe('paused');
    await lab.idle();
    const states = Object.fromEntries((await lab.listJobs({})).map((job) => [job.id, job.state]));
    expect(states).toEqual({ [first.job.id]: 'done', [second.job.id]: 'paused' });
    const paused = (await lab.listJobs({})).find((job) => job.id === second.job.id)!;
    expect(paused.attempts).toBe(0);
    await lab.resumeJob({ id: second.job.id });
    await lab.idle();
    expect((await lab.listJobs({ state: 'done' })).map((job) => job.id)).toContain(second.job.id);
  });

  it('fails a job with its error, and retries it', async () => {
    // A job whose dataset file has gone (deleted behind the lab's back) while it waited.
    const rows = ['label,a,b'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 2},${Math.sin(i)},${Math.cos(3 * i)}`);
    const gone = await lab.importDataset({
      name: 'Gone',
      format: 'csv',
      csv: rows.join('\n'),
      testShare: 0.25,
    });
    // Saved without running, its one training job waits, paused, until resumed.
    const { jobs } = await lab.createExperiment({
      projectId,
      launch: false,
      spec: {
        name: 'doomed',
        family: 'custom',
        hiddenNeurons: [2],
        customWidths: [[2]],
        seeds: [1],
        datasets: [gone.id],
        iterations: 10,
        checkpoints: 'default',
        pruning: { kind: 'random' },
        planeCount: 1,
        planeSeed: 1,
        cps: [1],
        scope: 'all',
      },
    });
    const id = jobs[0].id;
    expect(jobs.map((row) => row.state)).toEqual(['paused']);
    rmSync(join(home, 'datasets', `${gone.id}.bin`));
    const job = async () => (await lab.listJobs({})).find((row) => row.id === id)!;
    await lab.resumeJob({ id });
    await lab.idle();
    expect(await job()).toMatchObject({ state: 'failed', attempts: 1 });
    expect((await job()).error).toMatch(/unknown dataset 'user-gone'/);
    await expect(lab.cancelJob({ id })).rejects.toThrow(/already failed/);
    await lab.retryJob({ id });
    await lab.idle();
    expect(await job()).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('measures every checkpoint of a checkpoint study', async () => {
    const { experiment } = await lab.createExperiment({
      projectId,
      launch: true,
      spec: {
        name: 'over training',
        family: 'custom',
        hiddenNeurons: [6],
        customWidths: [[4, 2]],
        seeds: [1],
        datasets: ['xor'],
        iterations: 40,
        checkpoints: 'all',
        pruning: { kind: 'random' },
        planeCount: 1,
        planeSeed: 3,
        cps: [0.8, 1],
        scope: 'all',
      },
    });
    await lab.idle();
    const [row] = await lab.compare({ experimentIds: [experiment.id] });
    expect(row.training.map((point) => point.iteration)).toEqual(evaluationSchedule(40));
    for (const point of row.training) {
      expect(point.s).not.toBeNull();
      expect(point.regions).toBeGreaterThan(0);
    }
    expect(row.sByCp.map((entry) => entry.cp)).toEqual([0.8, 1]);
  });

  it('trains pruned networks in phases: one-shot and iterative with rewinding', async () => {
    const oneShot = await lab.trainModel({
      projectId,
      ...base,
      hidden: [8, 4],
      iterations: 30,
      pruning: { kind: 'one-shot', rate: 0.5 },
    });
    const iterative = await lab.trainModel({
      projectId,
      ...base,
      hidden: [8, 4],
      iterations: 30,
      pruning: { kind: 'iterative', rate: 0.5, rounds: 2 },
    });
    expect(oneShot.job.iterations).toBe(60);
    expect(iterative.job.iterations).toBe(90);
    await lab.idle();
    for (const [started, kept] of [
      [oneShot, 0.5],
      [iterative, 0.25],
    ] as const) {
      expect(lab.zoo.jobs.get(started.job.id).state).toBe('done');
      const checkpoint = lab.zoo.checkpoints.latest(started.model.id)!;
      expect(checkpoint.iteration).toBe(30);
      // Hidden weights: 2 × 8 + 8 × 4 = 48; the output layer (4 × 2) stays dense.
      const hiddenMask = checkpoint.masks!.subarray(0, 48);
      const share = hiddenMask.reduce((sum, bit) => sum + bit, 0) / 48;
      expect(share).toBeCloseTo(kept, 1);
      expect(checkpoint.masks!.subarray(48).every((bit) => bit === 1)).toBe(true);
    }
  });

  it('imports a CSV dataset and trains on it', async () => {
    const rows = ['label,a,b'];
    for (let i = 0; i < 60; i++) rows.push(`${i % 3},${(i % 3) + Math.sin(i)},${Math.cos(i * 7)}`);
    const dataset = await lab.importDataset({
      name: 'Tiny CSV',
      format: 'csv',
      csv: rows.join('\n'),
      testShare: 0.25,
    });
    expect(dataset).toMatchObject({
      id: 'user-tiny-csv',
      inputDim: 2,
      classCount: 3,
      trainCount: 45,
      testCount: 15,
      builtin: false,
    });
    expect((await lab.listDatasets({})).map((d) => d.id)).toContain('user-tiny-csv');
    await expect(
      lab.importDataset({ name: 'Broken', format: 'csv', csv: 'a,b\n1,2\n', testShare: 0.2 }),
    ).rejects.toThrow(/label/);
    const { job } = await lab.trainModel({
      projectId,
      ...base,
      datasetId: dataset.id,
      hidden: [3],
      iterations: 20,
    });
    await lab.idle();
    expect(lab.zoo.jobs.get(job.id).state).toBe('done');
  });
});
