/**
 * The compare view's tracker logic: bias-corrected EMA, LTTB thinning with its min/max
 * envelope, grouping runs by a hyperparameter with mean/std/min/max per iteration,
 * metric columns (last, best, at an iteration), deltas in the metric's unit, export
 * file names and the CSV of exactly what the run table shows.
 */
import { describe, expect, it } from 'vitest';
import type { CompareRow } from '../../src-shared/api/dto.ts';
import { compareViewStateSchema, CURVE_METRICS } from '../../src-shared/api/compare-view.ts';
import { backendLabel } from '../../src-renderer/src/lib/backend-label.ts';
import { parseCsv } from '../../src-renderer/src/lib/csv.ts';
import { figureOption } from '../../src-renderer/src/lib/figures.ts';
import { splitAtSeed } from '../../src-renderer/src/lib/names.ts';
import {
  buildCurves,
  curvesCaption,
  DEFAULT_CURVE_SETTINGS,
  thinBand,
} from '../../src-renderer/src/lib/curves.ts';
import { lttb, minMaxEnvelope, thin } from '../../src-renderer/src/lib/decimate.ts';
import { formatDelta, formatValue, rowDecimals } from '../../src-renderer/src/lib/deltas.ts';
import { exportFileName } from '../../src-renderer/src/lib/export-names.ts';
import {
  groupLabel,
  groupRuns,
  pointStats,
  sampleStd,
} from '../../src-renderer/src/lib/run-groups.ts';
import {
  columnTitle,
  metricCell,
  METRICS,
  runCurve,
} from '../../src-renderer/src/lib/run-metrics.ts';
import { metricCsvHeader, shownCsv, sortTable } from '../../src-renderer/src/lib/runs-table.ts';
import { emaSmooth } from '../../src-renderer/src/lib/smoothing.ts';

type Training = CompareRow['training'][number];

function point(
  iteration: number,
  accuracy: number | null,
  extra: Partial<Training> = {},
): Training {
  return {
    iteration,
    accuracy,
    loss: null,
    trainLoss: null,
    s: null,
    sByCp: [],
    regions: null,
    ...extra,
  };
}

function run(partial: Partial<CompareRow> & { modelId: number }): CompareRow {
  return {
    name: `m${partial.modelId}`,
    experimentId: 1,
    family: 'lenet',
    hidden: [12, 4],
    hiddenNeurons: 16,
    density: 1,
    hnps: 9_472,
    seed: 0,
    datasetId: 'digits',
    hnpLevel: null,
    pruning: { kind: 'random' },
    setup: 'lenet|12,4|1|digits',
    accuracy: 0.8,
    loss: 0.5,
    regions: 100,
    regionDensity: 2,
    sByCp: [],
    training: [],
    ...partial,
  };
}

describe('bias-corrected EMA', () => {
  it('leaves a constant series constant from the first point (no pull towards 0)', () => {
    expect(emaSmooth([5, 5, 5, 5], 0.9)).toEqual([5, 5, 5, 5].map(() => expect.closeTo(5, 12)));
  });

  it('matches the closed form on a step and is the identity at weight 0', () => {
    // w = 0.5: averages 0.5·0 + 0.5·1 = 0.5 → /(1 − 0.25) … by hand.
    const smoothed = emaSmooth([0, 1, 1], 0.5);
    expect(smoothed[0]).toBe(0);
    expect(smoothed[1]).toBeCloseTo(0.5 / 0.75, 12);
    expect(smoothed[2]).toBeCloseTo(0.75 / 0.875, 12);
    expect(emaSmooth([3, 1, 4], 0)).toEqual([3, 1, 4]);
  });

  it('passes non-finite values through without moving the average', () => {
    const smoothed = emaSmooth([2, NaN, 2], 0.8);
    expect(smoothed[1]).toBeNaN();
    expect(smoothed[2]).toBeCloseTo(2, 12);
  });

  it('refuses a weight outside [0, 1)', () => {
    expect(() => emaSmooth([1], 1)).toThrow('smoothing weight 1 is not in [0, 1)');
  });
});

