/**
 * The persistent job queue. A job row is the whole truth about a job: its spec, its state,
 * its progress and, for a paused or interrupted training, the state to resume from.
 */
import type {
  Backend,
  JobKind,
  JobState,
  JobSummary,
  TrainerName,
} from '../../src-shared/api/dto.ts';
import type { Db } from './database.ts';
import { NotFoundError } from './errors.ts';
import { HIDDEN_EXPERIMENTS } from './experiments.ts';

/** Jobs outside an experiment still being created (those are neither listed nor run). */
const VISIBLE = `(experiment_id IS NULL OR experiment_id NOT IN (${HIDDEN_EXPERIMENTS}))`;

interface JobRow {
  id: number;
  kind: JobKind;
  state: JobState;
  experiment_id: number | null;
  model_id: number | null;
  label: string;
  spec: string;
  progress: number;
  iteration: number;
  iterations: number;
  loss: number | null;
  accuracy: number | null;
  eta_seconds: number | null;
  backend: Backend | null;
  trainer: TrainerName | null;
  ms_per_iteration: number | null;
  error: string | null;
  worker: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface StoredJob extends JobSummary {
  spec: unknown;
}

export interface NewJob {
  kind: JobKind;
  experimentId: number | null;
  modelId: number | null;
  label: string;
  spec: unknown;
  iterations: number;
}

/** A finished job's wall time and its model's network (JobRepository.recentDurations). */
export interface FinishedDuration {
  iterations: number;
  ms: number;
  hidden: number[];
  density: number;
  inputDim: number;
}

export interface JobProgress {
  progress: number;
  iteration: number;
  loss: number | null;
  accuracy: number | null;
  etaSeconds: number | null;
  backend?: Backend | null;
  trainer?: TrainerName | null;
}

const COLUMNS = `id, kind, state, experiment_id, model_id, label, spec, progress, iteration,
  iterations, loss, accuracy, eta_seconds, backend, trainer, ms_per_iteration, error, worker,
  attempts, created_at, started_at, finished_at`;

function toJob(row: JobRow): StoredJob {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    experimentId: row.experiment_id,
    modelId: row.model_id,
    label: row.label,
    progress: row.progress,
    iteration: row.iteration,
    iterations: row.iterations,
    loss: row.loss,
    accuracy: row.accuracy,
    etaSeconds: row.eta_seconds,
    backend: row.backend,
    trainer: row.trainer,
    msPerIteration: row.ms_per_iteration,
    error: row.error,
    worker: row.worker,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    attempts: row.attempts,
    spec: JSON.parse(row.spec) as unknown,
  };
}

/** The worker name of the lab's own worker threads (JobSummary.worker). */
export const LOCAL_WORKER = 'local';

export function jobSummary(job: StoredJob): JobSummary {
  const { spec: _spec, ...summary } = job;
  return summary;
}

export class JobRepository {
  constructor(private readonly db: Db) {}

