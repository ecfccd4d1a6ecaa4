import type { ExperimentSpec, ExperimentSummary, JobState } from '../../src-shared/api/dto.ts';
import type { Db } from './database.ts';
import { NotFoundError } from './errors.ts';

interface ExperimentRow {
  id: number;
  project_id: number;
  name: string;
  spec: string;
  plane_set_id: number | null;
  created_at: number;
  model_count: number;
}

/** Rows under an experiment still being created are hidden from every listing. */
export const HIDDEN_EXPERIMENTS = 'SELECT id FROM experiments WHERE creating = 1';

const SELECT = `
  SELECT e.*, (SELECT count(*) FROM models m WHERE m.experiment_id = e.id) AS model_count
  FROM (SELECT * FROM experiments WHERE creating = 0) e`;

const STATES: readonly JobState[] = ['queued', 'running', 'paused', 'done', 'failed', 'cancelled'];

export class ExperimentRepository {
  constructor(private readonly db: Db) {}

  private toSummary(row: ExperimentRow): ExperimentSummary {
    const jobCounts = Object.fromEntries(STATES.map((state) => [state, 0])) as Record<
      JobState,
      number
    >;
    const counts = this.db
      .prepare('SELECT state, count(*) AS n FROM jobs WHERE experiment_id = ? GROUP BY state')
      .all(row.id) as { state: JobState; n: number }[];
    for (const { state, n } of counts) jobCounts[state] = n;
    return {
      id: row.id,
      projectId: row.project_id,
      name: row.name,
      spec: JSON.parse(row.spec) as ExperimentSpec,
      createdAt: row.created_at,
      modelCount: row.model_count,
      planeSetId: row.plane_set_id,
      jobCounts,
    };
  }

  list(projectId?: number): ExperimentSummary[] {
    const rows = (
      projectId === undefined
        ? this.db.prepare(`${SELECT} ORDER BY e.id`).all()
        : this.db.prepare(`${SELECT} WHERE e.project_id = ? ORDER BY e.id`).all(projectId)
    ) as ExperimentRow[];
    return rows.map((row) => this.toSummary(row));
  }

  get(id: number): ExperimentSummary {
    const row = this.db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as ExperimentRow | undefined;
    if (!row) throw new NotFoundError('experiment', id);
    return this.toSummary(row);
  }

  create(
    projectId: number,
    spec: ExperimentSpec,
    planeSetId: number | null,
    createdAt = Date.now(),
  ): number {
    return Number(
      this.db
        .prepare(
          'INSERT INTO experiments (project_id, name, spec, plane_set_id, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(projectId, spec.name, JSON.stringify(spec), planeSetId, createdAt).lastInsertRowid,
    );
  }

  /** A new experiment hidden until `reveal` (its models and jobs are written meanwhile). */
  createHidden(projectId: number, spec: ExperimentSpec, planeSetId: number | null): number {
    const id = this.create(projectId, spec, planeSetId);
    this.db.prepare('UPDATE experiments SET creating = 1 WHERE id = ?').run(id);
    return id;
  }

  /** Makes a hidden experiment visible with all its rows; false if it is gone (removed). */
  reveal(id: number): boolean {
    return (
      this.db.prepare('UPDATE experiments SET creating = 0 WHERE id = ? AND creating = 1').run(id)
        .changes === 1
    );
  }

  /**
   * Removes hidden experiments with their models and jobs (cascades): the one given, or
   * every one (a lab opening after a crash mid-creation). Returns how many.
   */
  removeHidden(id?: number): number {
    return id === undefined
      ? this.db.prepare('DELETE FROM experiments WHERE creating = 1').run().changes
      : this.db.prepare('DELETE FROM experiments WHERE id = ? AND creating = 1').run(id).changes;
  }

  rename(id: number, name: string): void {
    const row = this.db.prepare('SELECT spec FROM experiments WHERE id = ?').get(id) as
      { spec: string } | undefined;
    if (!row) throw new NotFoundError('experiment', id);
    const spec = { ...(JSON.parse(row.spec) as ExperimentSpec), name };
    this.db
      .prepare('UPDATE experiments SET name = ?, spec = ? WHERE id = ?')
      .run(name, JSON.stringify(spec), id);
  }

  delete(id: number): void {
    if (this.db.prepare('DELETE FROM experiments WHERE id = ?').run(id).changes === 0) {
      throw new NotFoundError('experiment', id);
    }
  }
}
