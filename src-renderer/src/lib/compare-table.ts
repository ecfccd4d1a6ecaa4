/**
 * The compare view's tables: the run table (sort, filter), its CSV export, and the
 * side-by-side table of picked models with differences against a baseline.
 */
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { toCsv, type CsvValue } from './csv.ts';
import { architecture } from './format.ts';
import { measuredCps, sAt } from './groups.ts';

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

export interface SideBySideRow {
  label: string;
  values: (string | number | null)[];
  /** Numeric difference to the baseline (first column), null where not numeric. */
  deltas: (number | null)[];
  same: boolean;
}

/** Attribute rows × model columns; the baseline model is the first column. */
export function sideBySide(models: readonly CompareRow[]): SideBySideRow[] {
  const cps = measuredCps(models);
  const attributes: [string, (row: CompareRow) => string | number | null][] = [
    ['architecture', (r) => architecture(r.family, r.hidden)],
    ['hidden neurons', (r) => r.hiddenNeurons],
    ['density', (r) => r.density],
    ['HNPs', (r) => r.hnps],
    ['seed', (r) => r.seed],
    ['dataset', (r) => r.datasetId],
    ['accuracy', (r) => r.accuracy],
    ['loss', (r) => r.loss],
    ['regions / plane', (r) => r.regions],
    ['regions / area', (r) => r.regionDensity],
    ...cps.map((cp): [string, (row: CompareRow) => number | null] => [
      `s @ cP ${cp}`,
      (r) => sAt(r, cp),
    ]),
  ];
  return attributes.map(([label, get]) => {
    const values = models.map(get);
    const base = values[0];
    const deltas = values.map((v) =>
      typeof v === 'number' && typeof base === 'number' ? v - base : null,
    );
    const same = values.every((v) => v === base);
    return { label, values, deltas, same };
  });
}
