/**
 * The compare view's tables: the run table (sort, filter), its CSV export, and the
 * side-by-side table of picked models with differences against a baseline.
 */
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { toCsv, type CsvValue } from './csv.ts';
import { architecture } from './format.ts';
import { formatDelta, formatValue, rowDecimals, type ValueKind } from './deltas.ts';
import { measuredCps, sAt } from './groups.ts';
import { pruningText } from './run-groups.ts';

export type SortKey =
  | 'name'
  | 'architecture'
  | 'density'
  | 'hnps'
  | 'seed'
  | 'dataset'
  | 'accuracy'
  | 'regions'
  | 'regionDensity'
  | 's';

export function sortValue(row: CompareRow, key: SortKey, cp: number): string | number | null {
  switch (key) {
    case 'name':
      return row.name;
    case 'architecture':
      return row.hiddenNeurons * 10 + (row.family === 'deepfc' ? 1 : 0);
    case 'density':
      return row.density;
    case 'hnps':
      return row.hnps;
    case 'seed':
      return row.seed;
    case 'dataset':
      return row.datasetId;
    case 'accuracy':
      return row.accuracy;
    case 'regions':
      return row.regions;
    case 'regionDensity':
      return row.regionDensity;
    case 's':
      return sAt(row, cp);
  }
}

/** Sorted copy; unknown values (null) always last. */
export function sortRows(
  rows: readonly CompareRow[],
  key: SortKey,
  descending: boolean,
  cp: number,
): CompareRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, key, cp);
    const y = sortValue(b, key, cp);
    if (x === null && y === null) return a.modelId - b.modelId;
    if (x === null) return 1;
    if (y === null) return -1;
    const order =
      typeof x === 'string'
        ? x.localeCompare(String(y), undefined, { numeric: true })
        : x - (y as number);
    return order === 0 ? a.modelId - b.modelId : sign * order;
  });
}

/** Free-text filter over name, architecture, dataset and setup; `key:value` pairs too. */
export function filterRows(rows: readonly CompareRow[], text: string): CompareRow[] {
  const terms = text
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== '');
  if (terms.length === 0) return [...rows];
  return rows.filter((row) => {
    const haystack =
      `${row.name} ${architecture(row.family, row.hidden)} ${row.family} ${row.datasetId} ${row.setup} seed:${row.seed} density:${row.density}`.toLowerCase();
    return terms.every((term) => haystack.includes(term));
  });
}

export function compareCsv(rows: readonly CompareRow[]): string {
  const cps = measuredCps(rows);
  const header = [
    'model_id',
    'name',
    'experiment_id',
    'family',
    'hidden',
    'hidden_neurons',
    'density',
    'hnps',
    'seed',
    'dataset',
    'setup',
    'accuracy',
    'loss',
    'regions',
    'region_density',
    ...cps.map((cp) => `s_cp_${cp}`),
  ];
  const lines: CsvValue[][] = rows.map((row) => [
    row.modelId,
    row.name,
    row.experimentId,
    row.family,
    row.hidden.join('x'),
    row.hiddenNeurons,
    row.density,
    row.hnps,
    row.seed,
    row.datasetId,
    row.setup,
    row.accuracy,
    row.loss,
    row.regions,
    row.regionDensity,
    ...cps.map((cp) => sAt(row, cp)),
  ]);
  return toCsv(header, lines);
}

export interface SideBySideCell {
  text: string;
  /** The difference to the baseline in the row's unit, null where there is none. */
  delta: string | null;
  /** Whether the difference is an improvement (1), a loss (−1) or neither (0). */
  verdict: 1 | -1 | 0;
}

export interface SideBySideRow {
  label: string;
  kind: ValueKind;
  values: (string | number | null)[];
  cells: SideBySideCell[];
  same: boolean;
}

type Attribute = [
  label: string,
  kind: ValueKind,
  get: (row: CompareRow) => string | number | null,
  better?: 'max' | 'min',
];

/** Attribute rows × model columns; the baseline model is the first column. */
export function sideBySide(models: readonly CompareRow[]): SideBySideRow[] {
  const cps = measuredCps(models);
  const attributes: Attribute[] = [
    ['architecture', 'text', (r) => architecture(r.family, r.hidden)],
    ['hidden neurons', 'count', (r) => r.hiddenNeurons],
    ['density', 'fraction', (r) => r.density],
    ['HNPs', 'count', (r) => r.hnps],
    ['seed', 'identifier', (r) => r.seed],
    ['dataset', 'text', (r) => r.datasetId],
    ['pruning', 'text', (r) => pruningText(r.pruning)],
    ['validation accuracy', 'percent', (r) => r.accuracy, 'max'],
    ['validation loss', 'number', (r) => r.loss, 'min'],
    ['regions / plane', 'number', (r) => r.regions],
    ['regions / area', 'number', (r) => r.regionDensity],
    ...cps.map((cp): Attribute => [`s @ cP ${cp}`, 'fraction', (r) => sAt(r, cp)]),
  ];
  return attributes.map(([label, kind, get, better]) => {
    const values = models.map(get);
    const base = values[0];
    const decimals = rowDecimals(
      kind,
      values.map((v) => (typeof v === 'number' ? v : null)),
    );
    const cells = values.map((value, index): SideBySideCell => {
      const delta = index === 0 ? null : formatDelta(value, base, kind, decimals);
      let verdict: 1 | -1 | 0 = 0;
      if (delta !== null && better && typeof value === 'number' && typeof base === 'number')
        verdict = value > base === (better === 'max') ? 1 : -1;
      return { text: formatValue(value, kind, decimals), delta, verdict };
    });
    const same = values.every((v) => v === base);
    return { label, kind, values, cells, same };
  });
}