describe('thinning long curves', () => {
  const points: [number, number][] = Array.from({ length: 1000 }, (_, i) => [
    i,
    i === 500 ? 100 : Math.sin(i / 30),
  ]);

  it('keeps first, last and the spike, with exactly the target count', () => {
    const line = lttb(points, 50);
    expect(line).toHaveLength(50);
    expect(line[0]).toEqual([0, 0]);
    expect(line.at(-1)).toEqual(points[999]);
    expect(line.some(([x, y]) => x === 500 && y === 100)).toBe(true);
    for (let i = 1; i < line.length; i++) expect(line[i][0]).toBeGreaterThan(line[i - 1][0]);
  });

  it('the envelope covers every raw point that thinning hid', () => {
    const envelope = minMaxEnvelope(points, 50);
    for (const [x, y] of points) {
      const bucket = envelope.filter(([bx]) => bx <= x).at(-1)!;
      const next = envelope.find(([bx]) => bx >= x)!;
      expect(y).toBeGreaterThanOrEqual(Math.min(bucket[1], next[1]) - 1e-12);
      expect(y).toBeLessThanOrEqual(Math.max(bucket[2], next[2]) + 1e-12);
    }
    expect(Math.max(...envelope.map((row) => row[2]))).toBe(100);
  });

  it('leaves short curves alone with no envelope', () => {
    expect(thin(points.slice(0, 10), 50)).toEqual({ line: points.slice(0, 10), envelope: null });
  });

  it('thins a band to the widest low and high per bucket', () => {
    const band = Array.from({ length: 100 }, (_, i): [number, number, number] => [i, -i, i]);
    const thinned = thinBand(band, 10);
    expect(thinned[0]).toEqual([0, -9, 9]);
    expect(thinned.at(-1)).toEqual([99, -99, 99]);
  });
});

describe('grouping runs by a hyperparameter', () => {
  const rows = [
    run({ modelId: 1, seed: 1, density: 1, training: [point(0, 0.1), point(10, 0.5)] }),
    run({ modelId: 2, seed: 2, density: 1, training: [point(0, 0.3), point(10, 0.7)] }),
    run({ modelId: 3, seed: 3, density: 1, training: [point(0, 0.2), point(10, 0.9)] }),
    run({
      modelId: 4,
      seed: 1,
      density: 0.5,
      setup: 'lenet|12,4|0.5|digits',
      training: [point(0, 0.1), point(10, 0.4)],
    }),
  ];

  it('treats seeds as replicates by default and orders numeric groups ascending', () => {
    expect(groupRuns(rows, 'replicates').map((g) => [g.label, g.rows.length])).toEqual([
      ['Lenet(12,4) @ 0.500 · digits', 1],
      ['Lenet(12,4) @ 1 · digits', 3],
    ]);
    expect(groupRuns(rows, 'density').map((g) => g.label)).toEqual(['density 0.500', 'density 1']);
    expect(groupRuns(rows, 'seed').map((g) => g.label)).toEqual(['seed 1', 'seed 2', 'seed 3']);
    expect(groupLabel(rows[0], 'run')).toBe('m1 (seed 1)');
  });

  it('computes mean, sample std, min and max per iteration', () => {
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    const stats = pointStats([
      [
        [0, 1],
        [1, 2],
      ],
      [
        [0, 3],
        [1, NaN],
      ],
    ]);
    expect(stats).toEqual([
      { x: 0, mean: 2, std: Math.SQRT2, min: 1, max: 3, count: 2 },
      { x: 1, mean: 2, std: 0, min: 2, max: 2, count: 1 },
    ]);
  });

  it('builds one curve per group with its band, labelled with the band and n', () => {
    const curves = buildCurves(rows, {
      ...DEFAULT_CURVE_SETTINGS,
      groupBy: 'density',
      band: 'std',
    });
    expect(curves.map((c) => c.name)).toEqual([
      'density 0.500 (n=1)',
      'density 1 · mean ±1 std (n=3)',
    ]);
    const dense = curves[1];
    expect(dense.raw[1][0]).toBe(10);
    expect(dense.raw[1][1]).toBeCloseTo(70, 10);
    expect(dense.band![1][1]).toBeCloseTo(70 - 20, 10);
    expect(dense.band![1][2]).toBeCloseTo(70 + 20, 10);
    const minmax = buildCurves(rows, {
      ...DEFAULT_CURVE_SETTINGS,
      groupBy: 'density',
      band: 'minmax',
    });
    expect(minmax[1].band![1].slice(1).map((v) => Math.round(v))).toEqual([50, 90]);
    expect(buildCurves(rows, { ...DEFAULT_CURVE_SETTINGS, groupBy: 'run' })).toHaveLength(4);
  });

  it('drops points a log axis cannot show and says how lines were made', () => {
    const curves = buildCurves(rows, { ...DEFAULT_CURVE_SETTINGS, groupBy: 'run', logX: true });
    expect(curves.every((c) => c.raw.every(([x]) => x > 0))).toBe(true);
    expect(
      curvesCaption({ ...DEFAULT_CURVE_SETTINGS, groupBy: 'density', smoothing: 0.6 }, true),
    ).toBe(
      'grouped by density · mean ±1 std · EMA smoothing 0.60 (raw faint) · thinned to 400 points, min/max envelope',
    );
  });
});

