/**
 * The workers panel's rows: the lab's own worker threads ('local'), then each live remote
 * worker from its heartbeat (name order). A local run's pace is not sampled (its job row
 * has its ETA); a remote worker reports each run's steps per second.
 */
import { availableParallelism, hostname } from 'node:os';
import type { JobSummary, WorkerSummary } from '../../src-shared/api/dto.ts';
import { LOCAL_WORKER } from '../zoo/jobs.ts';
import type { WorkerHeartbeat } from './remote-worker.ts';

export function workerSummaries(
  local: { concurrency: number; running: readonly JobSummary[] },
  remote: readonly WorkerHeartbeat[],
): WorkerSummary[] {
  const mine = local.running.filter((job) => job.worker === LOCAL_WORKER);
  const latest = mine.find((job) => job.trainer !== null) ?? null;
  const rows: WorkerSummary[] = [
    {
      name: LOCAL_WORKER,
      host: hostname(),
      cores: availableParallelism(),
      concurrency: local.concurrency,
      trainer: latest?.trainer ?? null,
      backend: latest?.backend ?? null,
      jobs: mine.map((job) => ({
        jobId: job.id,
        iteration: job.iteration,
        iterations: job.iterations,
        stepsPerSecond: null,
      })),
    },
  ];
  for (const worker of remote) {
    const run = worker.runs.find((candidate) => candidate.trainer !== null) ?? null;
    rows.push({
      name: worker.name,
      host: worker.host,
      cores: worker.cores,
      concurrency: worker.concurrency,
      trainer: run?.trainer === 'tfjs' || run?.trainer === 'fused' ? run.trainer : null,
      backend: run?.backend ?? null,
      jobs: worker.runs.map((entry) => ({
        jobId: entry.jobId,
        iteration: entry.iteration,
        iterations: entry.iterations,
        stepsPerSecond: entry.stepsPerSecond,
      })),
    });
  }
  return rows;
}
