/**
 * Grouping of runs by a hyperparameter, as trackers do it: runs that share the chosen
 * value become one group, drawn as the mean with a ±1 std or min–max band. By default
 * seeds are replicates: runs that differ only in their seed form one group.
 */
import type { CompareRow, PruningScheme } from '../../../src-shared/api/dto.ts';
import { architecture, density as formatDensity } from './format.ts';

export type GroupKey =
  | 'run'
  | 'replicates'
  | 'family'
  | 'architecture'
  | 'hiddenNeurons'
  | 'density'
  | 'hnpLevel'
  | 'dataset'
  | 'pruning'
  | 'seed'
  | 'experiment';

export const GROUP_KEYS: readonly { key: GroupKey; label: string }[] = [
  { key: 'replicates', label: 'setup (seeds as replicates)' },
  { key: 'run', label: 'none: every run' },
  { key: 'family', label: 'family' },
  { key: 'architecture', label: 'architecture' },
  { key: 'hiddenNeurons', label: 'hidden neurons' },
  { key: 'density', label: 'density' },
  { key: 'hnpLevel', label: 'HNP level' },
  { key: 'dataset', label: 'dataset' },
  { key: 'pruning', label: 'pruning' },
  { key: 'seed', label: 'seed' },
  { key: 'experiment', label: 'experiment' },
];

export type BandKind = 'std' | 'minmax';

export const BAND_LABELS: Record<BandKind, string> = {
  std: 'mean ±1 std',
  minmax: 'mean, min–max',
};

export function pruningText(pruning: PruningScheme): string {
  switch (pruning.kind) {
    case 'random':
      return 'random mask';
    case 'one-shot':
      return `one-shot ${pruning.rate}`;
    case 'iterative':
      return `iterative ${pruning.rate} × ${pruning.rounds}`;
  }
}

/** The label of a run's group (also its identity: runs with equal labels share a group). */
export function groupLabel(row: CompareRow, key: GroupKey): string {
  switch (key) {
    case 'run':
      return `${row.name} (seed ${row.seed})`;
    case 'replicates':
      return `${architecture(row.family, row.hidden)} @ ${formatDensity(row.density)} · ${row.datasetId}${
        row.pruning.kind === 'random' ? '' : ` · ${pruningText(row.pruning)}`
      }`;
    case 'family':
      return `family ${row.family}`;
    case 'architecture':
      return architecture(row.family, row.hidden);
    case 'hiddenNeurons':
      return `${row.hiddenNeurons} hidden neurons`;
    case 'density':
      return `density ${formatDensity(row.density)}`;
    case 'hnpLevel':
      return row.hnpLevel === null ? 'no HNP level' : `${row.hnpLevel.toLocaleString('en')} HNPs`;
    case 'dataset':
      return `dataset ${row.datasetId}`;
    case 'pruning':
      return pruningText(row.pruning);
    case 'seed':
      return `seed ${row.seed}`;
    case 'experiment':
      return row.experimentId === null ? 'no experiment' : `experiment ${row.experimentId}`;
  }
}

/** A sort value so that groups come in a natural order (numbers ascending). */
function groupOrder(row: CompareRow, key: GroupKey): number | string {
  switch (key) {
    case 'hiddenNeurons':
      return row.hiddenNeurons;
    case 'density':
      return row.density;
    case 'hnpLevel':
      return row.hnpLevel ?? -1;
    case 'seed':
      return row.seed;
    case 'experiment':
      return row.experimentId ?? -1;
    case 'run':
      return row.modelId;
    default:
      return groupLabel(row, key);
  }
}

export interface RunGroup {
  label: string;
  rows: CompareRow[];
}

/** Groups in a natural order of the grouping value; rows keep their order within a group. */
export function groupRuns(rows: readonly CompareRow[], key: GroupKey): RunGroup[] {
  const groups = new Map<string, { order: number | string; rows: CompareRow[] }>();
  for (const row of rows) {
    const label = groupLabel(row, key);
    const group = groups.get(label);
    if (group) group.rows.push(row);
    else groups.set(label, { order: groupOrder(row, key), rows: [row] });
  }
  return [...groups.entries()]
    .sort(([a, x], [b, y]) =>
      typeof x.order === 'number' && typeof y.order === 'number'
        ? x.order - y.order
        : String(x.order).localeCompare(String(y.order), 'en', { numeric: true }) ||
          a.localeCompare(b),
    )
    .map(([label, group]) => ({ label, rows: group.rows }));
}

export interface PointStat {
  x: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  std: number;
  min: number;
  max: number;
  count: number;
}

export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/** Per x, the statistics over every series that has a finite value there; ascending x. */
export function pointStats(
  series: readonly (readonly (readonly [number, number])[])[],
): PointStat[] {
  const byX = new Map<number, number[]>();
  for (const points of series) {
    for (const [x, y] of points) {
      if (!Number.isFinite(y)) continue;
      const list = byX.get(x);
      if (list) list.push(y);
      else byX.set(x, [y]);
    }
  }
  return [...byX.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([x, values]) => {
      let sum = 0;
      for (const value of values) sum += value;
      return {
        x,
        mean: sum / values.length,
        std: sampleStd(values),
        min: Math.min(...values),
        max: Math.max(...values),
        count: values.length,
      };
    });
}
