/**
 * Parallel coordinates over hyperparameters and metrics: one line per run, an axis per
 * quantity, brushing on any axis selects the runs whose lines pass every brushed range.
 */
import type { EChartsOption } from 'echarts';
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { metricCell, metricInfo, type MetricColumn } from './run-metrics.ts';

export interface ParallelAxis {
  name: string;
  /** Log scale for quantities spanning decades (density, HNPs). */
  log: boolean;
  value: (row: CompareRow) => number | null;
}

export function parallelAxes(
  columns: readonly MetricColumn[],
  cp: number,
  at: number,
): ParallelAxis[] {
  return [
    { name: 'hidden neurons', log: false, value: (r) => r.hiddenNeurons },
    { name: 'density', log: true, value: (r) => r.density },
    { name: 'HNPs', log: true, value: (r) => r.hnps },
    { name: 'seed', log: false, value: (r) => r.seed },
    ...columns.map((column): ParallelAxis => ({
      name: `${column.metric === 's' ? `s@${cp}` : metricInfo(column.metric).label} ${column.mode === 'at' ? `@${at}` : column.mode}`,
      log: false,
      value: (r) => metricCell(r, column, cp, at).value,
    })),
  ];
}

/** The option; each data item carries its model id as `name` for the brush's link. */
export function parallelOption(
  rows: readonly CompareRow[],
  axes: readonly ParallelAxis[],
  highlighted: ReadonlySet<number>,
): EChartsOption {
  return {
    animation: false,
    title: {
      text: 'Hyperparameters and metrics, one line per run',
      subtext:
        'Drag along an axis to brush a range; the run table shows the runs inside every brush.',
      left: 8,
      top: 2,
      textStyle: { fontSize: 13, fontWeight: 600 },
      subtextStyle: { fontSize: 11, color: '#555' },
    },
    parallel: { left: 60, right: 80, top: 80, bottom: 30 },
    parallelAxis: axes.map((axis, dim) => ({
      dim,
      name: axis.name,
      type: axis.log ? 'log' : 'value',
      scale: true,
      nameTextStyle: { fontSize: 11 },
    })),
    series: [
      {
        type: 'parallel',
        lineStyle: { width: 1.5, opacity: 0.8, color: '#2f6fde' },
        inactiveOpacity: 0.06,
        activeOpacity: 0.9,
        emphasis: { lineStyle: { width: 2.5, opacity: 1 } },
        data: rows.map((row) => ({
          name: String(row.modelId),
          value: axes.map((axis) => axis.value(row) ?? NaN),
          ...(highlighted.has(row.modelId)
            ? { lineStyle: { color: '#e0582b', width: 2, opacity: 1 } }
            : {}),
        })),
      },
    ],
  };
}