  create(job: NewJob, createdAt = Date.now()): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO jobs (kind, state, experiment_id, model_id, label, spec, iterations, created_at)
           VALUES (?, 'queued', ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          job.kind,
          job.experimentId,
          job.modelId,
          job.label,
          JSON.stringify(job.spec),
          job.iterations,
          createdAt,
        ).lastInsertRowid,
    );
  }

  find(id: number): StoredJob | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`).get(id) as
      JobRow | undefined;
    return row ? toJob(row) : null;
  }

  get(id: number): StoredJob {
    const job = this.find(id);
    if (!job) throw new NotFoundError('job', id);
    return job;
  }

  list(filter: { experimentId?: number; state?: JobState; modelId?: number } = {}): StoredJob[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.experimentId !== undefined) {
      where.push('experiment_id = ?');
      values.push(filter.experimentId);
    }
    if (filter.modelId !== undefined) {
      where.push('model_id = ?');
      values.push(filter.modelId);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      values.push(filter.state);
    }
    where.push(VISIBLE);
    const sql = `SELECT ${COLUMNS} FROM jobs WHERE ${where.join(' AND ')} ORDER BY id`;
    return (this.db.prepare(sql).all(...values) as JobRow[]).map(toJob);
  }

  /** The next queued jobs in order: measure jobs first (they finish a result), then by id. */
  queued(limit: number): StoredJob[] {
    return (
      this.db
        .prepare(
          `SELECT ${COLUMNS} FROM jobs WHERE state = 'queued' AND ${VISIBLE}
           ORDER BY CASE kind WHEN 'measure' THEN 0 ELSE 1 END, id LIMIT ?`,
        )
        .all(limit) as JobRow[]
    ).map(toJob);
  }

  markRunning(id: number, now = Date.now()): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, error = NULL,
           started_at = coalesce(started_at, ?), finished_at = NULL WHERE id = ?`,
      )
      .run(now, id);
  }

  setState(id: number, state: JobState, error: string | null = null, now = Date.now()): void {
    const finished = state === 'done' || state === 'failed' || state === 'cancelled';
    const changes = this.db
      .prepare(
        `UPDATE jobs SET state = ?, error = ?, eta_seconds = CASE WHEN ? THEN NULL ELSE eta_seconds END,
           finished_at = ? WHERE id = ?`,
      )
      .run(state, error, finished ? 1 : 0, finished ? now : null, id).changes;
    if (changes === 0) throw new NotFoundError('job', id);
  }

  setProgress(id: number, progress: JobProgress): void {
    this.db
      .prepare(
        `UPDATE jobs SET progress = ?, iteration = ?, loss = coalesce(?, loss),
           accuracy = coalesce(?, accuracy), eta_seconds = ?, backend = coalesce(?, backend),
           trainer = coalesce(?, trainer)
         WHERE id = ?`,
      )
      .run(
        progress.progress,
        progress.iteration,
        progress.loss,
        progress.accuracy,
        progress.etaSeconds,
        progress.backend ?? null,
        progress.trainer ?? null,
        id,
      );
  }

  /**
   * Wall times of recent jobs of `kind` that finished in one attempt (a paused or
   * restarted job's times mean nothing), newest first, with their model's network: what
   * plans and ETAs learn measure costs from.
   */
  recentDurations(kind: JobKind, limit: number): FinishedDuration[] {
    const rows = this.db
      .prepare(
        `SELECT j.iterations, j.finished_at - j.started_at AS ms, m.hidden, m.density,
           m.input_dim AS inputDim
         FROM jobs j JOIN models m ON m.id = j.model_id
         WHERE j.kind = ? AND j.state = 'done' AND j.attempts = 1 AND j.iterations > 0
           AND j.started_at IS NOT NULL AND j.finished_at IS NOT NULL
         ORDER BY j.id DESC LIMIT ?`,
      )
      .all(kind, limit) as {
      iterations: number;
      ms: number;
      hidden: string;
      density: number;
      inputDim: number;
    }[];
    return rows.map((row) => ({ ...row, hidden: JSON.parse(row.hidden) as number[] }));
  }

  /** A finished training's path and measured ms per optimiser step (its last phase's). */
  setTrained(id: number, trainer: TrainerName, msPerIteration: number | null): void {
    this.db
      .prepare('UPDATE jobs SET trainer = ?, ms_per_iteration = ? WHERE id = ?')
      .run(trainer, msPerIteration, id);
  }

  /** Where the job's current run trains: a remote worker's name, or LOCAL_WORKER. */
  setWorker(id: number, worker: string): void {
    this.db.prepare('UPDATE jobs SET worker = ? WHERE id = ?').run(worker, id);
  }

  /** A finished training's test accuracy, shown in job lists. */
  setAccuracy(id: number, accuracy: number): void {
    this.db.prepare('UPDATE jobs SET accuracy = ? WHERE id = ?').run(accuracy, id);
  }

  /**
   * The jobs of a project's, an experiment's or one model's models, and those of its
   * experiments (measure jobs of an experiment may have no model yet).
   */
  idsUnder(owner: 'project' | 'experiment' | 'model', id: number): number[] {
    const column =
      owner === 'project' ? 'project_id' : owner === 'experiment' ? 'experiment_id' : 'id';
    const rows =
      owner === 'model'
        ? this.db
            .prepare(`SELECT j.id FROM jobs j JOIN models m ON m.id = j.model_id WHERE m.id = ?`)
            .all(id)
        : this.db
            .prepare(
              `SELECT j.id FROM jobs j JOIN models m ON m.id = j.model_id WHERE m.${column} = ?
               UNION SELECT j.id FROM jobs j JOIN experiments e ON e.id = j.experiment_id
                 WHERE e.${owner === 'project' ? 'project_id' : 'id'} = ?`,
            )
            .all(id, id);
    return (rows as { id: number }[]).map((row) => row.id);
  }

  setResumeState(id: number, state: Buffer | null): void {
    this.db.prepare('UPDATE jobs SET resume_state = ? WHERE id = ?').run(state, id);
  }

  resumeState(id: number): Buffer | null {
    const row = this.db.prepare('SELECT resume_state FROM jobs WHERE id = ?').get(id) as
      { resume_state: Buffer | null } | undefined;
    return row?.resume_state ?? null;
  }

  /**
   * Jobs a previous process left running (it crashed or was killed) go back to the queue;
   * their resume state and stored results stay. Returns how many.
   */
  requeueInterrupted(): number {
    return this.db.prepare("UPDATE jobs SET state = 'queued' WHERE state = 'running'").run()
      .changes;
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }
}
