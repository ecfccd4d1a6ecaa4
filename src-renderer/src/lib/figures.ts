/**
 * ECharts options for the thesis figures, built from compare rows. Each setup is one
 * point (mean) with a min–max interval; lines join the setups of one architecture, and
 * dashed black lines join setups with equal HNPs (figures 3.4, 3.5, 6.2, 6.3).
 */
import type {
  CustomSeriesOption,
  CustomSeriesRenderItemAPI,
  EChartsOption,
  LineSeriesOption,
  ScatterSeriesOption,
  SeriesOption,
} from 'echarts';
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { SERIES_COLORS } from './colors.ts';
import { architecture, compact, density as formatDensity } from './format.ts';
import {
  architectureKey,
  equalHnpGroups,
  groupBy,
  sAt,
  setupStats,
  trainingStats,
  type SetupStat,
} from './groups.ts';

export type FigureId =
  | 'acc-density'
  | 'acc-neurons'
  | 'regions-density'
  | 's-density'
  | 's-neurons'
  | 'acc-s'
  | 's-cp'
  | 'training'
  | 'family-s'
  | 'family-regions';

export interface FigureInfo {
  id: FigureId;
  label: string;
  thesis: string;
}

export const FIGURES: readonly FigureInfo[] = [
  { id: 'acc-density', label: 'Accuracy over density', thesis: 'fig. 3.4, 6.2a' },
  { id: 'acc-neurons', label: 'Accuracy over hidden neurons', thesis: 'fig. 6.2b' },
  { id: 'regions-density', label: 'Region density over density', thesis: 'fig. 3.5' },
  { id: 's-density', label: 'Specialization over density', thesis: 'fig. 6.3a' },
  { id: 's-neurons', label: 'Specialization over hidden neurons', thesis: 'fig. 6.3b, 6.9' },
  { id: 'acc-s', label: 'Accuracy over specialization', thesis: 'fig. 6.4' },
  { id: 's-cp', label: 'Specialization over cP', thesis: 'fig. 6.6' },
  { id: 'training', label: 'Over training', thesis: 'fig. 6.8, 6.10' },
  { id: 'family-s', label: 'Lenet vs DeepFC: specialization', thesis: 'fig. 6.12 row 1' },
  { id: 'family-regions', label: 'Lenet vs DeepFC: regions', thesis: 'fig. 6.12 row 2' },
];

export interface FigureSettings {
  cp: number;
  logX: boolean;
  showAll: boolean;
  trainingMetric: 'accuracy' | 's' | 'regions';
}

const accuracyPercent = (row: CompareRow) => (row.accuracy === null ? null : row.accuracy * 100);

/** Vertical (or horizontal) min–max bars with caps: data rows are [at, low, high]. */
export function errorBars(
  name: string,
  color: string,
  data: [number, number, number][],
  horizontal = false,
): CustomSeriesOption {
  return {
    type: 'custom',
    name,
    silent: true,
    z: 1,
    encode: horizontal ? { x: [1, 2], y: 0 } : { x: 0, y: [1, 2] },
    data,
    renderItem: (_params, api: CustomSeriesRenderItemAPI) => {
      const at = Number(api.value(0));
      const low = Number(api.value(1));
      const high = Number(api.value(2));
      const a = api.coord(horizontal ? [low, at] : [at, low]);
      const b = api.coord(horizontal ? [high, at] : [at, high]);
      const cap = 3;
      const style = { stroke: color, lineWidth: 1 };
      const capShape = (p: number[]) =>
        horizontal
          ? { x1: p[0], y1: p[1] - cap, x2: p[0], y2: p[1] + cap }
          : { x1: p[0] - cap, y1: p[1], x2: p[0] + cap, y2: p[1] };
      return {
        type: 'group',
        children: [
          { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style },
          { type: 'line', shape: capShape(a), style },
          { type: 'line', shape: capShape(b), style },
        ],
      };
    },
  };
}

