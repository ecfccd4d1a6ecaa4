/**
 * MBH results: one measurement per (checkpoint, plane set, plane, phenomenon, cP, scope)
 * and one region count per (checkpoint, plane set, plane). Upserts keyed by those tuples,
 * so measuring again (or resuming a measure job that crashed) never duplicates a row.
 */
import type { MeasurementRow, RegionCountRow } from '../../src-shared/api/dto.ts';
import type { Db } from './database.ts';

export interface NewMeasurement {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  phenomenon: string;
  cp: number;
  scope: string;
  s: number;
  blanketArea: number;
  domainArea: number;
  constraints: number;
  coverage: number;
}

export interface NewRegionCount {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  regions: number;
  domainArea: number;
  ms: number;
}

const MEASUREMENT_COLUMNS = `m.checkpoint_id AS checkpointId, c.iteration, m.plane_set_id AS planeSetId,
  m.plane, m.phenomenon, m.cp, m.s, m.blanket_area AS blanketArea, m.domain_area AS domainArea,
  m.constraints, m.coverage`;

const REGION_COLUMNS = `r.checkpoint_id AS checkpointId, c.iteration, r.plane_set_id AS planeSetId,
  r.plane, r.regions, r.domain_area AS domainArea`;

export class MeasurementRepository {
  constructor(private readonly db: Db) {}

  /** Stores measurements; call inside a transaction for many rows. */
  put(rows: readonly NewMeasurement[]): void {
    const insert = this.db.prepare(
      `INSERT INTO measurements (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope, s,
         blanket_area, domain_area, constraints, coverage)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope) DO UPDATE SET
         s = excluded.s, blanket_area = excluded.blanket_area, domain_area = excluded.domain_area,
         constraints = excluded.constraints, coverage = excluded.coverage`,
    );
    for (const row of rows) {
      insert.run(
        row.checkpointId,
        row.planeSetId,
        row.plane,
        row.phenomenon,
        row.cp,
        row.scope,
        row.s,
        row.blanketArea,
        row.domainArea,
        row.constraints,
        row.coverage,
      );
    }
  }

  putRegionCounts(rows: readonly NewRegionCount[]): void {
    const insert = this.db.prepare(
      `INSERT INTO region_counts (checkpoint_id, plane_set_id, plane, regions, domain_area, ms)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (checkpoint_id, plane_set_id, plane) DO UPDATE SET
         regions = excluded.regions, domain_area = excluded.domain_area, ms = excluded.ms`,
    );
    for (const row of rows) {
      insert.run(row.checkpointId, row.planeSetId, row.plane, row.regions, row.domainArea, row.ms);
    }
  }

  /** Measurements of every checkpoint of a model, in the given scope (all scopes if absent). */
  forModel(modelId: number, planeSetId?: number, scope?: string): MeasurementRow[] {
    const where = ['c.model_id = ?'];
    const values: unknown[] = [modelId];
    if (planeSetId !== undefined) {
      where.push('m.plane_set_id = ?');
      values.push(planeSetId);
    }
    if (scope !== undefined) {
      where.push('m.scope = ?');
      values.push(scope);
    }
    return this.db
      .prepare(
        // CROSS JOIN keeps this join order: the model's few checkpoints, then their rows by
        // primary key. Left to choose, SQLite walks every row of the plane set (shared by all
        // models of an experiment), which made Compare quadratic in the number of models.
        `SELECT ${MEASUREMENT_COLUMNS} FROM checkpoints c CROSS JOIN measurements m ON c.id = m.checkpoint_id
         WHERE ${where.join(' AND ')} ORDER BY c.iteration, m.plane_set_id, m.plane, m.phenomenon, m.cp`,
      )
      .all(...values) as MeasurementRow[];
  }

  regionCountsForModel(modelId: number, planeSetId?: number): RegionCountRow[] {
    const extra = planeSetId === undefined ? '' : ' AND r.plane_set_id = ?';
    const values = planeSetId === undefined ? [modelId] : [modelId, planeSetId];
    return this.db
      .prepare(
        // CROSS JOIN: the model's checkpoints first (see forModel).
        `SELECT ${REGION_COLUMNS} FROM checkpoints c CROSS JOIN region_counts r ON c.id = r.checkpoint_id
         WHERE c.model_id = ?${extra} ORDER BY c.iteration, r.plane_set_id, r.plane`,
      )
      .all(...values) as RegionCountRow[];
  }

  /** Every measurement of a model, all columns, keyed by iteration (for bundles). */
  exportRows(modelId: number): (Omit<NewMeasurement, 'checkpointId'> & { iteration: number })[] {
    return this.db
      .prepare(
        `SELECT c.iteration, m.plane_set_id AS planeSetId, m.plane, m.phenomenon, m.cp, m.scope,
           m.s, m.blanket_area AS blanketArea, m.domain_area AS domainArea, m.constraints,
           m.coverage
         FROM measurements m JOIN checkpoints c ON c.id = m.checkpoint_id WHERE c.model_id = ?
         ORDER BY c.iteration, m.plane_set_id, m.plane, m.scope, m.phenomenon, m.cp`,
      )
      .all(modelId) as (Omit<NewMeasurement, 'checkpointId'> & { iteration: number })[];
  }

  /** Every region count of a model, all columns, keyed by iteration (for bundles). */
  exportRegionCounts(
    modelId: number,
  ): (Omit<NewRegionCount, 'checkpointId'> & { iteration: number })[] {
    return this.db
      .prepare(
        `SELECT c.iteration, r.plane_set_id AS planeSetId, r.plane, r.regions,
           r.domain_area AS domainArea, r.ms
         FROM region_counts r JOIN checkpoints c ON c.id = r.checkpoint_id WHERE c.model_id = ?
         ORDER BY c.iteration, r.plane_set_id, r.plane`,
      )
      .all(modelId) as (Omit<NewRegionCount, 'checkpointId'> & { iteration: number })[];
  }

  /** How many planes of a plane set already have a region count for a checkpoint. */
  measuredPlanes(checkpointId: number, planeSetId: number): Set<number> {
    const rows = this.db
      .prepare('SELECT plane FROM region_counts WHERE checkpoint_id = ? AND plane_set_id = ?')
      .all(checkpointId, planeSetId) as { plane: number }[];
    return new Set(rows.map((row) => row.plane));
  }

  /**
   * Whether a plane is fully measured for a checkpoint: its region count is stored and
   * every cP of `cps` has measurements in `scope`. (Both are written in one transaction.)
   */
  isPlaneMeasured(
    checkpointId: number,
    planeSetId: number,
    plane: number,
    scope: string,
    cps: readonly number[],
  ): boolean {
    const counted = this.db
      .prepare(
        'SELECT 1 FROM region_counts WHERE checkpoint_id = ? AND plane_set_id = ? AND plane = ?',
      )
      .get(checkpointId, planeSetId, plane);
    if (!counted) return false;
    const row = this.db
      .prepare(
        `SELECT count(DISTINCT cp) AS n FROM measurements
         WHERE checkpoint_id = ? AND plane_set_id = ? AND plane = ? AND scope = ?
           AND cp IN (${cps.map(() => '?').join(',')})`,
      )
      .get(checkpointId, planeSetId, plane, scope, ...cps) as { n: number };
    return row.n === cps.length;
  }
}
