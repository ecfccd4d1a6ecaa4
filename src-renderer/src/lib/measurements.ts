/**
 * Summaries of a model's measurements for tables: s per phenomenon × cP at one checkpoint
 * (mean over planes), and region counts per checkpoint (mean over planes).
 */
import type { MeasurementRow, RegionCountRow } from '../../../src-shared/api/dto.ts';
import { groupBy, mean } from './groups.ts';

export interface STable {
  cps: number[];
  phenomena: string[];
  /** cells[phenomenon][cp index]: mean s over planes, NaN where not measured. */
  cells: number[][];
  /** Mean over phenomena per cP (the network's s). */
  overall: number[];
  constraints: number[][];
  planes: number;
}

export function sTable(rows: readonly MeasurementRow[], checkpointId: number): STable {
  const mine = rows.filter((r) => r.checkpointId === checkpointId);
  const cps = [...new Set(mine.map((r) => r.cp))].sort((a, b) => a - b);
  const phenomena = [...new Set(mine.map((r) => r.phenomenon))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const byKey = groupBy(mine, (r) => `${r.phenomenon}|${r.cp}`);
  const cell = (p: string, cp: number, f: (r: MeasurementRow) => number) => {
    const list = byKey.get(`${p}|${cp}`);
    return list ? mean(list.map(f)) : NaN;
  };
  const cells = phenomena.map((p) => cps.map((cp) => cell(p, cp, (r) => r.s)));
  const constraints = phenomena.map((p) => cps.map((cp) => cell(p, cp, (r) => r.constraints)));
  const overall = cps.map((_, c) => mean(cells.map((row) => row[c]).filter(Number.isFinite)));
  return {
    cps,
    phenomena,
    cells,
    overall,
    constraints,
    planes: new Set(mine.map((r) => r.plane)).size,
  };
}

export interface RegionSummary {
  checkpointId: number;
  iteration: number;
  meanRegions: number;
  meanDensity: number;
  planes: number;
}

export function regionSummary(rows: readonly RegionCountRow[]): RegionSummary[] {
  return [...groupBy(rows, (r) => r.checkpointId).values()]
    .map((list) => ({
      checkpointId: list[0].checkpointId,
      iteration: list[0].iteration,
      meanRegions: mean(list.map((r) => r.regions)),
      meanDensity: mean(list.map((r) => r.regions / r.domainArea)),
      planes: list.length,
    }))
    .sort((a, b) => a.iteration - b.iteration);
}

/** Checkpoints that have measurements, latest first. */
export function measuredCheckpoints(
  rows: readonly MeasurementRow[],
): { checkpointId: number; iteration: number }[] {
  const seen = new Map<number, number>();
  for (const r of rows) seen.set(r.checkpointId, r.iteration);
  return [...seen.entries()]
    .map(([checkpointId, iteration]) => ({ checkpointId, iteration }))
    .sort((a, b) => b.iteration - a.iteration);
}
