/**
 * Line and scatter charts as standalone SVG text, for the self-contained HTML report: no
 * script, no external resource. Intervals are drawn as whiskers (a vertical bar with caps).
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** An interval around y, drawn as a whisker. */
  low?: number;
  high?: number;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  dashed?: boolean;
}

export interface ChartSpec {
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  /** Draw points only (no lines). */
  scatter?: boolean;
  series: ChartSeries[];
}

export const CHART_COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#be185d',
  '#4d7c0f',
  '#64748b',
  '#a16207',
];

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Round tick values covering [low, high]: steps of 1, 2 or 5 × a power of ten. */
export function linearTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten (and 2× and 5× when few) within [low, high], both > 0. */
export function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  const span = Math.log10(high / low);
  const multipliers = span < 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
    for (const m of multipliers) {
      const t = m * 10 ** e;
      if (t >= low * (1 - 1e-9) && t <= high * (1 + 1e-9)) ticks.push(Number(t.toPrecision(12)));
    }
  }
  return ticks;
}

function formatTick(value: number): string {
  if (value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3)) {
    return value.toExponential(0);
  }
  return String(Number(value.toPrecision(4)));
}

/** The chart as an <svg> element (width × height CSS pixels, scalable). */
export function svgChart(spec: ChartSpec, width = 620, height = 320): string {
  const margin = { left: 60, right: 200, top: 12, bottom: 44 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const points = spec.series.flatMap((series) => series.points);
  const xs = points.map((p) => p.x).filter((x) => (spec.logX ? x > 0 : Number.isFinite(x)));
  const ys = points.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]).filter(Number.isFinite);
  if (xs.length === 0 || ys.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="60"><text x="10" y="30" font-size="13">no data</text></svg>`;
  }
  let xLow = Math.min(...xs);
  let xHigh = Math.max(...xs);
  if (xLow === xHigh) {
    xLow = spec.logX ? xLow / 2 : xLow - 1;
    xHigh = spec.logX ? xHigh * 2 : xHigh + 1;
  }
  let yLow = Math.min(...ys);
  let yHigh = Math.max(...ys);
  const pad = (yHigh - yLow) * 0.06 || Math.abs(yHigh) * 0.1 || 1;
  yLow -= pad;
  yHigh += pad;
  const xOf = (x: number) =>
    margin.left +
    (spec.logX
      ? (Math.log(x / xLow) / Math.log(xHigh / xLow)) * plotWidth
      : ((x - xLow) / (xHigh - xLow)) * plotWidth);
  const yOf = (y: number) => margin.top + plotHeight - ((y - yLow) / (yHigh - yLow)) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
  ];
  for (const t of spec.logX ? logTicks(xLow, xHigh) : linearTicks(xLow, xHigh)) {
    const x = xOf(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight + 4}" stroke="#999"/>`,
      `<text x="${x}" y="${margin.top + plotHeight + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of linearTicks(yLow, yHigh)) {
    const y = yOf(t).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(spec.xLabel)}${spec.logX ? ' (log)' : ''}</text>`,
    `<text transform="translate(14 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  spec.series.forEach((series, k) => {
    const color = CHART_COLORS[k % CHART_COLORS.length];
    const shown = series.points
      .filter((p) => Number.isFinite(p.y) && (!spec.logX || p.x > 0))
      .sort((a, b) => a.x - b.x);
    if (!spec.scatter && shown.length > 1) {
      const path = shown.map(
        (p, i) => `${i === 0 ? 'M' : 'L'}${xOf(p.x).toFixed(1)},${yOf(p.y).toFixed(1)}`,
      );
      parts.push(
        `<path d="${path.join('')}" fill="none" stroke="${color}" stroke-width="1.6"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
    }
    for (const p of shown) {
      const x = xOf(p.x).toFixed(1);
      if (p.low !== undefined && p.high !== undefined) {
        const top = yOf(p.high).toFixed(1);
        const bottom = yOf(p.low).toFixed(1);
        parts.push(
          `<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="${color}"/>`,
          `<line x1="${Number(x) - 3}" x2="${Number(x) + 3}" y1="${top}" y2="${top}" stroke="${color}"/>`,
          `<line x1="${Number(x) - 3}" x2="${Number(x) + 3}" y1="${bottom}" y2="${bottom}" stroke="${color}"/>`,
        );
      }
      parts.push(`<circle cx="${x}" cy="${yOf(p.y).toFixed(1)}" r="2.8" fill="${color}"/>`);
    }
    const legendY = margin.top + 10 + k * 16;
    parts.push(
      `<line x1="${width - margin.right + 10}" x2="${width - margin.right + 28}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${width - margin.right + 32}" y="${legendY}" dominant-baseline="middle">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
