/**
 * The job scheduler: runs queued jobs from the zoo, at most `workers` at a time, each in
 * its own worker thread (the runner of its kind starts it). Pause, resume, cancel and
 * retry change the job's row first and then tell a running job to stop; a stopped
 * training keeps its resume state and frees its worker.
 *
 * After a crash, `start()` puts jobs left 'running' back in the queue: their runners
 * resume from what is stored (checkpoints, resume state, measured planes) and write
 * results with upserts, so nothing is duplicated.
 */
import type { JobKind, JobState, JobSummary } from '../../src-shared/api/dto.ts';
import { jobSummary, type JobProgress, type StoredJob } from '../zoo/jobs.ts';
import type { Zoo } from '../zoo/zoo.ts';

/** Why a running job is asked to stop: a user pause, a cancel, or the lab closing. */
export type StopReason = 'pause' | 'cancel' | 'shutdown';

export interface JobControl {
  readonly job: StoredJob;
  /** The reason a stop was requested, or null while the job should go on. */
  readonly stopReason: StopReason | null;
  /** Calls `listener` once when a stop is requested (at once if it already was). */
  onStop(listener: (reason: StopReason) => void): void;
  /** Records progress: throttled writes to the zoo, events to subscribers. */
  progress(progress: JobProgress): void;
}

export type JobOutcome =
  | {
      kind: 'done';
      /** Writes that must land together with the 'done' state. */ finish?: () => void;
    }
  | { kind: 'stopped' };

export interface JobRunner {
  run(control: JobControl): Promise<JobOutcome>;
}

export interface SchedulerOptions {
  workers: number;
  runners: Record<JobKind, JobRunner>;
  /** Called with a job's summary whenever it changes. */
  emit(job: JobSummary): void;
  /**
   * Jobs that may run at once when it is more than `workers`: a hub with remote workers
   * adds what they take (read at every pump, so workers joining or leaving count).
   */
  capacity?(): number;
}

const PROGRESS_WRITE_MS = 1_000;
const PROGRESS_EMIT_MS = 150;

interface Running {
  job: StoredJob;
  reason: StopReason | null;
  listeners: ((reason: StopReason) => void)[];
  done: Promise<void>;
  lastWrite: number;
  lastEmit: number;
  pending: JobProgress | null;
}

export type BulkAction = 'pause' | 'resume' | 'cancel' | 'retry';

/** The state each action moves a job to, from the states it applies to (as the one-job methods). */
const BULK_TRANSITIONS: Record<BulkAction, Partial<Record<JobState, JobState>>> = {
  pause: { queued: 'paused', running: 'paused' },
  resume: { paused: 'queued' },
  cancel: { queued: 'cancelled', running: 'cancelled', paused: 'cancelled' },
  retry: { failed: 'queued', cancelled: 'queued' },
};

export class JobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobError';
  }
}

