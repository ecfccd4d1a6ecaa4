/**
 * The tracker figure: a recorded metric over training iterations for many runs, one line
 * per run or per group (mean with a ±1 std or min–max band), EMA smoothing with the raw
 * line faint behind, linear or log axes, and long curves thinned with LTTB and a min/max
 * envelope of what thinning hid.
 */
import type {
  CustomSeriesOption,
  CustomSeriesRenderItemAPI,
  EChartsOption,
  SeriesOption,
} from 'echarts';
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { SERIES_COLORS } from './colors.ts';
import { toCsv } from './csv.ts';
import { lttb, minMaxEnvelope, type Point } from './decimate.ts';
import {
  BAND_LABELS,
  GROUP_KEYS,
  groupRuns,
  pointStats,
  type BandKind,
  type GroupKey,
} from './run-groups.ts';
import { metricInfo, runCurve, type CurveMetric } from './run-metrics.ts';
import { emaSmooth } from './smoothing.ts';

export interface CurveSettings {
  metric: CurveMetric;
  cp: number;
  logX: boolean;
  logY: boolean;
  /** EMA weight in [0, 1); 0 draws the raw line only. */
  smoothing: number;
  groupBy: GroupKey;
  band: BandKind;
  /** Most points drawn per line before thinning. */
  maxPoints: number;
}

export const DEFAULT_CURVE_SETTINGS: CurveSettings = {
  metric: 'val-accuracy',
  cp: 0.8,
  logX: false,
  logY: false,
  smoothing: 0.6,
  groupBy: 'replicates',
  band: 'std',
  maxPoints: 400,
};

/** One drawn line: its name (legend), raw points, and an optional band [x, low, high]. */
export interface Curve {
  name: string;
  runs: number;
  raw: Point[];
  band: [number, number, number][] | null;
}

function keepPoint(settings: CurveSettings) {
  return ([x, y]: readonly [number, number]) =>
    Number.isFinite(x) &&
    Number.isFinite(y) &&
    (!settings.logX || x > 0) &&
    (!settings.logY || y > 0);
}

/** The curves to draw: per run, or per group with the band statistics of its runs. */
export function buildCurves(rows: readonly CompareRow[], settings: CurveSettings): Curve[] {
  const keep = keepPoint(settings);
  const curves: Curve[] = [];
  for (const group of groupRuns(rows, settings.groupBy)) {
    const series = group.rows.map((row) =>
      runCurve(row, settings.metric, settings.cp).filter(keep),
    );
    if (series.every((points) => points.length === 0)) continue;
    if (settings.groupBy === 'run' || group.rows.length === 1) {
      curves.push({
        name: settings.groupBy === 'run' ? group.label : `${group.label} (n=1)`,
        runs: 1,
        raw: series[0],
        band: null,
      });
      continue;
    }
    const stats = pointStats(series);
    // On a log axis, a std band reaching to 0 or below is cut at the lowest value (> 0).
    const bandRows = stats.map((stat): [number, number, number] =>
      settings.band === 'std'
        ? [
            stat.x,
            settings.logY ? Math.max(stat.mean - stat.std, stat.min) : stat.mean - stat.std,
            stat.mean + stat.std,
          ]
        : [stat.x, stat.min, stat.max],
    );
    curves.push({
      name: `${group.label} · ${BAND_LABELS[settings.band]} (n=${group.rows.length})`,
      runs: group.rows.length,
      raw: stats.map((stat) => [stat.x, stat.mean]),
      band: bandRows,
    });
  }
  return curves;
}

/** Smooths the y of points (and of a band's edges) with the bias-corrected EMA. */
function smoothPoints(points: readonly Point[], weight: number): Point[] {
  if (weight === 0) return [...points];
  const ys = emaSmooth(
    points.map((p) => p[1]),
    weight,
  );
  return points.map((p, i) => [p[0], ys[i]]);
}

function smoothBand(rows: readonly [number, number, number][], weight: number) {
  if (weight === 0) return [...rows];
  const lows = emaSmooth(
    rows.map((r) => r[1]),
    weight,
  );
  const highs = emaSmooth(
    rows.map((r) => r[2]),
    weight,
  );
  return rows.map((r, i): [number, number, number] => [r[0], lows[i], highs[i]]);
}

