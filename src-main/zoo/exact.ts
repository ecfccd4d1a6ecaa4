/**
 * Exact maximal patterns (appendix C.1) and their s per plane. A pattern depends on the
 * checkpoint and its data only, so it is stored once and reused by every plane set and by
 * the plane viewer; s per plane sits beside the greedy measurements, keyed the same way.
 */
import type { ExactPatternMessage } from '../analyses/exact-protocol.ts';
import type { Db } from './database.ts';

export interface NewExactMeasurement {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  phenomenon: string;
  cp: number;
  scope: string;
  s: number;
  blanketArea: number;
  constraints: number;
  coverage: number;
  optimal: boolean;
}

export interface ExactMeasurementRow extends Omit<NewExactMeasurement, 'scope'> {
  iteration: number;
}

interface PatternRow {
  phenomenon: string;
  cp: number;
  neurons: Buffer;
  states: Buffer;
  constraints: number;
  coverage: number;
  optimal: number;
  greedyConstraints: number;
  ms: number;
}

export class ExactRepository {
  constructor(private readonly db: Db) {}

  /** Stores exact patterns (replacing earlier ones of the same cell). */
  putPatterns(
    checkpointId: number,
    scope: string,
    timeLimit: number,
    patterns: readonly ExactPatternMessage[],
  ): void {
    const insert = this.db.prepare(
      `INSERT INTO exact_patterns (checkpoint_id, phenomenon, cp, scope, neurons, states,
         constraints, coverage, optimal, greedy_constraints, time_limit, ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (checkpoint_id, phenomenon, cp, scope) DO UPDATE SET
         neurons = excluded.neurons, states = excluded.states, constraints = excluded.constraints,
         coverage = excluded.coverage, optimal = excluded.optimal,
         greedy_constraints = excluded.greedy_constraints, time_limit = excluded.time_limit,
         ms = excluded.ms`,
    );
    for (const pattern of patterns) {
      insert.run(
        checkpointId,
        pattern.phenomenon,
        pattern.cp,
        scope,
        Buffer.from(pattern.neurons.buffer, pattern.neurons.byteOffset, pattern.neurons.byteLength),
        Buffer.from(pattern.states.buffer, pattern.states.byteOffset, pattern.states.byteLength),
        pattern.constraints,
        pattern.coverage,
        pattern.optimal ? 1 : 0,
        pattern.greedyConstraints,
        timeLimit,
        pattern.ms,
      );
    }
  }

  /**
   * The stored patterns of every phenomenon × cP (phenomenon-major), or null when any is
   * missing. A pattern solved with a shorter time limit and not proven optimal is missing
   * for a longer one: it is solved again.
   */
  patterns(
    checkpointId: number,
    scope: string,
    phenomena: readonly string[],
    cps: readonly number[],
    timeLimit: number,
  ): ExactPatternMessage[] | null {
    const select = this.db.prepare(
      `SELECT phenomenon, cp, neurons, states, constraints, coverage, optimal,
         greedy_constraints AS greedyConstraints, time_limit AS timeLimit, ms
       FROM exact_patterns WHERE checkpoint_id = ? AND phenomenon = ? AND cp = ? AND scope = ?`,
    );
    const out: ExactPatternMessage[] = [];
    for (const phenomenon of phenomena) {
      for (const cp of cps) {
        const row = select.get(checkpointId, phenomenon, cp, scope) as
          (PatternRow & { timeLimit: number }) | undefined;
        if (!row || (row.optimal === 0 && row.timeLimit < timeLimit)) return null;
        out.push(patternOf(row));
      }
    }
    return out;
  }

  /** Every stored pattern of a checkpoint in a scope, for reports. */
  allPatterns(checkpointId: number, scope: string): ExactPatternMessage[] {
    const rows = this.db
      .prepare(
        `SELECT phenomenon, cp, neurons, states, constraints, coverage, optimal,
           greedy_constraints AS greedyConstraints, ms
         FROM exact_patterns WHERE checkpoint_id = ? AND scope = ? ORDER BY phenomenon, cp`,
      )
      .all(checkpointId, scope) as PatternRow[];
    return rows.map(patternOf);
  }

  /** Stores exact s per plane; call inside a transaction for many rows. */
  putMeasurements(rows: readonly NewExactMeasurement[]): void {
    const insert = this.db.prepare(
      `INSERT INTO exact_measurements (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope,
         s, blanket_area, constraints, coverage, optimal)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope) DO UPDATE SET
         s = excluded.s, blanket_area = excluded.blanket_area, constraints = excluded.constraints,
         coverage = excluded.coverage, optimal = excluded.optimal`,
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
        row.constraints,
        row.coverage,
        row.optimal ? 1 : 0,
      );
    }
  }

  /** Exact measurements of every checkpoint of a model, in one scope. */
  forModel(modelId: number, planeSetId: number | undefined, scope: string): ExactMeasurementRow[] {
    const extra = planeSetId === undefined ? '' : ' AND e.plane_set_id = ?';
    const values: unknown[] = [modelId, scope];
    if (planeSetId !== undefined) values.push(planeSetId);
    const rows = this.db
      .prepare(
        `SELECT e.checkpoint_id AS checkpointId, c.iteration, e.plane_set_id AS planeSetId, e.plane,
           e.phenomenon, e.cp, e.s, e.blanket_area AS blanketArea, e.constraints, e.coverage,
           e.optimal
         FROM exact_measurements e JOIN checkpoints c ON c.id = e.checkpoint_id
         WHERE c.model_id = ? AND e.scope = ?${extra}
         ORDER BY c.iteration, e.plane_set_id, e.plane, e.phenomenon, e.cp`,
      )
      .all(...values) as (Omit<ExactMeasurementRow, 'optimal'> & { optimal: number })[];
    return rows.map((row) => ({ ...row, optimal: row.optimal === 1 }));
  }

  /** Whether a plane has exact s for every cP of `cps` (any phenomenon) in `scope`. */
  isPlaneMeasured(
    checkpointId: number,
    planeSetId: number,
    plane: number,
    scope: string,
    cps: readonly number[],
  ): boolean {
    const row = this.db
      .prepare(
        `SELECT count(DISTINCT cp) AS n FROM exact_measurements
         WHERE checkpoint_id = ? AND plane_set_id = ? AND plane = ? AND scope = ?
           AND cp IN (${cps.map(() => '?').join(',')})`,
      )
      .get(checkpointId, planeSetId, plane, scope, ...cps) as { n: number };
    return row.n === cps.length;
  }
}

function patternOf(row: PatternRow): ExactPatternMessage {
  const neurons = new Int32Array(row.neurons.byteLength / 4);
  new Uint8Array(neurons.buffer).set(row.neurons);
  return {
    phenomenon: row.phenomenon,
    cp: row.cp,
    neurons,
    states: Uint8Array.from(row.states),
    constraints: row.constraints,
    coverage: row.coverage,
    optimal: row.optimal === 1,
    greedyConstraints: row.greedyConstraints,
    ms: row.ms,
  };
}
