/**
 * The arithmetic of plans and sweep ETAs (src-main/lab/plans.ts): a training is its
 * steps on the path chosen for it, its validation passes and its run overhead, phase by
 * phase; a measurement is its planes × checkpoints at the measured cost per plane; a
 * sweep is those jobs on the worker pool.
 */
import { describe, expect, it } from 'vitest';
import type { ExperimentSpec, JobSummary } from '../../src-shared/api/dto.ts';
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import type { TrainJobSpec } from '../../src-main/jobs/train-job.ts';
import {
  measureUnits,
  planEstimate,
  sweepProgress,
  trainJobEstimate,
  type EstimateContext,
} from '../../src-main/lab/plans.ts';
import { planSetups } from '../../src-main/lab/setups.ts';
import { poolSeconds } from '../../src-main/lab/sweep-estimate.ts';
import { CostModel } from '../../src-main/train/cost-model.ts';

// ms per step: tfjs 1 + 0.5·layers + 0.25·dense; fused 0.1 + 0.05·layers + 0.5·dense + 2·sparse.
const model = new CostModel({
  calibration: { tfjs: [1, 0.5, 0.25, 0], fused: [0.1, 0.05, 0.5, 2] },
  samples: [],
  evaluationShare: { tfjs: 0.5, fused: 0.25 },
});

function context(workers: number, cores = 2): EstimateContext {
  return {
    model,
    testCount: () => 10_000,
    measureMsPerUnit: () => 1_000,
    planeCount: () => 3,
    workers,
    cores,
  };
}

const mnist = { id: 'mnist', inputDim: 784, classCount: 10 };

const spec: ExperimentSpec = {
  name: 'estimate',
  family: 'custom',
  hiddenNeurons: [16],
  customWidths: [[12, 4]],
  densities: [1, 0.5],
  seeds: [1, 2],
  datasets: ['mnist'],
  iterations: 1_000,
  checkpoints: 'default',
  pruning: { kind: 'random' },
  planeCount: 3,
  planeSeed: 0,
  cps: [0.8],
  scope: 'last',
};

function jobSpec(overrides: Partial<TrainJobSpec> = {}): TrainJobSpec {
  return {
    modelId: 1,
    family: 'custom',
    hidden: [12, 4],
    density: 1,
    seed: 1,
    datasetId: 'mnist',
    iterations: 1_000,
    checkpoints: 'ends',
    pruning: { kind: 'random' },
    measure: null,
    ...overrides,
  };
}

describe('trainJobEstimate', () => {
  it('adds steps, validation passes and run overhead on the faster path', () => {
    // (12,4) on 784 → 10: 9,496 dense weights × 60 rows = 0.56976 M.
    // tfjs: 1 + 1.5 + 0.14244 = 2.64244 ms; fused: 0.1 + 0.15 + 0.28488 = 0.53488 ms.
    const estimate = trainJobEstimate(jobSpec(), mnist, context(1));
    expect(estimate.trainers).toEqual(['fused']);
    expect(estimate.msPerIteration).toBeCloseTo(0.53488, 12);
    // 19 evaluation points for 1,000 steps, each 0.25 · (0.53488 / 60) · 10,000 ms;
    // 1,500 ms of run overhead before any run was measured.
    expect(evaluationSchedule(1_000)).toHaveLength(19);
    const passes = 19 * 0.25 * (0.53488 / 60) * 10_000;
    expect(estimate.seconds).toBeCloseTo((1_000 * 0.53488 + passes + 1_500) / 1000, 9);
  });

  it('prices a forced path even where the other is faster', () => {
    const forced = trainJobEstimate(jobSpec({ trainer: 'tfjs' }), mnist, context(1));
    expect(forced.trainers).toEqual(['tfjs']);
    expect(forced.msPerIteration).toBeCloseTo(2.64244, 12);
  });

  it('prices each pruning phase on its own network and path', () => {
    const pruned = trainJobEstimate(
      jobSpec({ hidden: [300, 100], pruning: { kind: 'iterative', rate: 0.9, rounds: 2 } }),
      mnist,
      context(1),
    );
    // Phase 0 is dense LeNet (tfjs 6.493 ms < fused 8.236 ms); the pruned phases keep
    // 10 % and 1 % of the hidden weights, where the sparse fused path wins (3.46 and
    // 0.6 ms).
    expect(pruned.trainers).toEqual(['tfjs', 'fused', 'fused']);
  });
});

