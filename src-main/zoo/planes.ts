/**
 * Plane sets: K planes drawn from a seed by a rule (how the three spanning points are
 * chosen, in canonical text: src-shared/model/plane-rule.ts) for one dataset, stored once
 * and shared by every model compared on them. A plane keeps its three spanning samples (test-split indices and
 * labels) and its geometry (origin, u, v in input space; domain and points in plane
 * coordinates) as Float64 blobs.
 */
import type { PlaneSetSummary, PlaneSummary } from '../../src-shared/api/dto.ts';
import { blob, float64 } from './blobs.ts';
import type { Db } from './database.ts';
import { NotFoundError } from './errors.ts';

export interface StoredPlane extends PlaneSummary {
  origin: Float64Array;
  u: Float64Array;
  v: Float64Array;
}

export type StoredPlaneSet = Omit<PlaneSetSummary, 'planes'> & { planes: StoredPlane[] };

export interface PlaneSetKey {
  datasetId: string;
  count: number;
  seed: number;
  clip: boolean;
  /** The rule's canonical text ('random-classes', 'classes:0,1,9', 'samples:12,40,7'). */
  rule: string;
}

interface PlaneSetRow {
  id: number;
  dataset_id: string;
  seed: number;
  count: number;
  clip: number;
  rule: string;
  created_at: number;
}

interface PlaneRow {
  idx: number;
  sample0: number;
  sample1: number;
  sample2: number;
  label0: number;
  label1: number;
  label2: number;
  origin: Buffer;
  u: Buffer;
  v: Buffer;
  domain: Buffer;
  points: Buffer;
}

function toPlane(row: PlaneRow): StoredPlane {
  return {
    index: row.idx,
    sampleIndices: [row.sample0, row.sample1, row.sample2],
    labels: [row.label0, row.label1, row.label2],
    points: float64(row.points, 'points'),
    domain: float64(row.domain, 'domain'),
    origin: float64(row.origin, 'origin'),
    u: float64(row.u, 'u'),
    v: float64(row.v, 'v'),
  };
}

/** The plane as the api shows it (no input-space vectors: they are large and not drawn). */
export function planeSummary(plane: StoredPlane): PlaneSummary {
  return {
    index: plane.index,
    sampleIndices: plane.sampleIndices,
    labels: plane.labels,
    points: plane.points,
    domain: plane.domain,
  };
}

export class PlaneSetRepository {
  constructor(private readonly db: Db) {}

  findByKey(key: PlaneSetKey): number | null {
    const row = this.db
      .prepare(
        'SELECT id FROM plane_sets WHERE dataset_id = ? AND count = ? AND seed = ? AND clip = ? AND rule = ?',
      )
      .get(key.datasetId, key.count, key.seed, key.clip ? 1 : 0, key.rule) as
      { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Stores a plane set with all its planes. Call inside a transaction. */
  create(key: PlaneSetKey, planes: readonly StoredPlane[], createdAt = Date.now()): number {
    if (planes.length !== key.count) {
      throw new Error(`plane set of ${key.count} planes given ${planes.length}`);
    }
    const id = Number(
      this.db
        .prepare(
          'INSERT INTO plane_sets (dataset_id, seed, count, clip, rule, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(key.datasetId, key.seed, key.count, key.clip ? 1 : 0, key.rule, createdAt)
        .lastInsertRowid,
    );
    const insert = this.db.prepare(
      `INSERT INTO planes (plane_set_id, idx, sample0, sample1, sample2, label0, label1, label2,
        origin, u, v, domain, points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const plane of planes) {
      insert.run(
        id,
        plane.index,
        ...plane.sampleIndices,
        ...plane.labels,
        blob(plane.origin),
        blob(plane.u),
        blob(plane.v),
        blob(plane.domain),
        blob(plane.points),
      );
    }
    return id;
  }

  get(id: number): StoredPlaneSet {
    const row = this.db.prepare('SELECT * FROM plane_sets WHERE id = ?').get(id) as
      PlaneSetRow | undefined;
    if (!row) throw new NotFoundError('plane set', id);
    return this.toSummary(row);
  }

  plane(planeSetId: number, index: number): StoredPlane {
    const row = this.db
      .prepare('SELECT * FROM planes WHERE plane_set_id = ? AND idx = ?')
      .get(planeSetId, index) as PlaneRow | undefined;
    if (!row) {
      this.get(planeSetId);
      throw new NotFoundError(`plane in plane set ${planeSetId} with index`, index);
    }
    return toPlane(row);
  }

  list(datasetId?: string): StoredPlaneSet[] {
    const rows = (
      datasetId === undefined
        ? this.db.prepare('SELECT * FROM plane_sets ORDER BY id').all()
        : this.db
            .prepare('SELECT * FROM plane_sets WHERE dataset_id = ? ORDER BY id')
            .all(datasetId)
    ) as PlaneSetRow[];
    return rows.map((row) => this.toSummary(row));
  }

  private toSummary(row: PlaneSetRow): StoredPlaneSet {
    const planes = (
      this.db
        .prepare('SELECT * FROM planes WHERE plane_set_id = ? ORDER BY idx')
        .all(row.id) as PlaneRow[]
    ).map(toPlane);
    return {
      id: row.id,
      datasetId: row.dataset_id,
      seed: row.seed,
      clip: row.clip === 1,
      rule: row.rule,
      planes,
      createdAt: row.created_at,
    };
  }
}
