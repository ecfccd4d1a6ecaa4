/**
 * Where imported models came from (migration 5): format, file name, SHA-256 and the
 * reader's notes, one row per imported model, deleted with it.
 */
import type { ModelSource, ModelSourceFormat } from '../../src-shared/api/model-files.ts';
import type { Db } from './database.ts';

interface SourceRow {
  format: ModelSourceFormat;
  file_name: string;
  sha256: string;
  notes: string;
  imported_at: number;
}

export class ModelSourceRepository {
  constructor(private readonly db: Db) {}

  put(modelId: number, source: ModelSource): void {
    this.db
      .prepare(
        `INSERT INTO model_sources (model_id, format, file_name, sha256, notes, imported_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (model_id) DO UPDATE SET format = excluded.format,
           file_name = excluded.file_name, sha256 = excluded.sha256, notes = excluded.notes,
           imported_at = excluded.imported_at`,
      )
      .run(
        modelId,
        source.format,
        source.fileName,
        source.sha256,
        JSON.stringify(source.notes),
        source.importedAt,
      );
  }

  get(modelId: number): ModelSource | null {
    const row = this.db.prepare('SELECT * FROM model_sources WHERE model_id = ?').get(modelId) as
      SourceRow | undefined;
    if (!row) return null;
    return {
      format: row.format,
      fileName: row.file_name,
      sha256: row.sha256,
      notes: JSON.parse(row.notes) as string[],
      importedAt: row.imported_at,
    };
  }
}