/** A translucent min–max band under a line: data rows are [x, low, high], sorted by x. */
export function band(
  name: string,
  color: string,
  data: [number, number, number][],
): CustomSeriesOption {
  return {
    type: 'custom',
    name,
    silent: true,
    z: 0,
    encode: { x: 0, y: [1, 2] },
    data,
    renderItem: (params, api: CustomSeriesRenderItemAPI) => {
      if (params.dataIndex !== 0 || data.length < 2) return null;
      const upper = data.map(([x, , high]) => api.coord([x, high]));
      const lower = data.map(([x, low]) => api.coord([x, low])).reverse();
      return {
        type: 'polygon',
        shape: { points: [...upper, ...lower] },
        style: { fill: color, opacity: 0.18 },
      };
    },
  };
}

function baseOption(
  title: string,
  xName: string,
  yName: string,
  logX: boolean,
  logY = false,
): EChartsOption {
  return {
    animation: false,
    title: { text: title, left: 8, top: 4, textStyle: { fontSize: 13, fontWeight: 600 } },
    grid: { left: 64, right: 56, top: 56, bottom: 48, containLabel: false },
    legend: {
      type: 'scroll',
      top: 26,
      left: 8,
      right: 8,
      itemWidth: 18,
      itemHeight: 8,
      textStyle: { fontSize: 11 },
    },
    tooltip: { trigger: 'item', confine: true },
    xAxis: {
      type: logX ? 'log' : 'value',
      name: xName,
      nameLocation: 'middle',
      nameGap: 28,
      scale: true,
      splitLine: { lineStyle: { color: '#eef0f3' } },
      minorTick: { show: logX },
      minorSplitLine: { show: logX, lineStyle: { color: '#f5f6f8' } },
    },
    yAxis: {
      type: logY ? 'log' : 'value',
      name: yName,
      nameLocation: 'middle',
      nameGap: 46,
      scale: true,
      splitLine: { lineStyle: { color: '#eef0f3' } },
    },
  };
}

/** One colour per architecture, largest first, the same in every figure of a row set. */
export function architectureColors(rows: readonly CompareRow[]): Map<string, string> {
  const keys = [...groupBy(rows, architectureKey).values()]
    .map((group) => group[0])
    .sort(
      (a, b) =>
        b.hiddenNeurons - a.hiddenNeurons ||
        a.family.localeCompare(b.family) ||
        a.datasetId.localeCompare(b.datasetId),
    )
    .map(architectureKey);
  return new Map(keys.map((key, index) => [key, SERIES_COLORS[index % SERIES_COLORS.length]]));
}

function keep(logX: boolean) {
  return (x: number) => Number.isFinite(x) && (!logX || x > 0);
}

interface LinesConfig {
  title: string;
  xName: string;
  yName: string;
  x: (row: CompareRow) => number;
  y: (row: CompareRow) => number | null;
  /** What a solid line joins: by architecture (default) or by equal HNPs. */
  lineBy: 'architecture' | 'hnps';
  equalHnpDashes: boolean;
  logX: boolean;
  logY?: boolean;
  showAll: boolean;
  /** Different dash style per family (Lenet vs DeepFC). */
  familyStyles?: boolean;
  /** Lower bound of the y axis (0 for s and counts, which cannot be negative). */
  yMin?: number;
}

function labelFor(stat: SetupStat, lineBy: 'architecture' | 'hnps'): string {
  return lineBy === 'architecture'
    ? `${architecture(stat.row.family, stat.row.hidden)}${stat.row.datasetId ? ` · ${stat.row.datasetId}` : ''}`
    : `${compact(stat.row.hnps)} HNPs`;
}

