/**
 * The compare view's run table as shown: fixed columns that name a run, then metric
 * columns (last, best or at an iteration, with the iteration shown), sorting on any of
 * them, and the CSV of exactly the rows and columns on screen.
 */
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { toCsv, type CsvValue } from './csv.ts';
import { architecture } from './format.ts';
import { pruningText } from './run-groups.ts';
import { columnTitle, metricCell, metricInfo, type MetricColumn } from './run-metrics.ts';

export type FixedKey =
  'name' | 'architecture' | 'density' | 'hnps' | 'seed' | 'dataset' | 'pruning' | 'regionDensity';

/** A sort key: a fixed column, or `metric:<index>` into the metric columns. */
export type TableSortKey = FixedKey | `metric:${number}`;

export const FIXED_COLUMNS: readonly {
  key: FixedKey;
  label: string;
  csv: string;
  numeric: boolean;
}[] = [
  { key: 'name', label: 'model', csv: 'name', numeric: false },
  { key: 'architecture', label: 'architecture', csv: 'architecture', numeric: false },
  { key: 'density', label: 'density', csv: 'density', numeric: true },
  { key: 'hnps', label: 'HNPs', csv: 'hnps', numeric: true },
  { key: 'seed', label: 'seed', csv: 'seed', numeric: true },
  { key: 'dataset', label: 'dataset', csv: 'dataset', numeric: false },
  { key: 'pruning', label: 'pruning', csv: 'pruning', numeric: false },
  {
    key: 'regionDensity',
    label: 'regions / area',
    csv: 'regions_per_unit_area_last',
    numeric: true,
  },
];

export const DEFAULT_METRIC_COLUMNS: readonly MetricColumn[] = [
  { metric: 'val-accuracy', mode: 'last' },
  { metric: 'val-loss', mode: 'last' },
  { metric: 'regions', mode: 'last' },
  { metric: 's', mode: 'last' },
];

export function fixedValue(row: CompareRow, key: FixedKey): string | number | null {
  switch (key) {
    case 'name':
      return row.name;
    case 'architecture':
      return architecture(row.family, row.hidden);
    case 'density':
      return row.density;
    case 'hnps':
      return row.hnps;
    case 'seed':
      return row.seed;
    case 'dataset':
      return row.datasetId;
    case 'pruning':
      return pruningText(row.pruning);
    case 'regionDensity':
      return row.regionDensity;
  }
}

export interface TableContext {
  columns: readonly MetricColumn[];
  cp: number;
  /** The iteration for "at iteration" columns. */
  at: number;
}

function sortValue(
  row: CompareRow,
  key: TableSortKey,
  context: TableContext,
): string | number | null {
  if (key.startsWith('metric:')) {
    const column = context.columns[Number(key.slice(7))];
    return column ? metricCell(row, column, context.cp, context.at).value : null;
  }
  if (key === 'architecture') return row.hiddenNeurons * 10 + (row.family === 'deepfc' ? 1 : 0);
  return fixedValue(row, key as FixedKey);
}

/** Sorted copy; unknown values (null) always last; ties by model id. */
export function sortTable(
  rows: readonly CompareRow[],
  key: TableSortKey,
  descending: boolean,
  context: TableContext,
): CompareRow[] {
  const sign = descending ? -1 : 1;
  const keyed = rows.map((row) => ({ row, value: sortValue(row, key, context) }));
  keyed.sort((a, b) => {
    const x = a.value;
    const y = b.value;
    if (x === null && y === null) return a.row.modelId - b.row.modelId;
    if (x === null) return 1;
    if (y === null) return -1;
    const order =
      typeof x === 'string'
        ? x.localeCompare(String(y), undefined, { numeric: true })
        : x - (y as number);
    return order === 0 ? a.row.modelId - b.row.modelId : sign * order;
  });
  return keyed.map((entry) => entry.row);
}

function csvMetricName(column: MetricColumn): string {
  const base =
    column.metric === 'val-accuracy'
      ? 'validation_accuracy_percent'
      : column.metric === 'val-loss'
        ? 'validation_loss'
        : column.metric === 'train-loss'
          ? 'training_loss_minibatch_mean'
          : column.metric === 'regions'
            ? 'regions_per_plane'
            : 's';
  return base;
}

/** CSV header names of the metric columns: name, mode and cP or iteration said in full. */
export function metricCsvHeader(column: MetricColumn, cp: number, at: number): [string, string] {
  const name = `${csvMetricName(column)}${column.metric === 's' ? `_cp_${cp}` : ''}`;
  const mode =
    column.mode === 'last'
      ? 'last'
      : column.mode === 'best'
        ? `best_${metricInfo(column.metric).best}`
        : `at_iteration_${at}`;
  return [`${name}_${mode}`, `${name}_${mode}_iteration`];
}

/** The rows and columns shown, in full precision (accuracy in % as shown), one line per run. */
export function shownCsv(rows: readonly CompareRow[], context: TableContext): string {
  const header = [
    'model_id',
    ...FIXED_COLUMNS.map((column) => column.csv),
    ...context.columns.flatMap((column) => metricCsvHeader(column, context.cp, context.at)),
  ];
  const lines: CsvValue[][] = rows.map((row) => [
    row.modelId,
    ...FIXED_COLUMNS.map((column) => fixedValue(row, column.key)),
    ...context.columns.flatMap((column) => {
      const cell = metricCell(row, column, context.cp, context.at);
      return [cell.value, cell.iteration];
    }),
  ]);
  return toCsv(header, lines);
}

export { columnTitle };
