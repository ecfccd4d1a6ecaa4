/**
 * The report's own SVG charts and HTML: round ticks, escaped text, whiskers where an
 * interval is given, and a page that fetches nothing and shows only figures it has data for.
 */
import { describe, expect, it } from 'vitest';
import { reportHtml, type ReportData } from '../../src-shared/report/report-html.ts';
import { linearTicks, logTicks, svgChart } from '../../src-shared/report/svg-chart.ts';

describe('svg charts', () => {
  it('ticks at 1, 2 or 5 × a power of ten', () => {
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0.03, 0.27)).toEqual([0.05, 0.1, 0.15, 0.2, 0.25]);
    expect(logTicks(0.05, 1)).toEqual([0.05, 0.1, 0.2, 0.5, 1]);
    expect(logTicks(0.01, 1)).toEqual([0.01, 0.1, 1]);
    expect(logTicks(1, 50_000)).toEqual([1, 10, 100, 1000, 10_000]);
  });

  it('draws a whisker per interval and escapes names', () => {
    const svg = svgChart({
      xLabel: 'cP',
      yLabel: 's',
      series: [
        {
          name: 'a<b & "c"',
          points: [
            { x: 0.8, y: 0.5, low: 0.4, high: 0.6 },
            { x: 1, y: 0.3 },
          ],
        },
      ],
    });
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(svg).not.toContain('a<b');
    // One interval: a bar and two caps, three lines in the series colour.
    expect(svg.match(/<line [^>]*stroke="#2563eb"\/>/g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svgChart({ xLabel: 'x', yLabel: 'y', series: [] })).toContain('no data');
  });
});

describe('report html', () => {
  const interval = (mean: number) => ({ mean, low: mean - 0.01, high: mean + 0.01 });
  const data: ReportData = {
    title: 'MBH Lab report — <demo>',
    generatedAt: '2026-12-01T00:00:00.000Z',
    experimentId: 4,
    spec: { name: '<demo>' },
    planeSetId: 2,
    headlineCp: 0.8,
    environment: {
      appVersion: '0.1.0',
      runtime: 'Node.js 20',
      platform: 'linux x64',
      backends: ['wasm'],
      trainers: ['tfjs'],
      datasets: [
        {
          id: 'fashion',
          name: 'Fashion MNIST',
          sha256: 'ab'.repeat(32),
          train: 60_000,
          test: 10_000,
        },
      ],
      seeds: [1, 2],
      bootstrap: { resamples: 4000, seed: 0, confidence: 0.95 },
    },
    setups: [0.1, 1].map((density) => ({
      key: `lenet(300,100)@${density}/fashion`,
      family: 'lenet',
      hidden: [300, 100],
      density,
      hnps: 1000,
      datasetId: 'fashion',
      modelIds: [1, 2],
      seeds: [1, 2],
      accuracy: interval(0.85),
      sByCp: [0.8, 1].map((cp) => ({ cp, s: interval(cp === 0.8 ? 0.9 : 0.5) })),
      regions: 1000,
      training: [],
      exact: [],
    })),
    models: [
      {
        id: 1,
        name: 'm',
        setup: 'lenet(300,100)@1/fashion',
        seed: 1,
        accuracy: 0.85,
        s: 0.9,
        backend: 'wasm',
        trainer: 'tfjs',
      },
    ],
  };

  it('is self-contained, escaped, and has the figures its data allow', () => {
    const html = reportHtml(data);
    expect(html).not.toMatch(/<script|<link|src=|url\(/);
    expect(html).toContain('<title>MBH Lab report — &lt;demo&gt;</title>');
    expect(html).toContain('&quot;name&quot;: &quot;&lt;demo&gt;&quot;');
    expect(html).toContain('ab'.repeat(32));
    expect(html).toContain('Accuracy over density (cf. thesis figure 6.2)');
    expect(html).toContain('Specialization over minimum coverage (cf. thesis figure 6.6)');
    // No training curves or exact patterns in the data: no such figures.
    expect(html).not.toContain('figure 6.8');
    expect(html).not.toContain('appendix C.1');
    expect(html).toContain('0.9000 <span class="ci">[0.8900, 0.9100]</span>');
  });
});