/** Lines over x with intervals and optional equal-HNP dashes; the workhorse of the figures. */
export function linesFigure(rows: readonly CompareRow[], config: LinesConfig): EChartsOption {
  const ok = keep(config.logX);
  const stats = setupStats(rows, config.x, config.y).filter((s) => ok(s.x));
  const series: SeriesOption[] = [];
  const groups =
    config.lineBy === 'architecture'
      ? [...groupBy(stats, (s) => architectureKey(s.row)).values()]
      : equalHnpGroups(stats);
  groups.sort(
    (a, b) => b[0].row.hiddenNeurons - a[0].row.hiddenNeurons || b[0].row.hnps - a[0].row.hnps,
  );
  const palette = architectureColors(rows);
  groups.forEach((group, index) => {
    const color =
      config.lineBy === 'architecture'
        ? (palette.get(architectureKey(group[0].row)) ?? SERIES_COLORS[0])
        : SERIES_COLORS[index % SERIES_COLORS.length];
    const name = labelFor(group[0], config.lineBy);
    const points = [...group].sort((a, b) => a.x - b.x);
    const deep = config.familyStyles && group[0].row.family === 'deepfc';
    const line: LineSeriesOption = {
      type: 'line',
      name,
      color,
      symbol: deep ? 'triangle' : 'circle',
      symbolSize: 7,
      lineStyle: { width: 1.6, type: deep ? 'dashed' : 'solid' },
      data: points.map((p) => ({
        value: [p.x, p.mean],
        name: `${architecture(p.row.family, p.row.hidden)} @ ${formatDensity(p.row.density)} (${p.count} models)`,
      })),
      tooltip: {
        valueFormatter: (value) => (typeof value === 'number' ? value.toFixed(3) : String(value)),
      },
      z: 3,
    };
    series.push(line);
    series.push(
      errorBars(
        name,
        color,
        points.map((p) => [p.x, p.min, p.max]),
      ),
    );
    if (config.showAll) {
      const keys = new Set(points.map((p) => p.setup));
      const individual: ScatterSeriesOption = {
        type: 'scatter',
        name,
        color,
        symbolSize: 6,
        itemStyle: { opacity: 0.6, borderColor: '#fff', borderWidth: 0.5 },
        data: rows
          .filter((row) => keys.has(row.setup))
          .map((row) => ({ value: [config.x(row), config.y(row) ?? NaN], name: row.name }))
          .filter((d) => ok(d.value[0]) && Number.isFinite(d.value[1])),
        z: 2,
      };
      series.push(individual);
    }
  });
  if (config.equalHnpDashes) {
    for (const group of equalHnpGroups(stats)) {
      if (group.length < 2) continue;
      const points = [...group].sort((a, b) => a.x - b.x);
      series.push({
        type: 'line',
        name: 'equal HNPs',
        color: '#222',
        symbol: 'none',
        lineStyle: { type: 'dashed', width: 1, color: '#222' },
        data: points.map((p) => [p.x, p.mean]),
        endLabel: {
          show: true,
          formatter: `${compact(group[0].row.hnps)}`,
          fontSize: 10,
          color: '#444',
        },
        silent: true,
        z: 2,
      });
    }
  }
  const option = baseOption(config.title, config.xName, config.yName, config.logX, config.logY);
  if (config.yMin !== undefined) (option.yAxis as { min?: number }).min = config.yMin;
  option.series = series;
  return option;
}

function emptyOption(title: string, message: string): EChartsOption {
  return {
    title: {
      text: title,
      subtext: message,
      left: 'center',
      top: 'middle',
      textStyle: { fontSize: 13 },
      subtextStyle: { fontSize: 12, color: '#666' },
    },
  };
}

