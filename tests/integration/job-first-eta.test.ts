/**
 * Bug (issue 10 §3): a training's first ETA was wildly high — the first progress message
 * divided the wall time since the worker started (backend set-up, the validation split
 * as tensors, the iteration-0 validation pass) by the few steps done. A progress message
 * now counts step time only, and a job's ETA adds its remaining validation passes.
 *
 * The first ETA a job reports is compared with the time the job then actually took, in
 * the same run, as a ratio: within a factor of 4 either way (a loaded machine), where
 * the old first ETA was off by 9–14× here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-first-eta-'));
let lab: LabService;

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  await lab.start();
});
afterAll(async () => {
  await lab.close({ pauseRunning: false });
  rmSync(home, { recursive: true, force: true });
});

describe("a training's first ETA", () => {
  it.each(['tfjs', 'fused'] as const)('is near the time the %s run then takes', async (trainer) => {
    const { id: projectId } = await lab.createProject({ name: `eta ${trainer}`, description: '' });
    let first: { at: number; eta: number } | null = null;
    let finished: (job: JobSummary) => void = () => {};
    const done = new Promise<JobSummary>((resolve) => (finished = resolve));
    let jobId = -1;
    const listener = (job: JobSummary) => {
      if (job.id !== jobId) return;
      if (first === null && job.state === 'running' && job.etaSeconds !== null && job.iteration > 0)
        first = { at: performance.now(), eta: job.etaSeconds };
      if (job.state === 'done' || job.state === 'failed') finished(job);
    };
    lab.on('job', listener);
    try {
      const started = await lab.trainModel({
        projectId,
        family: 'custom',
        hidden: [64, 32],
        density: 1,
        seed: 1,
        datasetId: 'mnist',
        iterations: trainer === 'tfjs' ? 600 : 1_500,
        checkpoints: 'default',
        pruning: { kind: 'random' },
        trainer,
      });
      jobId = started.job.id;
      const job = await done;
      expect(job.state).toBe('done');
      expect(job.trainer).toBe(trainer);
      expect(first).not.toBeNull();
      const { at, eta } = first!;
      const took = (performance.now() - at) / 1000;
      const ratio = eta / took;
      console.info(`${trainer}: first ETA ${eta.toFixed(1)} s, then took ${took.toFixed(1)} s`);
      expect(ratio).toBeGreaterThan(1 / 4);
      expect(ratio).toBeLessThan(4);
    } finally {
      lab.off('job', listener);
    }
  });
});
