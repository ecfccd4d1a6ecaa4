/**
 * Charts and layout of the issue-11 analyses in Compare: s of the greedy and of the exact
 * maximal patterns over cP (appendix C.1), and whiskers of bootstrap intervals.
 */
import type { ExactComparisonRow } from '../../../src-shared/api/analyses-dto.ts';
import { SERIES_COLORS } from './colors.ts';
import type { EChartsOption } from './echarts.ts';

/** Greedy s solid, exact s dashed, one colour per model; the x axis is cP as a category. */
export function exactVsGreedyOption(rows: readonly ExactComparisonRow[]): EChartsOption {
  const cps = [...new Set(rows.flatMap((row) => row.byCp.map((entry) => entry.cp)))].sort(
    (a, b) => a - b,
  );
  const series = rows.flatMap((row, k) => {
    const color = SERIES_COLORS[k % SERIES_COLORS.length];
    const value = (pick: (entry: ExactComparisonRow['byCp'][number]) => number) =>
      cps.map((cp) => {
        const entry = row.byCp.find((candidate) => candidate.cp === cp);
        return entry ? pick(entry) : null;
      });
    return [
      {
        name: `${row.name} · greedy`,
        type: 'line' as const,
        data: value((entry) => entry.s),
        lineStyle: { color },
        itemStyle: { color },
      },
      {
        name: `${row.name} · exact`,
        type: 'line' as const,
        data: value((entry) => entry.sExact),
        lineStyle: { color, type: 'dashed' as const },
        itemStyle: { color },
        symbol: 'diamond',
      },
    ];
  });
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 56, right: 16, top: 36, bottom: 40 },
    xAxis: {
      type: 'category',
      name: 'cP',
      nameLocation: 'middle',
      nameGap: 26,
      data: cps.map(String),
    },
    yAxis: { type: 'value', name: 's', min: 0, max: 1 },
    series,
  };
}

/** Where a value lies on a whisker row of `width` pixels spanning [low, high] of an axis. */
export function whiskerX(value: number, axisLow: number, axisHigh: number, width: number): number {
  if (!(axisHigh > axisLow)) return width / 2;
  return ((value - axisLow) / (axisHigh - axisLow)) * width;
}

/** The axis range that holds every interval, padded by 5 % each side. */
export function whiskerAxis(intervals: readonly { low: number; high: number }[]): [number, number] {
  const low = Math.min(...intervals.map((interval) => interval.low));
  const high = Math.max(...intervals.map((interval) => interval.high));
  const pad = Math.max((high - low) * 0.05, 1e-6);
  return [low - pad, high + pad];
}
