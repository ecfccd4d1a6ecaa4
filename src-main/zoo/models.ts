import type {
  ArchitectureFamily,
  Backend,
  ModelSummary,
  PruningScheme,
  TrainerName,
} from '../../src-shared/api/dto.ts';
import type { Db } from './database.ts';
import { NotFoundError } from './errors.ts';
import { HIDDEN_EXPERIMENTS } from './experiments.ts';

/** What a model is, as stored; everything but the trained numbers. */
export interface ModelRecord {
  projectId: number;
  experimentId: number | null;
  name: string;
  family: ArchitectureFamily;
  hidden: number[];
  inputDim: number;
  classCount: number;
  density: number;
  hnps: number;
  hnpLevel: number | null;
  seed: number;
  pruning: PruningScheme;
  datasetId: string;
  backend: Backend | null;
  /** The training path that trained it; null for an untrained or imported-untrained model. */
  trainer?: TrainerName | null;
  iterations: number;
  notes: string;
  createdAt: number;
}

interface ModelRow {
  id: number;
  project_id: number;
  experiment_id: number | null;
  name: string;
  family: ArchitectureFamily;
  hidden: string;
  input_dim: number;
  class_count: number;
  density: number;
  hnps: number;
  hnp_level: number | null;
  seed: number;
  pruning: string;
  dataset_id: string;
  backend: Backend | null;
  trainer: TrainerName | null;
  iterations: number;
  notes: string;
  created_at: number;
  tags: string | null;
  accuracy: number | null;
  loss: number | null;
  checkpoint_count: number;
}

const SELECT = `
  SELECT m.*,
    (SELECT group_concat(t.name, char(31)) FROM model_tags mt JOIN tags t ON t.id = mt.tag_id
      WHERE mt.model_id = m.id) AS tags,
    (SELECT accuracy FROM metrics x WHERE x.model_id = m.id ORDER BY iteration DESC LIMIT 1)
      AS accuracy,
    (SELECT loss FROM metrics x WHERE x.model_id = m.id ORDER BY iteration DESC LIMIT 1) AS loss,
    (SELECT count(*) FROM checkpoints c WHERE c.model_id = m.id) AS checkpoint_count
  FROM (SELECT * FROM models WHERE experiment_id IS NULL
          OR experiment_id NOT IN (${HIDDEN_EXPERIMENTS})) m`;

export interface ModelFilter {
  projectId?: number;
  experimentId?: number;
  search?: string;
  tag?: string;
}

export interface StoredModel extends ModelSummary {
  inputDim: number;
  classCount: number;
  hnpLevel: number | null;
  iterations: number;
}

function toModel(row: ModelRow): StoredModel {
  return {
    id: row.id,
    projectId: row.project_id,
    experimentId: row.experiment_id,
    name: row.name,
    family: row.family,
    hidden: JSON.parse(row.hidden) as number[],
    density: row.density,
    hnps: row.hnps,
    seed: row.seed,
    datasetId: row.dataset_id,
    pruning: JSON.parse(row.pruning) as PruningScheme,
    backend: row.backend,
    trainer: row.trainer,
    tags: row.tags ? row.tags.split('\u001f').sort() : [],
    notes: row.notes,
    createdAt: row.created_at,
    accuracy: row.accuracy,
    loss: row.loss,
    checkpointCount: row.checkpoint_count,
    inputDim: row.input_dim,
    classCount: row.class_count,
    hnpLevel: row.hnp_level,
    iterations: row.iterations,
  };
}

/** The summary part only, as the api returns it. */
export function modelSummary(model: StoredModel): ModelSummary {
  const { inputDim: _i, classCount: _c, hnpLevel: _h, iterations: _n, ...summary } = model;
  return summary;
}

export class ModelRepository {
  constructor(private readonly db: Db) {}