export function figureOption(
  id: FigureId,
  rows: readonly CompareRow[],
  settings: FigureSettings,
): EChartsOption {
  const info = FIGURES.find((f) => f.id === id)!;
  const title = `${info.label} (${info.thesis})`;
  if (rows.length === 0)
    return emptyOption(title, 'No models to compare: pick a project or experiment.');
  const s = (row: CompareRow) => sAt(row, settings.cp);
  const common = { logX: settings.logX, showAll: settings.showAll };
  const cpText = `s (cP = ${settings.cp})`;
  switch (id) {
    case 'acc-density':
      return linesFigure(rows, {
        ...common,
        title,
        xName: 'density',
        yName: 'validation accuracy %',
        x: (r) => r.density,
        y: accuracyPercent,
        lineBy: 'architecture',
        equalHnpDashes: true,
      });
    case 'acc-neurons':
      return linesFigure(rows, {
        ...common,
        title,
        xName: 'hidden neurons',
        yName: 'validation accuracy %',
        x: (r) => r.hiddenNeurons,
        y: accuracyPercent,
        lineBy: 'hnps',
        equalHnpDashes: false,
      });
    case 'regions-density':
      return linesFigure(rows, {
        ...common,
        title,
        xName: 'density',
        yName: 'regions per unit area',
        x: (r) => r.density,
        y: (r) => r.regionDensity,
        lineBy: 'architecture',
        equalHnpDashes: true,
      });
    case 's-density':
      return linesFigure(rows, {
        ...common,
        title,
        xName: 'density',
        yName: cpText,
        x: (r) => r.density,
        y: s,
        yMin: 0,
        lineBy: 'architecture',
        equalHnpDashes: true,
      });
    case 's-neurons':
      return linesFigure(rows, {
        ...common,
        title,
        xName: 'hidden neurons',
        yName: cpText,
        x: (r) => r.hiddenNeurons,
        y: s,
        yMin: 0,
        lineBy: 'hnps',
        equalHnpDashes: false,
      });
    case 'family-s':
      return linesFigure(rows, {
        ...common,
        title,
        xName: 'density',
        yName: cpText,
        x: (r) => r.density,
        y: s,
        yMin: 0,
        lineBy: 'architecture',
        equalHnpDashes: false,
        familyStyles: true,
      });
    case 'family-regions':
      return linesFigure(rows, {
        ...common,
        title,
        xName: 'density',
        yName: 'regions per plane',
        x: (r) => r.density,
        y: (r) => r.regions,
        lineBy: 'architecture',
        equalHnpDashes: false,
        familyStyles: true,
      });
    case 'acc-s':
      return accuracyOverS(rows, settings, title);
    case 's-cp':
      return sOverCp(rows, settings, title);
    case 'training':
      return overTraining(rows, settings, title);
  }
}

function accuracyOverS(
  rows: readonly CompareRow[],
  settings: FigureSettings,
  title: string,
): EChartsOption {
  const sStats = new Map(
    setupStats(
      rows,
      () => 0,
      (r) => sAt(r, settings.cp),
    ).map((st) => [st.setup, st]),
  );
  const accStats = setupStats(rows, () => 0, accuracyPercent);
  const series: SeriesOption[] = [];
  const byArch = groupBy(
    accStats.filter((a) => sStats.has(a.setup)),
    (a) => architectureKey(a.row),
  );
  const palette = architectureColors(rows);
  [...byArch.values()].forEach((group) => {
    const color = palette.get(architectureKey(group[0].row)) ?? SERIES_COLORS[0];
    const name = architecture(group[0].row.family, group[0].row.hidden);
    const points = group.map((a) => ({ acc: a, s: sStats.get(a.setup)! }));
    series.push({
      type: 'scatter',
      name,
      color,
      symbolSize: 9,
      data: points.map((p) => ({
        value: [p.s.mean, p.acc.mean],
        name: `${name} @ ${formatDensity(p.acc.row.density)}, ${compact(p.acc.row.hnps)} HNPs`,
      })),
      z: 3,
    });
    series.push(
      errorBars(
        name,
        color,
        points.map((p) => [p.s.mean, p.acc.min, p.acc.max]),
      ),
    );
    series.push(
      errorBars(
        name,
        color,
        points.map((p) => [p.acc.mean, p.s.min, p.s.max]),
        true,
      ),
    );
    if (settings.showAll) {
      const keys = new Set(group.map((a) => a.setup));
      series.push({
        type: 'scatter',
        name,
        color,
        symbolSize: 6,
        itemStyle: { opacity: 0.6, borderColor: '#fff', borderWidth: 0.5 },
        data: rows
          .filter((r) => keys.has(r.setup) && r.accuracy !== null && sAt(r, settings.cp) !== null)
          .map((r) => ({ value: [sAt(r, settings.cp)!, r.accuracy! * 100], name: r.name })),
      });
    }
  });
  const option = baseOption(title, `s (cP = ${settings.cp})`, 'validation accuracy %', false);
  option.series = series;
  return option;
}

function setupLabel(row: CompareRow): string {
  return `${architecture(row.family, row.hidden)} @ ${formatDensity(row.density)}`;
}