export class Scheduler {
  private readonly running = new Map<number, Running>();
  private started = false;
  private closing = false;
  /** While above 0, no job starts (requeueRunning is changing where jobs run). */
  private holding = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly zoo: Zoo,
    private readonly options: SchedulerOptions,
  ) {}

  get workers(): number {
    return this.options.workers;
  }

  /** Requeues jobs a previous process left running, then starts queued jobs. */
  start(): number {
    const requeued = this.zoo.jobs.requeueInterrupted();
    this.started = true;
    this.pump();
    return requeued;
  }

  /** Starts queued jobs while workers are free. Safe to call at any time. */
  pump(): void {
    if (!this.started || this.closing || this.holding > 0) return;
    const free = (this.options.capacity?.() ?? this.options.workers) - this.running.size;
    if (free > 0) {
      const candidates = this.zoo.jobs
        .queued(free + this.running.size)
        .filter((job) => !this.running.has(job.id))
        .slice(0, free);
      for (const job of candidates) this.launch(job);
    }
    this.checkIdle();
  }

  isRunning(id: number): boolean {
    return this.running.has(id);
  }

  pause(id: number): JobSummary {
    const job = this.zoo.jobs.get(id);
    if (job.state === 'paused') return jobSummary(job);
    if (job.state !== 'queued' && job.state !== 'running') {
      throw new JobError(`job ${id} is ${job.state}; only queued or running jobs can be paused`);
    }
    this.zoo.jobs.setState(id, 'paused');
    this.requestStop(id, 'pause');
    return this.changed(id);
  }

  resume(id: number): JobSummary {
    const job = this.zoo.jobs.get(id);
    if (job.state === 'queued' || job.state === 'running') return jobSummary(job);
    if (job.state !== 'paused') {
      throw new JobError(
        `job ${id} is ${job.state}; only paused jobs can be resumed (retry failed or cancelled ones)`,
      );
    }
    this.zoo.jobs.setState(id, 'queued');
    const summary = this.changed(id);
    this.pump();
    return summary;
  }

  cancel(id: number): JobSummary {
    const job = this.zoo.jobs.get(id);
    if (job.state === 'cancelled') return jobSummary(job);
    if (job.state === 'done' || job.state === 'failed') {
      throw new JobError(`job ${id} is already ${job.state}`);
    }
    this.zoo.jobs.setState(id, 'cancelled');
    this.requestStop(id, 'cancel');
    return this.changed(id);
  }

  retry(id: number): JobSummary {
    const job = this.zoo.jobs.get(id);
    if (job.state !== 'failed' && job.state !== 'cancelled') {
      throw new JobError(`job ${id} is ${job.state}; only failed or cancelled jobs can be retried`);
    }
    this.zoo.jobs.setState(id, 'queued');
    const summary = this.changed(id);
    this.pump();
    return summary;
  }

  /**
   * One action on many jobs (the dashboard's "pause shown" and so on): every state change
   * in one transaction, so that a concurrent call sees all of them or none; then the
   * running ones are told to stop and the queue is pumped once. Jobs the action does not
   * apply to (a done job for "pause") are skipped and counted; an unknown id fails the
   * whole call, naming it, with nothing changed.
   */
  bulk(action: BulkAction, ids: readonly number[]): { applied: JobSummary[]; skipped: number } {
    const changed: number[] = [];
    this.zoo.transaction(() => {
      for (const id of ids) {
        const next = BULK_TRANSITIONS[action][this.zoo.jobs.get(id).state];
        if (next === undefined) continue;
        this.zoo.jobs.setState(id, next);
        changed.push(id);
      }
    });
    if (action === 'pause' || action === 'cancel')
      for (const id of changed) this.requestStop(id, action);
    const applied = changed.map((id) => this.changed(id));
    if (action === 'resume' || action === 'retry') this.pump();
    return { applied, skipped: ids.length - changed.length };
  }

  /** Cancels the running jobs among `ids` and waits until they have stopped. */
  async stopRunning(ids: readonly number[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const id of ids) {
      const entry = this.running.get(id);
      if (!entry) continue;
      this.stop(entry, 'cancel');
      waits.push(entry.done);
    }
    await Promise.all(waits);
  }

  /**
   * Stops every running job as a shutdown does (each goes back to the queue and resumes
   * from its last state), runs `change` while no job runs and none starts, then starts
   * queued jobs again. For a change of where jobs run (the hub's Redis connected or
   * disconnected at runtime): no run is left on a dispatch that goes away. Runs that have
   * not stopped after `force.afterMs` (a remote one while Redis is away cannot hear its
   * stop) are ended by `force.run` (closing their dispatch), so the change never hangs.
   */
  async requeueRunning(
    change: () => Promise<void>,
    force?: { afterMs: number; run: () => Promise<void> },
  ): Promise<void> {
    this.holding++;
    try {
      const stopped = Promise.all(
        [...this.running.values()].map((entry) => {
          this.stop(entry, 'shutdown');
          return entry.done;
        }),
      );
      if (force) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), force.afterMs);
        });
        const first = await Promise.race([stopped, late]);
        clearTimeout(timer);
        if (first === 'late') await force.run();
      }
      await stopped;
      await change();
    } finally {
      this.holding--;
      this.pump();
    }
  }

  /** Resolves when no job runs and none is queued (paused and finished ones may remain). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /**
   * Stops scheduling. With `pauseRunning`, running jobs are asked to stop and go back to
   * the queue (they resume on the next start); without, close waits for them to finish.
   */
  async close(options: { pauseRunning: boolean }): Promise<void> {
    this.closing = true;
    const waits = [...this.running.values()].map((entry) => {
      if (options.pauseRunning) this.stop(entry, 'shutdown');
      return entry.done;
    });
    await Promise.all(waits);
  }

  private requestStop(id: number, reason: StopReason): void {
    const entry = this.running.get(id);
    if (entry) this.stop(entry, reason);
  }

  private stop(entry: Running, reason: StopReason): void {
    if (entry.reason !== null) return;
    entry.reason = reason;
    for (const listener of entry.listeners.splice(0)) listener(reason);
  }

  private changed(id: number): JobSummary {
    const summary = jobSummary(this.zoo.jobs.get(id));
    this.options.emit(summary);
    return summary;
  }

  private launch(job: StoredJob): void {
    this.zoo.jobs.markRunning(job.id);
    const current = this.zoo.jobs.get(job.id);
    const entry: Running = {
      job: current,
      reason: null,
      listeners: [],
      done: Promise.resolve(),
      lastWrite: 0,
      lastEmit: 0,
      pending: null,
    };
    this.running.set(job.id, entry);
    this.options.emit(jobSummary(current));
    const control: JobControl = {
      job: current,
      get stopReason() {
        return entry.reason;
      },
      onStop: (listener) => {
        if (entry.reason !== null) listener(entry.reason);
        else entry.listeners.push(listener);
      },
      progress: (progress) => this.progress(entry, progress),
    };
    entry.done = this.execute(entry, control);
  }

  private progress(entry: Running, progress: JobProgress): void {
    const now = Date.now();
    entry.pending = progress;
    if (!this.zoo.db.open) return;
    const stored = this.zoo.jobs.find(entry.job.id);
    if (!stored) return;
    if (now - entry.lastWrite >= PROGRESS_WRITE_MS) this.flushProgress(entry, now);
    if (now - entry.lastEmit >= PROGRESS_EMIT_MS) {
      entry.lastEmit = now;
      this.options.emit({
        ...jobSummary(stored),
        ...progress,
        loss: progress.loss ?? stored.loss,
        accuracy: progress.accuracy ?? stored.accuracy,
        backend: progress.backend ?? stored.backend,
      });
    }
  }

  private flushProgress(entry: Running, now = Date.now()): void {
    if (!entry.pending) return;
    this.zoo.jobs.setProgress(entry.job.id, entry.pending);
    entry.pending = null;
    entry.lastWrite = now;
  }

  private async execute(entry: Running, control: JobControl): Promise<void> {
    const id = entry.job.id;
    const runner = this.options.runners[entry.job.kind];
    let outcome: JobOutcome | null = null;
    let failure: string | null = null;
    try {
      outcome = await runner.run(control);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    // The job's row may be gone (its model or experiment was deleted) or the zoo closed.
    const present = () => this.zoo.db.open && this.zoo.jobs.find(id) !== null;
    try {
      if (present()) {
        this.flushProgress(entry);
        this.settle(id, entry.reason, outcome, failure);
      }
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      if (present()) this.zoo.jobs.setState(id, 'failed', failure);
    } finally {
      this.running.delete(id);
      if (present()) this.changed(id);
      this.pump();
    }
  }

  private settle(
    id: number,
    reason: StopReason | null,
    outcome: JobOutcome | null,
    failure: string | null,
  ): void {
    if (outcome?.kind === 'done') {
      this.zoo.transaction(() => {
        outcome.finish?.();
        this.zoo.jobs.setProgress(id, {
          progress: 1,
          iteration: this.zoo.jobs.get(id).iterations,
          loss: null,
          accuracy: null,
          etaSeconds: 0,
        });
        this.zoo.jobs.setState(id, 'done');
      });
      return;
    }
    if (reason === 'shutdown') {
      this.zoo.jobs.setState(id, 'queued');
      return;
    }
    if (reason === 'pause' || reason === 'cancel') return; // the row already says so
    this.zoo.jobs.setState(id, 'failed', failure ?? 'the job stopped without finishing');
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    if (this.running.size > 0) return;
    if (this.started && !this.closing && this.zoo.jobs.queued(1).length > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
