/**
 * The compare view's run filter and the side-by-side table of picked models with
 * differences against a baseline. Sorting and the CSV of the run table are in
 * ./runs-table.ts.
 */
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { architecture } from './format.ts';
import { formatDelta, formatValue, rowDecimals, type ValueKind } from './deltas.ts';
import { measuredCps, sAt } from './groups.ts';
import { pruningText } from './run-groups.ts';

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