/** A band thinned to about `target` rows: per bucket, the lowest low and the highest high. */
export function thinBand(
  rows: readonly [number, number, number][],
  target: number,
): [number, number, number][] {
  if (rows.length <= target) return [...rows];
  const size = rows.length / target;
  const out: [number, number, number][] = [];
  for (let b = 0; b < target; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(rows.length, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let low = Infinity;
    let high = -Infinity;
    for (let i = start; i < end; i++) {
      low = Math.min(low, rows[i][1]);
      high = Math.max(high, rows[i][2]);
    }
    out.push([rows[start][0], low, high]);
    if (end - 1 > start) out.push([rows[end - 1][0], low, high]);
  }
  return out;
}

/** A translucent polygon between the band's low and high edges (rows sorted by x). */
export function bandSeries(
  name: string,
  color: string,
  rows: [number, number, number][],
  opacity: number,
): CustomSeriesOption {
  return {
    type: 'custom',
    name,
    // The legend takes its swatch from the first series of a name: the band's colour is the line's.
    itemStyle: { color },
    silent: true,
    z: 0,
    encode: { x: 0, y: [1, 2] },
    data: rows,
    renderItem: (params, api: CustomSeriesRenderItemAPI) => {
      if (params.dataIndex !== 0 || rows.length < 2) return null;
      const upper = rows.map(([x, , high]) => api.coord([x, high]));
      const lower = rows.map(([x, low]) => api.coord([x, low])).reverse();
      return {
        type: 'polygon',
        shape: { points: [...upper, ...lower] },
        style: { fill: color, opacity },
      };
    },
  };
}

/** The subtitle that says how lines were made: grouping, band, smoothing, thinning. */
export function curvesCaption(settings: CurveSettings, thinned: boolean): string {
  const grouping =
    settings.groupBy === 'run'
      ? 'one line per run'
      : `grouped by ${GROUP_KEYS.find((g) => g.key === settings.groupBy)!.label} · ${BAND_LABELS[settings.band]}`;
  const smoothing =
    settings.smoothing > 0
      ? `EMA smoothing ${settings.smoothing.toFixed(2)} (raw faint)`
      : 'no smoothing';
  return [
    grouping,
    smoothing,
    ...(thinned ? [`thinned to ${settings.maxPoints} points, min/max envelope`] : []),
  ].join(' · ');
}

export function curvesTitle(settings: CurveSettings): string {
  const info = metricInfo(settings.metric);
  return `${settings.metric === 's' ? `s at cP ${settings.cp}` : info.label} over training`;
}

export function curvesOption(rows: readonly CompareRow[], settings: CurveSettings): EChartsOption {
  const info = metricInfo(settings.metric);
  const curves = buildCurves(rows, settings);
  const series: SeriesOption[] = [];
  let thinned = false;
  curves.forEach((curve, index) => {
    const color = SERIES_COLORS[index % SERIES_COLORS.length];
    const smooth = settings.smoothing > 0;
    const tooMany = curve.raw.length > settings.maxPoints;
    thinned ||= tooMany;
    const rawLine = tooMany ? lttb(curve.raw, settings.maxPoints) : curve.raw;
    if (tooMany && curve.band === null)
      series.push(
        bandSeries(curve.name, color, minMaxEnvelope(curve.raw, settings.maxPoints), 0.12),
      );
    if (curve.band) {
      const band = smoothBand(curve.band, settings.smoothing);
      series.push(bandSeries(curve.name, color, thinBand(band, settings.maxPoints), 0.18));
    }
    series.push({
      type: 'line',
      name: curve.name,
      color,
      showSymbol: false,
      symbolSize: 4,
      silent: smooth,
      lineStyle: { width: smooth ? 1 : 1.6, opacity: smooth ? 0.25 : 1 },
      data: rawLine.map((p) => [p[0], p[1]]),
      z: 2,
    });
    if (smooth) {
      const line = smoothPoints(curve.raw, settings.smoothing);
      series.push({
        type: 'line',
        name: curve.name,
        color,
        showSymbol: false,
        lineStyle: { width: 1.8 },
        data: (tooMany ? lttb(line, settings.maxPoints) : line).map((p) => [p[0], p[1]]),
        z: 3,
      });
    }
  });
  const digits = info.percent ? 2 : settings.metric === 'regions' ? 1 : 4;
  return {
    animation: false,
    title: {
      text: curvesTitle(settings),
      subtext:
        curves.length === 0
          ? 'No run has recorded this metric over training.'
          : curvesCaption(settings, thinned),
      left: 8,
      top: 2,
      textStyle: { fontSize: 13, fontWeight: 600 },
      subtextStyle: { fontSize: 11, color: '#555' },
    },
    grid: { left: 64, right: 24, top: 78, bottom: 48 },
    legend: {
      type: 'scroll',
      top: 46,
      left: 8,
      right: 8,
      itemWidth: 18,
      itemHeight: 8,
      textStyle: { fontSize: 11 },
      data: curves.map((curve) => curve.name),
    },
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (value) =>
        typeof value === 'number' ? value.toFixed(digits) : String(value),
    },
    xAxis: {
      type: settings.logX ? 'log' : 'value',
      name: settings.logX ? 'training iteration (log)' : 'training iteration',
      nameLocation: 'middle',
      nameGap: 28,
      scale: true,
      splitLine: { lineStyle: { color: '#eef0f3' } },
    },
    yAxis: {
      type: settings.logY ? 'log' : 'value',
      name: settings.logY ? `${info.axis} (log)` : info.axis,
      nameLocation: 'middle',
      nameGap: 46,
      scale: true,
      ...(settings.metric === 's' && !settings.logY ? { min: 0, max: 1 } : {}),
      splitLine: { lineStyle: { color: '#eef0f3' } },
    },
    series,
  };
}

/**
 * The curves as drawn, one line per (curve, iteration): raw value (the group mean for a
 * group), smoothed value, band edges, and how many runs had a value there.
 */
export function curvesCsv(rows: readonly CompareRow[], settings: CurveSettings): string {
  const info = metricInfo(settings.metric);
  const unit = info.percent ? '_percent' : '';
  const header = [
    'curve',
    'runs',
    'iteration',
    `${settings.metric}${settings.metric === 's' ? `_cp_${settings.cp}` : ''}${unit}`,
    `smoothed_ema_${settings.smoothing}`,
    `band_low_${settings.band}`,
    `band_high_${settings.band}`,
  ];
  const lines: (string | number | null)[][] = [];
  for (const curve of buildCurves(rows, settings)) {
    const smoothed = smoothPoints(curve.raw, settings.smoothing);
    const band = curve.band ? smoothBand(curve.band, settings.smoothing) : null;
    curve.raw.forEach(([x, y], index) => {
      lines.push([
        curve.name,
        curve.runs,
        x,
        y,
        smoothed[index][1],
        band ? band[index][1] : null,
        band ? band[index][2] : null,
      ]);
    });
  }
  return toCsv(header, lines);
}