  create(record: ModelRecord): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO models (project_id, experiment_id, name, family, hidden, input_dim,
            class_count, density, hnps, hnp_level, seed, pruning, dataset_id, backend,
            trainer, iterations, notes, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.projectId,
          record.experimentId,
          record.name,
          record.family,
          JSON.stringify(record.hidden),
          record.inputDim,
          record.classCount,
          record.density,
          record.hnps,
          record.hnpLevel,
          record.seed,
          JSON.stringify(record.pruning),
          record.datasetId,
          record.backend,
          record.trainer ?? null,
          record.iterations,
          record.notes,
          record.createdAt,
        ).lastInsertRowid,
    );
  }

  find(id: number): StoredModel | null {
    const row = this.db.prepare(`${SELECT} WHERE m.id = ?`).get(id) as ModelRow | undefined;
    return row ? toModel(row) : null;
  }

  get(id: number): StoredModel {
    const model = this.find(id);
    if (!model) throw new NotFoundError('model', id);
    return model;
  }

  list(filter: ModelFilter = {}): StoredModel[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.projectId !== undefined) {
      where.push('m.project_id = ?');
      values.push(filter.projectId);
    }
    if (filter.experimentId !== undefined) {
      where.push('m.experiment_id = ?');
      values.push(filter.experimentId);
    }
    if (filter.search) {
      where.push("(m.name LIKE ? ESCAPE '\\' OR m.notes LIKE ? ESCAPE '\\')");
      const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      values.push(pattern, pattern);
    }
    if (filter.tag) {
      where.push(
        'EXISTS (SELECT 1 FROM model_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.model_id = m.id AND t.name = ?)',
      );
      values.push(filter.tag);
    }
    const sql = `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY m.id`;
    return (this.db.prepare(sql).all(...values) as ModelRow[]).map(toModel);
  }

  rename(id: number, name: string): void {
    this.changeOne('UPDATE models SET name = ? WHERE id = ?', id, name);
  }

  setNotes(id: number, notes: string): void {
    this.changeOne('UPDATE models SET notes = ? WHERE id = ?', id, notes);
  }

  setBackend(id: number, backend: Backend): void {
    this.changeOne('UPDATE models SET backend = ? WHERE id = ?', id, backend);
  }

  /** A finished training: the iterations it ran and the backend and path that ran them. */
  setTrained(id: number, iterations: number, backend: Backend, trainer: TrainerName): void {
    this.db
      .prepare('UPDATE models SET iterations = ?, backend = ?, trainer = ? WHERE id = ?')
      .run(iterations, backend, trainer, id);
  }

  /** Records the path and backend that are training (then trained) the model. */
  setTrainer(id: number, trainer: TrainerName, backend: Backend): void {
    this.changeOne('UPDATE models SET trainer = ?, backend = ? WHERE id = ?', id, trainer, backend);
  }

  /** Replaces the model's tags; unused tags are dropped. Call inside a transaction. */
  setTags(id: number, tags: readonly string[]): void {
    this.get(id);
    this.db.prepare('DELETE FROM model_tags WHERE model_id = ?').run(id);
    const insertTag = this.db.prepare('INSERT OR IGNORE INTO tags (name) VALUES (?)');
    const link = this.db.prepare(
      'INSERT OR IGNORE INTO model_tags (model_id, tag_id) SELECT ?, id FROM tags WHERE name = ?',
    );
    for (const tag of tags) {
      insertTag.run(tag);
      link.run(id, tag);
    }
    this.dropUnusedTags();
  }

  delete(id: number): void {
    this.changeOne('DELETE FROM models WHERE id = ?', id);
    this.dropUnusedTags();
  }

  dropUnusedTags(): void {
    this.db
      .prepare('DELETE FROM tags WHERE id NOT IN (SELECT DISTINCT tag_id FROM model_tags)')
      .run();
  }

  private changeOne(sql: string, id: number, ...values: unknown[]): void {
    if (this.db.prepare(sql).run(...values, id).changes === 0) throw new NotFoundError('model', id);
  }
}