describe('metric columns', () => {
  const row = run({
    modelId: 7,
    training: [
      point(0, 0.1, { loss: 2.3, sByCp: [{ cp: 0.8, s: 0.2 }] }),
      point(100, 0.9, { loss: 0.4 }),
      point(200, 0.85, { loss: 0.6, sByCp: [{ cp: 0.8, s: 0.5 }], regions: 40 }),
    ],
  });

  it('takes the last, the best by the metric’s direction, or the nearest iteration', () => {
    expect(metricCell(row, { metric: 'val-accuracy', mode: 'last' }, 0.8, 0)).toEqual({
      value: 85,
      iteration: 200,
    });
    expect(metricCell(row, { metric: 'val-accuracy', mode: 'best' }, 0.8, 0)).toEqual({
      value: 90,
      iteration: 100,
    });
    expect(metricCell(row, { metric: 'val-loss', mode: 'best' }, 0.8, 0)).toEqual({
      value: 0.4,
      iteration: 100,
    });
    expect(metricCell(row, { metric: 'val-loss', mode: 'at' }, 0.8, 160)).toEqual({
      value: 0.6,
      iteration: 200,
    });
    expect(metricCell(row, { metric: 's', mode: 'last' }, 0.8, 0)).toEqual({
      value: 0.5,
      iteration: 200,
    });
    expect(metricCell(row, { metric: 's', mode: 'last' }, 1, 0)).toEqual({
      value: null,
      iteration: null,
    });
    expect(runCurve(row, 'regions', 0.8)).toEqual([[200, 40]]);
    expect(columnTitle({ metric: 'val-loss', mode: 'best' }, 0.8, 0)).toBe(
      'validation loss · best (min)',
    );
    expect(columnTitle({ metric: 's', mode: 'at' }, 0.8, 100)).toBe('s @ cP 0.8 · @ it 100');
  });

  it('offers training loss, said to be the minibatch mean since the previous evaluation', () => {
    const training = METRICS.find((metric) => metric.id === 'train-loss')!;
    expect(training.label).toBe('training loss (minibatch mean)');
    expect(training.best).toBe('min');
    expect(training.hint).toContain('since the previous evaluation point');
    // Every metric the picker offers is one a saved view accepts, and the other way round.
    expect(METRICS.map((metric) => metric.id).sort()).toEqual([...CURVE_METRICS].sort());
    expect(compareViewStateSchema.parse({ curves: { metric: 'train-loss' } }).curves.metric).toBe(
      'train-loss',
    );

    const losses = run({
      modelId: 11,
      training: [
        point(0, 0.1, { loss: 2.3, trainLoss: null }),
        point(100, 0.6, { loss: 0.9, trainLoss: 1.2 }),
        point(200, 0.7, { loss: 0.8, trainLoss: 0.5 }),
        point(300, 0.7, { loss: 0.85, trainLoss: 0.7 }),
      ],
    });
    // Iteration 0 has no steps before it, so no training loss: the curve starts at 100.
    expect(runCurve(losses, 'train-loss', 0.8)).toEqual([
      [100, 1.2],
      [200, 0.5],
      [300, 0.7],
    ]);
    expect(metricCell(losses, { metric: 'train-loss', mode: 'best' }, 0.8, 0)).toEqual({
      value: 0.5,
      iteration: 200,
    });
    expect(columnTitle({ metric: 'train-loss', mode: 'last' }, 0.8, 0)).toBe(
      'training loss (minibatch mean) · last',
    );
    expect(metricCsvHeader({ metric: 'train-loss', mode: 'at' }, 0.8, 200)).toEqual([
      'training_loss_minibatch_mean_at_iteration_200',
      'training_loss_minibatch_mean_at_iteration_200_iteration',
    ]);
  });

  it('sorts by a metric column with unknowns last and writes the shown CSV', () => {
    const other = run({ modelId: 8, name: 'b, "quoted"', training: [point(50, 0.95)] });
    const empty = run({ modelId: 9, training: [] });
    const context = {
      columns: [{ metric: 'val-accuracy' as const, mode: 'best' as const }],
      cp: 0.8,
      at: 0,
    };
    expect(sortTable([empty, row, other], 'metric:0', true, context).map((r) => r.modelId)).toEqual(
      [8, 7, 9],
    );
    const csv = parseCsv(shownCsv([row, other], context));
    expect(csv[0]).toEqual([
      'model_id',
      'name',
      'architecture',
      'density',
      'hnps',
      'seed',
      'dataset',
      'pruning',
      'regions_per_unit_area_last',
      'validation_accuracy_percent_best_max',
      'validation_accuracy_percent_best_max_iteration',
    ]);
    expect(csv[1]).toEqual([
      '7',
      'm7',
      'Lenet(12,4)',
      '1',
      '9472',
      '0',
      'digits',
      'random mask',
      '2',
      '90',
      '100',
    ]);
    expect(csv[2][1]).toBe('b, "quoted"');
    expect(csv).toHaveLength(3);
  });
});

