/**
 * The metrics a run records over training, as the compare view plots and tabulates them:
 * what each is called (training or validation, always said), its unit, which way is
 * better, and a run's value last, at its best, or at a chosen iteration.
 */
import type { CompareRow } from '../../../src-shared/api/dto.ts';

export type CurveMetric = 'val-accuracy' | 'val-loss' | 'train-loss' | 's' | 'regions';

export interface MetricInfo {
  id: CurveMetric;
  label: string;
  /** Axis name (with unit). */
  axis: string;
  /** Which way is better, for "best"; s has none (more specialised is not better), max is used. */
  best: 'max' | 'min';
  /** Accuracy is stored as a fraction and shown in percent. */
  percent: boolean;
  /** A short explanation for hovering. */
  hint: string;
}

export const METRICS: readonly MetricInfo[] = [
  {
    id: 'val-accuracy',
    label: 'validation accuracy',
    axis: 'validation accuracy %',
    best: 'max',
    percent: true,
    hint: 'Share of the validation set classified correctly, in %; higher is better.',
  },
  {
    id: 'val-loss',
    label: 'validation loss',
    axis: 'validation loss (cross-entropy)',
    best: 'min',
    percent: false,
    hint: 'Mean cross-entropy on the validation set; lower is better.',
  },
  {
    id: 'train-loss',
    label: 'training loss (minibatch mean)',
    axis: 'training loss (cross-entropy, mean since previous evaluation)',
    best: 'min',
    percent: false,
    hint: 'Mean cross-entropy of the training minibatches since the previous evaluation point (not the whole training set); lower is better.',
  },
  {
    id: 's',
    label: 's',
    axis: 's (specialization)',
    best: 'max',
    percent: false,
    hint: 'Specialization s in [0, 1]: 1 − blanket area / plane area, mean over planes and phenomena at the chosen cP; higher means more specialised regions, not a better model.',
  },
  {
    id: 'regions',
    label: 'regions per plane',
    axis: 'regions per plane',
    best: 'max',
    percent: false,
    hint: 'Mean number of linear regions on a measured plane; a count, neither better nor worse.',
  },
];

export function metricInfo(id: CurveMetric): MetricInfo {
  return METRICS.find((metric) => metric.id === id)!;
}

/** A metric's points over training for one run, [iteration, value] (accuracy in %). */
export function runCurve(row: CompareRow, metric: CurveMetric, cp: number): [number, number][] {
  const out: [number, number][] = [];
  for (const point of row.training) {
    let value: number | null;
    switch (metric) {
      case 'val-accuracy':
        value = point.accuracy === null ? null : point.accuracy * 100;
        break;
      case 'val-loss':
        value = point.loss;
        break;
      case 'train-loss':
        value = point.trainLoss;
        break;
      case 's':
        value = point.sByCp.find((entry) => Math.abs(entry.cp - cp) < 1e-9)?.s ?? null;
        break;
      case 'regions':
        value = point.regions;
        break;
    }
    if (value !== null && Number.isFinite(value)) out.push([point.iteration, value]);
  }
  return out;
}

export type ColumnMode = 'last' | 'best' | 'at';

export interface MetricColumn {
  metric: CurveMetric;
  mode: ColumnMode;
}

/** A cell of a metric column: the value (accuracy in %) and the iteration it was taken at. */
export interface MetricCell {
  value: number | null;
  iteration: number | null;
}

/**
 * A run's value of a metric: the last recorded, the best (max or min as the metric
 * says; the earliest iteration on ties), or at the recorded iteration nearest `at`
 * (the earlier one on ties).
 */
export function metricCell(
  row: CompareRow,
  column: MetricColumn,
  cp: number,
  at: number,
): MetricCell {
  const curve = runCurve(row, column.metric, cp);
  if (curve.length === 0) return { value: null, iteration: null };
  let pick = curve[curve.length - 1];
  if (column.mode === 'best') {
    const sign = metricInfo(column.metric).best === 'max' ? 1 : -1;
    pick = curve[0];
    for (const point of curve) if (sign * (point[1] - pick[1]) > 0) pick = point;
  } else if (column.mode === 'at') {
    pick = curve[0];
    for (const point of curve) if (Math.abs(point[0] - at) < Math.abs(pick[0] - at)) pick = point;
  }
  return { value: pick[1], iteration: pick[0] };
}

export function columnTitle(column: MetricColumn, cp: number, at: number): string {
  const info = metricInfo(column.metric);
  const name = column.metric === 's' ? `s @ cP ${cp}` : info.label;
  const mode =
    column.mode === 'last' ? 'last' : column.mode === 'best' ? `best (${info.best})` : `@ it ${at}`;
  return `${name} · ${mode}`;
}

/** Every recorded iteration of the rows, ascending (choices for "at iteration"). */
export function recordedIterations(rows: readonly CompareRow[]): number[] {
  const set = new Set<number>();
  for (const row of rows) for (const point of row.training) set.add(point.iteration);
  return [...set].sort((a, b) => a - b);
}
