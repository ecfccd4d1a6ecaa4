/**
 * Saved compare views: a named state of the compare view per project, stored as JSON;
 * at most one per project is the default (the view Compare opens with).
 */
import {
  compareViewStateSchema,
  type CompareViewState,
  type CompareViewSummary,
} from '../../src-shared/api/compare-view.ts';
import type { Db } from './database.ts';
import { NotFoundError } from './errors.ts';

interface ViewRow {
  id: number;
  project_id: number;
  name: string;
  state: string;
  is_default: number;
  updated_at: number;
}

function toSummary(row: ViewRow): CompareViewSummary {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    isDefault: row.is_default === 1,
    // Parsed again so that a view saved by an older lab gets today's defaults.
    state: compareViewStateSchema.parse(JSON.parse(row.state) as unknown, `view "${row.name}"`),
    updatedAt: row.updated_at,
  };
}

export class CompareViewRepository {
  constructor(private readonly db: Db) {}

  list(projectId: number): CompareViewSummary[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM compare_views WHERE project_id = ? ORDER BY name COLLATE NOCASE, id',
        )
        .all(projectId) as ViewRow[]
    ).map(toSummary);
  }

  get(id: number): CompareViewSummary {
    const row = this.db.prepare('SELECT * FROM compare_views WHERE id = ?').get(id) as
      ViewRow | undefined;
    if (!row) throw new NotFoundError('view', id);
    return toSummary(row);
  }

  /** Creates the view, or replaces the state of the project's view of that name; returns its id. */
  save(projectId: number, name: string, state: CompareViewState, now = Date.now()): number {
    const row = this.db
      .prepare(
        `INSERT INTO compare_views (project_id, name, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (project_id, name) DO UPDATE SET
           state = excluded.state, updated_at = excluded.updated_at
         RETURNING id`,
      )
      .get(projectId, name, JSON.stringify(state), now, now) as { id: number };
    return row.id;
  }

  /** Makes `id` the project's default view (null: no default); one statement pair, one transaction. */
  setDefault(projectId: number, id: number | null): void {
    this.db.transaction(() => {
      if (id !== null) {
        const row = this.db.prepare('SELECT project_id FROM compare_views WHERE id = ?').get(id) as
          { project_id: number } | undefined;
        if (!row || row.project_id !== projectId) throw new NotFoundError('view', id);
      }
      this.db
        .prepare('UPDATE compare_views SET is_default = 0 WHERE project_id = ? AND is_default = 1')
        .run(projectId);
      if (id !== null)
        this.db.prepare('UPDATE compare_views SET is_default = 1 WHERE id = ?').run(id);
    })();
  }

  delete(id: number): void {
    if (this.db.prepare('DELETE FROM compare_views WHERE id = ?').run(id).changes === 0)
      throw new NotFoundError('view', id);
  }
}