function sOverCp(
  rows: readonly CompareRow[],
  settings: FigureSettings,
  title: string,
): EChartsOption {
  const series: SeriesOption[] = [];
  const bySetup = groupBy(rows, (r) => r.setup);
  [...bySetup.values()].forEach((members, index) => {
    const color = SERIES_COLORS[index % SERIES_COLORS.length];
    const name = setupLabel(members[0]);
    const cps = [...new Set(members.flatMap((m) => m.sByCp.map((e) => e.cp)))].sort(
      (a, b) => a - b,
    );
    const points = cps.map((cp) => {
      const values = members.map((m) => sAt(m, cp)).filter((v): v is number => v !== null);
      const sum = values.reduce((a, b) => a + b, 0);
      return { cp, mean: sum / values.length, min: Math.min(...values), max: Math.max(...values) };
    });
    series.push({
      type: 'line',
      name,
      color,
      symbolSize: 6,
      data: points.map((p) => [p.cp, p.mean]),
      z: 3,
    });
    series.push(
      errorBars(
        name,
        color,
        points.map((p) => [p.cp, p.min, p.max]),
      ),
    );
  });
  const option = baseOption(title, 'minimum coverage cP', 's', false);
  // cP and s are shares: both axes stay within [0, 1] (scale: true would pad past 1).
  Object.assign(option.xAxis as object, { min: 0, max: 1 });
  Object.assign(option.yAxis as object, { min: 0, max: 1 });
  option.series = series;
  return option;
}

function overTraining(
  rows: readonly CompareRow[],
  settings: FigureSettings,
  title: string,
): EChartsOption {
  const metric = settings.trainingMetric;
  const stats = trainingStats(rows, metric);
  const ok = keep(settings.logX);
  const scale = metric === 'accuracy' ? 100 : 1;
  const series: SeriesOption[] = [];
  [...stats.values()].forEach(({ row, points }, index) => {
    const color = SERIES_COLORS[index % SERIES_COLORS.length];
    const name = setupLabel(row);
    const kept = points.filter((p) => ok(p.iteration));
    series.push({
      type: 'line',
      name,
      color,
      symbolSize: 4,
      data: kept.map((p) => [p.iteration, p.mean * scale]),
      z: 3,
    });
    series.push(
      band(
        name,
        color,
        kept.map((p) => [p.iteration, p.min * scale, p.max * scale]),
      ),
    );
  });
  const yName =
    metric === 'accuracy'
      ? 'validation accuracy %'
      : metric === 's'
        ? 's (headline cP)'
        : 'regions per plane';
  const option = baseOption(
    `${title} · ${metric === 's' ? 'specialization' : metric}`,
    settings.logX ? 'training iteration (log)' : 'training iteration',
    yName,
    settings.logX,
  );
  option.series = series;
  return option;
}

/** Density over hidden neurons, one line per HNP level, log–log (figure 6.1). */
export function setupsOption(
  setups: readonly { hidden: number[]; density: number; hnps: number; hnpLevel?: number }[],
): EChartsOption {
  const byLevel = groupBy(setups, (s) => s.hnpLevel ?? s.hnps);
  const series: SeriesOption[] = [...byLevel.entries()].map(([level, group], index) => ({
    type: 'line',
    name: `${compact(level)} HNPs`,
    color: SERIES_COLORS[index % SERIES_COLORS.length],
    symbol: ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow'][index % 6],
    symbolSize: 8,
    data: [...group]
      .map((s) => ({
        value: [s.hidden.reduce((a, b) => a + b, 0), s.density],
        name: `(${s.hidden.join(',')}) @ ${formatDensity(s.density)} · ${s.hnps.toLocaleString()} HNPs`,
      }))
      .sort((a, b) => a.value[0] - b.value[0]),
  }));
  const option = baseOption(
    'Setups: density over hidden neurons (fig. 6.1)',
    'hidden neurons',
    'density',
    true,
    true,
  );
  (option.yAxis as { max?: number }).max = 1;
  option.series = series;
  return option;
}
