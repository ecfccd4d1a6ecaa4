/**
 * Every job the lab knows, kept current by 'job' events. Events can arrive hundreds per
 * second with many jobs running, so they are buffered and applied at most every 250 ms:
 * the table re-renders a few times a second however busy the pool is.
 */
import { api } from '../api/index.ts';
import type { JobState, JobSummary } from '../../../src-shared/api/dto.ts';
import { mapBy, withEntries } from '../lib/collections.ts';
import { lab } from './lab.svelte.ts';
import { zoo } from './zoo.svelte.ts';

export interface LivePoint {
  iteration: number;
  loss: number | null;
  accuracy: number | null;
}

const FLUSH_MS = 250;
const HISTORY = 2_000;

class JobBoard {
  /** Jobs by id, replaced (not mutated) on each flush. */
  jobs = $state.raw<ReadonlyMap<number, JobSummary>>(mapBy([], (job: JobSummary) => job.id));
  loaded = $state(false);
  /** Bumps when live histories change, for charts that read `history`. */
  historyVersion = $state(0);
  /** Loss/accuracy per job as reported live; not reactive, read with historyVersion. */
  readonly history = new Map<number, LivePoint[]>();
  private pending = new Map<number, JobSummary>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    api.on('job', (job) => this.receive(job));
  }

  async load(): Promise<void> {
    try {
      const list = await api.listJobs({});
      this.jobs = mapBy(list, (job) => job.id);
      this.loaded = true;
    } catch (error) {
      lab.error(error, 'Loading jobs failed');
    }
  }

  private receive(job: JobSummary): void {
    const previous = this.pending.get(job.id) ?? this.jobs.get(job.id);
    this.pending.set(job.id, job);
    if (job.loss !== null || job.accuracy !== null) {
      let points = this.history.get(job.id);
      if (!points) this.history.set(job.id, (points = []));
      const last = points.at(-1);
      if (!last || last.iteration !== job.iteration) {
        points.push({ iteration: job.iteration, loss: job.loss, accuracy: job.accuracy });
        if (points.length > HISTORY) points.splice(0, points.length - HISTORY);
      }
    }
    // A finished job changed models and experiments: the browser refreshes what it shows.
    if (previous && previous.state !== job.state && job.state !== 'running')
      zoo.scheduleRefresh(500);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.timer = null;
    if (this.pending.size === 0) return;
    this.jobs = withEntries(this.jobs, this.pending);
    this.pending.clear();
    this.historyVersion++;
  }

  /** Applies a job returned by an action at once (no need to wait for its event). */
  apply(job: JobSummary): void {
    this.jobs = withEntries(this.jobs, [[job.id, job]]);
  }

  counts(filter?: (job: JobSummary) => boolean): Record<JobState, number> {
    const counts: Record<JobState, number> = {
      queued: 0,
      running: 0,
      paused: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
    };
    for (const job of this.jobs.values()) if (!filter || filter(job)) counts[job.state]++;
    return counts;
  }

  async act(action: 'pause' | 'resume' | 'cancel' | 'retry', id: number): Promise<void> {
    try {
      const call =
        action === 'pause'
          ? api.pauseJob
          : action === 'resume'
            ? api.resumeJob
            : action === 'cancel'
              ? api.cancelJob
              : api.retryJob;
      this.apply(await call({ id }));
    } catch (error) {
      lab.error(error, `Could not ${action} job ${id}`);
    }
  }
}

export const jobBoard = new JobBoard();
