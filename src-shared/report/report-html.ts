/**
 * An experiment's report as one self-contained HTML file (issue 11 §6): the spec, the
 * environment it ran in, every thesis figure it has data for with its caption, the tables,
 * and 95 % bootstrap confidence intervals. Pure: the lab gathers ReportData, this writes it.
 */
import type { Interval } from '../stats/bootstrap.ts';
import { escapeXml, svgChart, type ChartSeries } from './svg-chart.ts';

export interface ReportSetup {
  key: string;
  family: string;
  hidden: number[];
  density: number;
  hnps: number;
  datasetId: string;
  modelIds: number[];
  seeds: number[];
  /** Validation accuracy over models (null when one has none). */
  accuracy: Interval | null;
  /** s per cP over models and planes, last checkpoint. */
  sByCp: { cp: number; s: Interval }[];
  regions: number | null;
  /** Means over the setup's models per iteration. */
  training: {
    iteration: number;
    s: number | null;
    accuracy: number | null;
    regions: number | null;
  }[];
  /** Greedy against exact s over cP (means over models), when measured. */
  exact: { cp: number; s: number; sExact: number; missed: number; optimal: number }[];
}

export interface ReportModel {
  id: number;
  name: string;
  setup: string;
  seed: number;
  accuracy: number | null;
  /** s at the headline cP, last checkpoint. */
  s: number | null;
  backend: string | null;
  trainer: string | null;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  experimentId: number;
  spec: unknown;
  planeSetId: number | null;
  headlineCp: number;
  environment: {
    appVersion: string;
    runtime: string;
    platform: string;
    backends: string[];
    trainers: string[];
    datasets: { id: string; name: string; sha256: string | null; train: number; test: number }[];
    seeds: number[];
    bootstrap: { resamples: number; seed: number; confidence: number };
  };
  setups: ReportSetup[];
  models: ReportModel[];
}

const ci = (interval: Interval | null, digits = 4, scale = 1): string =>
  interval === null
    ? '–'
    : `${(scale * interval.mean).toFixed(digits)} <span class="ci">[${(scale * interval.low).toFixed(digits)}, ${(scale * interval.high).toFixed(digits)}]</span>`;

function figure(title: string, svg: string, caption: string): string {
  return `<figure><h3>${escapeXml(title)}</h3>${svg}<figcaption>${caption}</figcaption></figure>`;
}

function hiddenLabel(setup: ReportSetup): string {
  return `${setup.hidden.reduce((a, b) => a + b, 0)} hidden`;
}

/**
 * One series per hidden-neuron count over density, or — when every setup has the same
 * density — one series over the number of hidden neurons (the two columns of figures 6.2
 * and 6.3).
 */
function overSetups(
  setups: ReportSetup[],
  pick: (setup: ReportSetup) => Interval | null,
  byDensity: boolean,
): ChartSeries[] {
  const groups = new Map<string, ReportSetup[]>();
  for (const setup of setups) {
    const key = byDensity ? hiddenLabel(setup) : `density ${setup.density}`;
    groups.set(key, [...(groups.get(key) ?? []), setup]);
  }
  return [...groups.entries()].map(([name, members]) => ({
    name,
    points: members
      .map((setup) => ({ setup, value: pick(setup) }))
      .filter((entry) => entry.value !== null)
      .map(({ setup, value }) => ({
        x: byDensity ? setup.density : setup.hidden.reduce((a, b) => a + b, 0),
        y: value!.mean,
        low: value!.low,
        high: value!.high,
      })),
  }));
}

