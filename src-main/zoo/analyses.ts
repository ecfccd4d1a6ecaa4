/**
 * Results of the data analyses of a checkpoint (unique patterns, appendix E; decision
 * trees, appendix D), as JSON per (checkpoint, dataset, split, kind, options). They are
 * exact and deterministic, so a stored result is the answer until the checkpoint goes.
 */
import type { Db } from './database.ts';

export type AnalysisKind = 'patterns' | 'tree';
export type Split = 'train' | 'test';

export interface AnalysisKey {
  checkpointId: number;
  datasetId: string;
  split: Split;
  kind: AnalysisKind;
  /** Canonical JSON of the options that change the result. */
  options: string;
}

export class AnalysisRepository {
  constructor(private readonly db: Db) {}

  get<T>(key: AnalysisKey): T | null {
    const row = this.db
      .prepare(
        `SELECT result FROM analyses
         WHERE checkpoint_id = ? AND dataset_id = ? AND split = ? AND kind = ? AND options = ?`,
      )
      .get(key.checkpointId, key.datasetId, key.split, key.kind, key.options) as
      { result: string } | undefined;
    return row ? (JSON.parse(row.result) as T) : null;
  }

  put(key: AnalysisKey, result: unknown): void {
    this.db
      .prepare(
        `INSERT INTO analyses (checkpoint_id, dataset_id, split, kind, options, result, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (checkpoint_id, dataset_id, split, kind, options) DO UPDATE SET
           result = excluded.result, created_at = excluded.created_at`,
      )
      .run(
        key.checkpointId,
        key.datasetId,
        key.split,
        key.kind,
        key.options,
        JSON.stringify(result),
        Date.now(),
      );
  }
}
