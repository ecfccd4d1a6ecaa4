/** Metadata of user-imported datasets (their numbers live in the dataset cache folder). */
import type { DatasetSummary } from '../../src-shared/api/dto.ts';
import type { Db } from './database.ts';

interface DatasetRow {
  id: string;
  name: string;
  input_dim: number;
  class_count: number;
  class_names: string;
  train_count: number;
  test_count: number;
  input_low: number;
  input_high: number;
}

export class DatasetRepository {
  constructor(private readonly db: Db) {}

  list(): DatasetSummary[] {
    return (
      this.db.prepare('SELECT * FROM datasets ORDER BY created_at, id').all() as DatasetRow[]
    ).map((row) => ({
      id: row.id,
      name: row.name,
      inputDim: row.input_dim,
      classCount: row.class_count,
      classNames: JSON.parse(row.class_names) as string[],
      trainCount: row.train_count,
      testCount: row.test_count,
      builtin: false,
      inputBox: { low: row.input_low, high: row.input_high },
    }));
  }

  /** The models filed under a dataset (built-in or imported), by id. */
  users(id: string): { id: number; name: string }[] {
    return this.db
      .prepare('SELECT id, name FROM models WHERE dataset_id = ? ORDER BY id')
      .all(id) as { id: number; name: string }[];
  }

  /**
   * Deletes an imported dataset's row and the plane sets drawn from it (experiments that
   * named one keep no plane set); call inside a transaction, after checking users().
   */
  delete(id: string): void {
    this.db.prepare('DELETE FROM plane_sets WHERE dataset_id = ?').run(id);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  }

  put(summary: DatasetSummary, createdAt = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO datasets (id, name, input_dim, class_count, class_names, train_count,
           test_count, input_low, input_high, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, input_dim = excluded.input_dim,
           class_count = excluded.class_count, class_names = excluded.class_names,
           train_count = excluded.train_count, test_count = excluded.test_count,
           input_low = excluded.input_low, input_high = excluded.input_high`,
      )
      .run(
        summary.id,
        summary.name,
        summary.inputDim,
        summary.classCount,
        JSON.stringify(summary.classNames),
        summary.trainCount,
        summary.testCount,
        summary.inputBox.low,
        summary.inputBox.high,
        createdAt,
      );
  }
}

/** Small key → JSON facts (measured training speed per backend, …). */
export class SettingsRepository {
  /**
   * Settings a read-only zoo was asked to change (a plan's calibration, the probed backend):
   * kept for this process only, since a reader never writes the database.
   */
  private readonly unsaved = new Map<string, string>();

  constructor(private readonly db: Db) {}

  get<T>(key: string): T | null {
    const kept = this.unsaved.get(key);
    if (kept !== undefined) return JSON.parse(kept) as T;
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  set(key: string, value: unknown): void {
    if (this.db.readonly) {
      this.unsaved.set(key, JSON.stringify(value));
      return;
    }
    this.db
      .prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  }
}