export function reportHtml(data: ReportData): string {
  const { environment: env, setups } = data;
  const cp = data.headlineCp;
  const atHeadline = (setup: ReportSetup) =>
    setup.sByCp.find((entry) => entry.cp === cp)?.s ?? null;
  const bands = `Whiskers: ${100 * env.bootstrap.confidence} % percentile-bootstrap confidence intervals (${env.bootstrap.resamples} resamples, seed ${env.bootstrap.seed}) — over the setup's models (seeds) for accuracy; over models and then each model's planes for s.`;
  const figures: string[] = [];
  const byDensity = new Set(setups.map((setup) => setup.density)).size > 1;
  const axis = byDensity ? 'density' : 'hidden neurons';
  if (setups.length > 1) {
    figures.push(
      figure(
        `Accuracy over ${axis} (cf. thesis figure 6.2)`,
        svgChart({
          xLabel: axis,
          yLabel: 'validation accuracy',
          logX: true,
          series: overSetups(setups, (s) => s.accuracy, byDensity),
        }),
        `Validation accuracy of the last checkpoint over the ${axis} of the hidden layers, one line per ${byDensity ? 'number of hidden neurons' : 'density'}. ${bands}`,
      ),
      figure(
        `Specialization over ${axis} at cP = ${cp} (cf. thesis figure 6.3)`,
        svgChart({
          xLabel: axis,
          yLabel: `s (cP = ${cp})`,
          logX: true,
          series: overSetups(setups, atHeadline, byDensity),
        }),
        `s = 1 − area(minimal blanket) / area(domain), the mean over phenomena and planes, last checkpoint, over the ${axis}. ${bands}`,
      ),
    );
  }
  const scatter = setups.map((setup) => ({
    name: setup.key,
    points: data.models
      .filter((model) => model.setup === setup.key && model.s !== null && model.accuracy !== null)
      .map((model) => ({ x: model.s!, y: model.accuracy! })),
  }));
  if (scatter.some((series) => series.points.length > 0)) {
    figures.push(
      figure(
        `Accuracy over specialization at cP = ${cp} (cf. thesis figure 6.4)`,
        svgChart({
          xLabel: `s (cP = ${cp})`,
          yLabel: 'validation accuracy',
          scatter: true,
          series: scatter,
        }),
        'One point per model (last checkpoint), coloured by setup.',
      ),
    );
  }
  figures.push(
    figure(
      'Specialization over minimum coverage (cf. thesis figure 6.6)',
      svgChart({
        xLabel: 'minimum coverage cP',
        yLabel: 's',
        series: setups.map((setup) => ({
          name: setup.key,
          points: setup.sByCp.map((entry) => ({
            x: entry.cp,
            y: entry.s.mean,
            low: entry.s.low,
            high: entry.s.high,
          })),
        })),
      }),
      `s of each setup at every measured cP, last checkpoint. ${bands}`,
    ),
  );
  const trained = setups.filter(
    (setup) => setup.training.filter((point) => point.s !== null).length > 1,
  );
  if (trained.length > 0) {
    const series = (pick: (point: ReportSetup['training'][number]) => number | null) =>
      trained.map((setup) => ({
        name: setup.key,
        points: setup.training
          .filter((point) => point.iteration > 0 && pick(point) !== null)
          .map((point) => ({ x: point.iteration, y: pick(point)! })),
      }));
    figures.push(
      figure(
        `Specialization over training at cP = ${cp} (cf. thesis figure 6.8, row 1)`,
        svgChart({
          xLabel: 'training iteration',
          yLabel: `s (cP = ${cp})`,
          logX: true,
          series: series((p) => p.s),
        }),
        "Mean over each setup's models at every measured checkpoint (iteration 0, the initialisation, is left out of the logarithmic axis; the tables list it).",
      ),
      figure(
        'Activation regions over training (cf. thesis figure 6.8, row 2)',
        svgChart({
          xLabel: 'training iteration',
          yLabel: 'regions per plane',
          logX: true,
          series: series((p) => p.regions),
        }),
        "Mean number of exact activation regions per plane over each setup's models.",
      ),
    );
  }
  const exact = setups.filter((setup) => setup.exact.length > 0);
  if (exact.length > 0) {
    figures.push(
      figure(
        'Greedy and exact maximal patterns (thesis appendix C.1)',
        svgChart({
          xLabel: 'minimum coverage cP',
          yLabel: 's',
          series: exact.flatMap((setup) => [
            { name: `${setup.key} greedy`, points: setup.exact.map((e) => ({ x: e.cp, y: e.s })) },
            {
              name: `${setup.key} exact`,
              dashed: true,
              points: setup.exact.map((e) => ({ x: e.cp, y: e.sExact })),
            },
          ]),
        }),
        's of the greedy pattern of algorithm 3 (solid) and of the exact maximal pattern, an integer program solved with HiGHS (dashed), for the models measured with exact patterns.',
      ),
    );
  }
  const setupRows = setups
    .map(
      (setup) =>
        `<tr><td>${escapeXml(setup.key)}</td><td>${setup.hnps.toLocaleString('en')}</td><td>${setup.seeds.join(', ')}</td>` +
        `<td>${ci(setup.accuracy, 2, 100)}</td><td>${ci(atHeadline(setup))}</td><td>${setup.regions === null ? '–' : setup.regions.toFixed(0)}</td></tr>`,
    )
    .join('');
  const cps = [...new Set(setups.flatMap((setup) => setup.sByCp.map((entry) => entry.cp)))].sort(
    (a, b) => a - b,
  );
  const cpRows = setups
    .map(
      (setup) =>
        `<tr><td>${escapeXml(setup.key)}</td>${cps
          .map(
            (value) =>
              `<td>${ci(setup.sByCp.find((entry) => entry.cp === value)?.s ?? null, 3)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  const modelRows = data.models
    .map(
      (model) =>
        `<tr><td>${model.id}</td><td>${escapeXml(model.name)}</td><td>${escapeXml(model.setup)}</td><td>${model.seed}</td>` +
        `<td>${model.accuracy === null ? '–' : (100 * model.accuracy).toFixed(2)}</td><td>${model.s === null ? '–' : model.s.toFixed(4)}</td>` +
        `<td>${escapeXml(model.backend ?? '–')}</td><td>${escapeXml(model.trainer ?? '–')}</td></tr>`,
    )
    .join('');
  const datasetRows = env.datasets
    .map(
      (dataset) =>
        `<tr><td>${escapeXml(dataset.id)}</td><td>${escapeXml(dataset.name)}</td><td>${dataset.train.toLocaleString('en')} / ${dataset.test.toLocaleString('en')}</td><td class="mono">${dataset.sha256 ?? '–'}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(data.title)}</title>
<meta name="generator" content="MBH Lab ${escapeXml(env.appVersion)}">
<style>
body{font-family:system-ui,sans-serif;max-width:980px;margin:24px auto;padding:0 16px;color:#111;line-height:1.4}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:14px;margin:4px 0}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}
.ci{color:#666}.mono,pre{font-family:ui-monospace,monospace;font-size:11px}pre{background:#f6f6f6;padding:8px;overflow:auto}
figure{margin:16px 0;break-inside:avoid}figcaption{font-size:12px;color:#333;max-width:760px}svg{max-width:100%;height:auto}
</style></head><body>
<h1>${escapeXml(data.title)}</h1>
<p>Experiment ${data.experimentId} · report generated ${escapeXml(data.generatedAt)} by MBH Lab ${escapeXml(env.appVersion)}${data.planeSetId === null ? '' : ` · plane set ${data.planeSetId}`}.</p>
<h2>Environment</h2>
<table><tr><th>app version</th><td>${escapeXml(env.appVersion)}</td></tr><tr><th>runtime</th><td>${escapeXml(env.runtime)}</td></tr>
<tr><th>platform</th><td>${escapeXml(env.platform)}</td></tr><tr><th>training backends</th><td>${escapeXml(env.backends.join(', ') || '–')}</td></tr>
<tr><th>training paths</th><td>${escapeXml(env.trainers.join(', ') || '–')}</td></tr><tr><th>seeds</th><td>${env.seeds.join(', ')}</td></tr></table>
<table><tr><th>dataset</th><th>name</th><th>train / test</th><th>SHA-256 of the lab's dataset cache</th></tr>${datasetRows}</table>
<h2>Specification</h2>
<pre>${escapeXml(JSON.stringify(data.spec, null, 2))}</pre>
<h2>Setups</h2>
<table><tr><th>setup</th><th>HNPs</th><th>seeds</th><th>accuracy % [95 % CI]</th><th>s at cP ${cp} [95 % CI]</th><th>regions per plane</th></tr>${setupRows}</table>
<table><tr><th>setup</th>${cps.map((value) => `<th>s, cP ${value}</th>`).join('')}</tr>${cpRows}</table>
<p class="ci">${bands}</p>
<h2>Figures</h2>
${figures.join('\n')}
<h2>Models</h2>
<table><tr><th>id</th><th>name</th><th>setup</th><th>seed</th><th>accuracy %</th><th>s at cP ${cp}</th><th>backend</th><th>training path</th></tr>${modelRows}</table>
</body></html>
`;
}
