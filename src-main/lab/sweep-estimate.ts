/**
 * How long a set of jobs takes on the lab's worker pool: the scheduler's own rules played
 * forward in time. Each worker thread runs one job at a time; a free worker takes a queued
 * measure job first (it finishes a result), else the next training in id order; a training
 * with a follow-up queues its measure job when it finishes. With more workers than cores,
 * the jobs share the cores and each takes proportionally longer.
 *
 * Pure arithmetic over seconds: the plan (nothing started) and the dashboard's sweep ETA
 * (some jobs running, some done) both use it.
 */

export interface EstimatedJob {
  /** Seconds the job still needs once it runs (its whole duration when not started). */
  readonly seconds: number;
  /** Seconds of the measure job it queues when it finishes; null when none follows. */
  readonly followUpSeconds: number | null;
  /** Measure jobs go before trainings in the queue. */
  readonly kind: 'train' | 'measure';
}

export interface PoolState {
  /** Worker threads (jobs at once). */
  readonly workers: number;
  /** Cores the workers share. */
  readonly cores: number;
  /** Jobs running now: they hold a worker for their remaining seconds. */
  readonly running: readonly EstimatedJob[];
  /** Queued jobs in id order. */
  readonly queued: readonly EstimatedJob[];
}

function checkSeconds(job: EstimatedJob, where: string): void {
  if (!(job.seconds >= 0) || !Number.isFinite(job.seconds))
    throw new RangeError(`${where}.seconds must be a finite number ≥ 0, got ${job.seconds}`);
  if (
    job.followUpSeconds !== null &&
    !(job.followUpSeconds >= 0 && Number.isFinite(job.followUpSeconds))
  )
    throw new RangeError(`${where}.followUpSeconds must be null or a finite number ≥ 0`);
}

/**
 * Seconds until every job (and every follow-up) has finished. With `workers` > `cores`,
 * running jobs are slowed by the share of a core each gets.
 */
export function poolSeconds(pool: PoolState): number {
  if (!Number.isInteger(pool.workers) || pool.workers < 1)
    throw new RangeError(`workers must be a positive integer, got ${pool.workers}`);
  if (!(pool.cores >= 1)) throw new RangeError(`cores must be ≥ 1, got ${pool.cores}`);
  pool.running.forEach((job, index) => checkSeconds(job, `running[${index}]`));
  pool.queued.forEach((job, index) => checkSeconds(job, `queued[${index}]`));

  const total = pool.running.length + pool.queued.length;
  const busy = Math.min(pool.workers, Math.max(1, total));
  const slowdown = Math.max(1, busy / pool.cores);
  const measures: EstimatedJob[] = [];
  const trainings: EstimatedJob[] = [];
  for (const job of pool.queued) (job.kind === 'measure' ? measures : trainings).push(job);

  // Workers as (time it frees, the job it holds); few workers, so a sorted array will do.
  const lanes: { at: number; job: EstimatedJob | null }[] = [];
  for (const job of pool.running) lanes.push({ at: job.seconds * slowdown, job });
  while (lanes.length < pool.workers) lanes.push({ at: 0, job: null });
  let nextMeasure = 0;
  let nextTraining = 0;
  let end = 0;
  for (;;) {
    // Ties: a lane that finishes a job goes before an idle one (its follow-up may be next).
    lanes.sort((a, b) => a.at - b.at || Number(a.job === null) - Number(b.job === null));
    const lane = lanes[0];
    if (lane.job !== null) {
      end = Math.max(end, lane.at);
      if (lane.job.followUpSeconds !== null)
        measures.push({
          seconds: lane.job.followUpSeconds,
          followUpSeconds: null,
          kind: 'measure',
        });
      lane.job = null;
    }
    const next =
      nextMeasure < measures.length
        ? measures[nextMeasure++]
        : nextTraining < trainings.length
          ? trainings[nextTraining++]
          : null;
    if (next !== null) {
      lane.job = next;
      lane.at += next.seconds * slowdown;
      continue;
    }
    // Nothing queued: the pool is done once the busy lanes finish (their follow-ups too).
    if (lanes.every((candidate) => candidate.job === null)) return end;
    // This lane idles until another one frees (its follow-up may give it work).
    const waiting = lanes.filter((candidate) => candidate.job !== null);
    lane.at = Math.min(...waiting.map((candidate) => candidate.at));
  }
}
