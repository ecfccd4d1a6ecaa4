/**
 * Grouping of compare rows as the thesis plots them: models of one setup become one point
 * (mean, with min and max as the interval), setups of one architecture become one line,
 * and setups with the same number of HNPs are joined by a dashed line.
 */
import type { CompareRow } from '../../../src-shared/api/dto.ts';

export interface SetupStat {
  setup: string;
  /** A representative row (architecture, density, HNPs are equal within a setup). */
  row: CompareRow;
  x: number;
  mean: number;
  min: number;
  max: number;
  count: number;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 ? NaN : sum / values.length;
}

/** One statistic per setup for the rows where `y` is known; sorted by x. */
export function setupStats(
  rows: readonly CompareRow[],
  x: (row: CompareRow) => number,
  y: (row: CompareRow) => number | null,
): SetupStat[] {
  const bySetup = new Map<string, { row: CompareRow; values: number[] }>();
  for (const row of rows) {
    const value = y(row);
    if (value === null || !Number.isFinite(value)) continue;
    const entry = bySetup.get(row.setup);
    if (entry) entry.values.push(value);
    else bySetup.set(row.setup, { row, values: [value] });
  }
  const stats: SetupStat[] = [];
  for (const [setup, { row, values }] of bySetup) {
    stats.push({
      setup,
      row,
      x: x(row),
      mean: mean(values),
      min: Math.min(...values),
      max: Math.max(...values),
      count: values.length,
    });
  }
  return stats.sort((a, b) => a.x - b.x || a.setup.localeCompare(b.setup));
}

/** Splits items into groups by a key; groups keep first-seen order. */
export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Architecture key for solid lines: family, dataset and widths. */
export function architectureKey(row: CompareRow): string {
  return `${row.family}|${row.datasetId}|${row.hidden.join(',')}`;
}

/**
 * Equal-HNP groups. Setups made for one HNP level realise it up to rounding (a weight or
 * so per layer), so HNP counts within `tolerance` (relative) of a group's first member join it.
 */
export function equalHnpGroups<T extends { row: CompareRow }>(
  items: readonly T[],
  tolerance = 0.01,
): T[][] {
  const sorted = [...items].sort((a, b) => a.row.hnps - b.row.hnps);
  const groups: T[][] = [];
  for (const item of sorted) {
    const last = groups.at(-1);
    if (
      last &&
      last[0].row.datasetId === item.row.datasetId &&
      last[0].row.family === item.row.family &&
      Math.abs(item.row.hnps - last[0].row.hnps) <= tolerance * last[0].row.hnps
    )
      last.push(item);
    else groups.push([item]);
  }
  return groups;
}

/** s at a given cP for a row (null when that cP was not measured). */
export function sAt(row: CompareRow, cp: number): number | null {
  const hit = row.sByCp.find((entry) => Math.abs(entry.cp - cp) < 1e-9);
  return hit ? hit.s : null;
}

/** The cP values measured in any row, ascending. */
export function measuredCps(rows: readonly CompareRow[]): number[] {
  const set = new Set<number>();
  for (const row of rows) for (const entry of row.sByCp) set.add(entry.cp);
  return [...set].sort((a, b) => a - b);
}

export interface TrainingStat {
  iteration: number;
  mean: number;
  min: number;
  max: number;
  count: number;
}

/** Per setup, a metric over training: mean/min/max over the setup's models at each iteration. */
export function trainingStats(
  rows: readonly CompareRow[],
  metric: 'accuracy' | 's' | 'regions',
): Map<string, { row: CompareRow; points: TrainingStat[] }> {
  const result = new Map<string, { row: CompareRow; points: TrainingStat[] }>();
  for (const [setup, members] of groupBy(rows, (row) => row.setup)) {
    const byIteration = new Map<number, number[]>();
    for (const row of members) {
      for (const point of row.training) {
        const value = point[metric];
        if (value === null || !Number.isFinite(value)) continue;
        const list = byIteration.get(point.iteration);
        if (list) list.push(value);
        else byIteration.set(point.iteration, [value]);
      }
    }
    const points = [...byIteration.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([iteration, values]) => ({
        iteration,
        mean: mean(values),
        min: Math.min(...values),
        max: Math.max(...values),
        count: values.length,
      }));
    if (points.length > 0) result.set(setup, { row: members[0], points });
  }
  return result;
}