describe('deltas in the metric’s unit', () => {
  it('says accuracy differences in percentage points and never mixes units in a cell', () => {
    expect(formatValue(0.3579, 'percent', 2)).toBe('35.79 %');
    expect(formatDelta(0.3579, 0.7819, 'percent', 2)).toBe('−42.4 pp');
    expect(formatDelta(0.9, 0.8, 'percent', 2)).toBe('+10.0 pp');
    expect(formatDelta(0.8, 0.8, 'percent', 2)).toBeNull();
  });

  it('has no delta for identifiers and texts, grouped integers for counts', () => {
    expect(formatDelta(4, 1, 'identifier', 0)).toBeNull();
    expect(formatDelta('a', 'b', 'text', 0)).toBeNull();
    expect(formatDelta(265_600, 9_472, 'count', 0)).toBe('+256,128');
    expect(formatValue(265_600, 'count', 0)).toBe('265,600');
  });

  it('uses one number of decimals per row, deltas included', () => {
    const decimals = rowDecimals('number', [0.41, 1.2]);
    expect(decimals).toBe(2);
    expect(formatValue(0.41, 'number', decimals)).toBe('0.41');
    expect(formatDelta(1.2, 0.41, 'number', decimals)).toBe('+0.79');
    expect(rowDecimals('number', [123.4, 99])).toBe(1);
    expect(formatValue(-0.5, 'fraction', 3)).toBe('−0.500');
  });
});