describe('planEstimate', () => {
  const setups = planSetups(spec, mnist);

  it('on one worker, is the sum of every training and measurement', () => {
    const plan = planEstimate(spec, setups, context(1));
    const dense = trainJobEstimate(jobSpec(), mnist, context(1)).seconds;
    const sparse = trainJobEstimate(jobSpec({ density: 0.5 }), mnist, context(1)).seconds;
    expect(plan.trainSeconds).toBeCloseTo(2 * dense + 2 * sparse, 9);
    // One checkpoint × 3 planes × 1 s per measurement, four models.
    expect(plan.measureSeconds).toBeCloseTo(4 * 3, 9);
    expect(plan.estimatedSeconds).toBeCloseTo(plan.trainSeconds + plan.measureSeconds, 9);
    expect(plan.setups.map((setup) => [setup.density, setup.trainer])).toEqual([
      [1, 'fused'],
      [0.5, 'fused'],
    ]);
  });

  it('on more workers, is the pool playing the jobs in the order they are queued', () => {
    const plan = planEstimate(spec, setups, context(2));
    const dense = trainJobEstimate(jobSpec(), mnist, context(2)).seconds;
    const sparse = trainJobEstimate(jobSpec({ density: 0.5 }), mnist, context(2)).seconds;
    const expected = poolSeconds({
      workers: 2,
      cores: 2,
      running: [],
      queued: [dense, dense, sparse, sparse].map((seconds) => ({
        seconds,
        followUpSeconds: 3,
        kind: 'train' as const,
      })),
    });
    expect(plan.estimatedSeconds).toBeCloseTo(expected, 9);
    // Two workers do the work in about half the time, never in less.
    const total = plan.trainSeconds + plan.measureSeconds;
    expect(plan.estimatedSeconds).toBeGreaterThanOrEqual(total / 2 - 1e-9);
    expect(plan.estimatedSeconds).toBeLessThan(total);
  });

  it('measures every schedule point when the spec keeps all checkpoints', () => {
    expect(measureUnits({ checkpoints: 'all' }, 1_000, 3)).toBe(19 * 3);
    expect(measureUnits({ checkpoints: 'last' }, 1_000, 3)).toBe(3);
  });
});

describe('sweepProgress', () => {
  const base: JobSummary = {
    id: 1,
    kind: 'train',
    state: 'queued',
    experimentId: 1,
    modelId: 1,
    label: 'x',
    progress: 0,
    iteration: 0,
    iterations: 1_000,
    loss: null,
    accuracy: null,
    etaSeconds: null,
    backend: null,
    trainer: null,
    msPerIteration: null,
    error: null,
    worker: null,
    createdAt: 0,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
  };
  const network = { inputDim: 784, classCount: 10, hidden: [12, 4], density: 1 };
  const follow = {
    planeSetId: 1,
    checkpoints: 'last' as const,
    cps: [0.8],
    phenomena: null,
    scope: 'last' as const,
  };
  const seconds = trainJobEstimate(jobSpec(), mnist, context(2)).seconds;

  it('weighs jobs by their estimated time and plays the rest on the pool', () => {
    const progress = sweepProgress(
      [
        // Done, and its measurement (3 planes) too.
        { job: { ...base, id: 1, state: 'done', progress: 1 }, spec: jobSpec(), model: network },
        {
          job: { ...base, id: 2, kind: 'measure', state: 'done', iterations: 3, progress: 1 },
          spec: {},
          model: network,
        },
        // Running with 2 s left by its own measured speed; its measurement is to come.
        {
          job: { ...base, id: 3, state: 'running', progress: 0.5, etaSeconds: 2 },
          spec: jobSpec({ measure: follow }),
          model: network,
        },
        // Queued, with a measurement to come; a failed one counts for nothing.
        { job: { ...base, id: 4 }, spec: jobSpec({ measure: follow }), model: network },
        { job: { ...base, id: 5, state: 'failed' }, spec: jobSpec(), model: network },
      ],
      context(2),
    );
    const done = seconds + 3 + (seconds - 2);
    const left = 2 + 3 + seconds + 3;
    expect(progress.progress).toBeCloseTo(done / (done + left), 12);
    expect(progress.remainingJobs).toBe(4);
    // Worker 1: job 3 for 2 s, then its measurement 3 s; worker 2: job 4 from 0.
    expect(progress.etaSeconds).toBeCloseTo(Math.max(2 + 3, seconds + 3), 9);
    expect(progress.workers).toBe(2);
  });

  it('has no ETA when nothing is left', () => {
    const progress = sweepProgress(
      [{ job: { ...base, state: 'done', progress: 1 }, spec: jobSpec(), model: network }],
      context(2),
    );
    expect(progress).toEqual({ progress: 1, etaSeconds: null, remainingJobs: 0, workers: 2 });
  });
});
