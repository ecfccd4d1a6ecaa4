import type { ProjectSummary } from '../../src-shared/api/dto.ts';
import type { Db } from './database.ts';
import { NotFoundError } from './errors.ts';
import { HIDDEN_EXPERIMENTS } from './experiments.ts';

interface ProjectRow {
  id: number;
  name: string;
  description: string;
  notes: string;
  created_at: number;
  experiment_count: number;
  model_count: number;
}

const SELECT = `
  SELECT p.*,
    (SELECT count(*) FROM experiments e WHERE e.project_id = p.id AND e.creating = 0)
      AS experiment_count,
    (SELECT count(*) FROM models m WHERE m.project_id = p.id
      AND (m.experiment_id IS NULL OR m.experiment_id NOT IN (${HIDDEN_EXPERIMENTS})))
      AS model_count
  FROM projects p`;

function toSummary(row: ProjectRow): ProjectSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    notes: row.notes,
    createdAt: row.created_at,
    experimentCount: row.experiment_count,
    modelCount: row.model_count,
  };
}

export class ProjectRepository {
  constructor(private readonly db: Db) {}

  list(): ProjectSummary[] {
    return (this.db.prepare(`${SELECT} ORDER BY p.id`).all() as ProjectRow[]).map(toSummary);
  }

  find(id: number): ProjectSummary | null {
    const row = this.db.prepare(`${SELECT} WHERE p.id = ?`).get(id) as ProjectRow | undefined;
    return row ? toSummary(row) : null;
  }

  get(id: number): ProjectSummary {
    const project = this.find(id);
    if (!project) throw new NotFoundError('project', id);
    return project;
  }

  create(name: string, description = '', notes = '', createdAt = Date.now()): number {
    return Number(
      this.db
        .prepare('INSERT INTO projects (name, description, notes, created_at) VALUES (?, ?, ?, ?)')
        .run(name, description, notes, createdAt).lastInsertRowid,
    );
  }

  rename(id: number, name: string): void {
    this.changeOne('UPDATE projects SET name = ? WHERE id = ?', id, name);
  }

  setNotes(id: number, notes: string): void {
    this.changeOne('UPDATE projects SET notes = ? WHERE id = ?', id, notes);
  }

  /** Deletes the project; experiments, models, checkpoints, results and jobs cascade. */
  delete(id: number): void {
    this.changeOne('DELETE FROM projects WHERE id = ?', id);
  }

  private changeOne(sql: string, id: number, ...values: unknown[]): void {
    if (this.db.prepare(sql).run(...values, id).changes === 0)
      throw new NotFoundError('project', id);
  }
}