describe('export names and saved view state', () => {
  it('names what is exported and never repeats within a second', () => {
    const at = new Date(2026, 11, 1, 7, 15, 2);
    const first = exportFileName(
      { view: 'my view/1', figure: 'curves', cp: 0.8, extension: 'png' },
      at,
    );
    const second = exportFileName(
      { view: 'my view/1', figure: 'curves', cp: 0.8, extension: 'png' },
      at,
    );
    expect(first).toBe('my_view_1_curves_cp0.8_20261201-071502.png');
    expect(second).toBe('my_view_1_curves_cp0.8_20261201-071502-2.png');
    expect(
      exportFileName(
        {
          view: 'p',
          figure: 'plane',
          model: 'Lenet a',
          plane: 3,
          iteration: 1000,
          cp: 0.9,
          extension: 'svg',
        },
        new Date(2026, 11, 1, 7, 15, 3),
      ),
    ).toBe('p_plane_Lenet_a_plane3_it1000_cp0.9_20261201-071503.svg');
  });

  it('fills a saved view’s missing fields with defaults and names a bad field', () => {
    const state = compareViewStateSchema.parse({
      figure: 'curves',
      curves: { groupBy: 'density' },
    });
    expect(state.curves).toEqual({
      metric: 'val-accuracy',
      logX: false,
      logY: false,
      smoothing: 0.6,
      groupBy: 'density',
      band: 'std',
    });
    expect(state.baseline).toBeNull();
    expect(() => compareViewStateSchema.parse({ curves: { smoothing: 1.5 } }, 'state')).toThrow(
      'state.curves.smoothing',
    );
    expect(() => compareViewStateSchema.parse({ sortKey: 'drop table' }, 'state')).toThrow(
      'must be a column of the run table',
    );
  });
});

describe('numbers and words that cannot be misread', () => {
  it('keeps the cP axis of s over cP within [0, 1]', () => {
    const rows = [
      run({
        modelId: 1,
        sByCp: [
          { cp: 0.6, s: 0.7 },
          { cp: 1, s: 0.2 },
        ],
      }),
      run({
        modelId: 2,
        seed: 1,
        sByCp: [
          { cp: 0.6, s: 0.5 },
          { cp: 1, s: 0.1 },
        ],
      }),
    ];
    const option = figureOption('s-cp', rows, {
      cp: 0.8,
      logX: false,
      showAll: false,
      trainingMetric: 's',
    });
    expect(option.xAxis).toMatchObject({ min: 0, max: 1, name: 'minimum coverage cP' });
    expect(option.yAxis).toMatchObject({ min: 0, max: 1 });
  });

  it('says the training backend in words, the raw note only on hover', () => {
    expect(
      backendLabel('wasm', "using wasm; tensorflow: Cannot find package '@tensorflow/tfjs-node'"),
    ).toBe('TensorFlow.js: WebAssembly backend (native TensorFlow not installed)');
    expect(backendLabel('wasm', 'wasm is the best backend available')).toBe(
      'TensorFlow.js: WebAssembly backend',
    );
    expect(backendLabel('tensorflow', 'tensorflow is the best backend available')).toBe(
      'TensorFlow.js: native TensorFlow backend',
    );
    expect(backendLabel(undefined)).toBe('training backend: …');
  });

  it('cuts a long name in its stem, keeping the seed and what follows', () => {
    expect(splitAtSeed('Lenet(300,100) d=0.0342 seed 3 fashion')).toEqual({
      stem: 'Lenet(300,100) d=0.0342',
      tail: ' seed 3 fashion',
    });
    expect(splitAtSeed('my model')).toEqual({ stem: 'my model', tail: '' });
  });
});
