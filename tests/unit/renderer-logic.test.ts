// Pure renderer logic: grouping into setup means and bands, CSV export, colour hashing,
// list and form parsing with per-field messages, plane look-ups, routes, run tables.
import { describe, expect, it } from 'vitest';
import type { CompareRow, PartitionView } from '../../src-shared/api/dto.ts';
import {
  PALETTE_SIZE,
  patternHash,
  regionColorIndices,
} from '../../src-renderer/src/lib/colors.ts';
import { filterRows, sideBySide } from '../../src-renderer/src/lib/compare-table.ts';
import { csvField, parseCsv, toCsv } from '../../src-renderer/src/lib/csv.ts';
import { figureOption } from '../../src-renderer/src/lib/figures.ts';
import { compact, duration, percent } from '../../src-renderer/src/lib/format.ts';
import {
  equalHnpGroups,
  measuredCps,
  sAt,
  setupStats,
  trainingStats,
} from '../../src-renderer/src/lib/groups.ts';
import {
  formatIntegerList,
  parseIntegerList,
  parseNumber,
  parseWidthLists,
} from '../../src-renderer/src/lib/lists.ts';
import {
  insideConvex,
  patternBits,
  RegionIndex,
} from '../../src-renderer/src/lib/plane-geometry.ts';
import { formatHash, parseHash } from '../../src-renderer/src/lib/route.ts';
import { shownCsv, sortTable, type TableContext } from '../../src-renderer/src/lib/runs-table.ts';
import {
  buildSpec,
  emptyForm,
  errorsFromApi,
  fieldForPath,
} from '../../src-renderer/src/lib/spec-form.ts';

/** One evaluation point of a run's training series. */
function evaluation(
  iteration: number,
  extra: Partial<CompareRow['training'][number]> = {},
): CompareRow['training'][number] {
  return {
    iteration,
    accuracy: null,
    loss: null,
    trainLoss: null,
    s: null,
    sByCp: [],
    regions: null,
    ...extra,
  };
}

function row(partial: Partial<CompareRow> & { modelId: number }): CompareRow {
  return {
    name: `m${partial.modelId}`,
    experimentId: 1,
    family: 'lenet',
    hidden: [300, 100],
    hiddenNeurons: 400,
    density: 1,
    hnps: 265_600,
    seed: 0,
    datasetId: 'fashion',
    hnpLevel: null,
    pruning: { kind: 'random' },
    setup: 'lenet|300,100|1|fashion',
    accuracy: 0.8,
    loss: 0.5,
    regions: 100,
    regionDensity: 2,
    sByCp: [
      { cp: 0.8, s: 0.5 },
      { cp: 1, s: 0.1 },
    ],
    training: [],
    ...partial,
  };
}

describe('setup grouping', () => {
  const rows = [
    row({ modelId: 1, accuracy: 0.8 }),
    row({ modelId: 2, accuracy: 0.9, seed: 1 }),
    row({ modelId: 3, accuracy: 0.7, seed: 2 }),
    row({
      modelId: 4,
      hidden: [12, 4],
      hiddenNeurons: 16,
      hnps: 9_472,
      setup: 'small',
      accuracy: 0.6,
    }),
    row({ modelId: 5, density: 0.0342, hnps: 9_470, setup: 'sparse', accuracy: null }),
  ];

  it('averages each setup with min and max, skipping unknown values', () => {
    const stats = setupStats(
      rows,
      (r) => r.density,
      (r) => r.accuracy,
    );
    const big = stats.find((s) => s.setup === 'lenet|300,100|1|fashion')!;
    expect(big.count).toBe(3);
    expect(big.mean).toBeCloseTo(0.8, 12);
    expect(big.min).toBe(0.7);
    expect(big.max).toBe(0.9);
    expect(stats.some((s) => s.setup === 'sparse')).toBe(false);
  });

  it('joins setups whose HNPs agree within rounding', () => {
    const stats = setupStats(
      rows,
      (r) => r.density,
      (r) => sAt(r, 0.8),
    );
    const groups = equalHnpGroups(stats).map((g) => g.map((s) => s.setup).sort());
    expect(groups).toContainEqual(['small', 'sparse']);
    expect(groups).toContainEqual(['lenet|300,100|1|fashion']);
  });

  it('aggregates a metric over training per setup and iteration', () => {
    const training = [
      row({
        modelId: 1,
        training: [
          {
            iteration: 0,
            accuracy: 0.1,
            loss: null,
            trainLoss: null,
            s: 0.2,
            sByCp: [],
            regions: 10,
          },
          {
            iteration: 10,
            accuracy: 0.5,
            loss: null,
            trainLoss: null,
            s: 0.4,
            sByCp: [],
            regions: 20,
          },
        ],
      }),
      row({
        modelId: 2,
        training: [
          {
            iteration: 0,
            accuracy: 0.3,
            loss: null,
            trainLoss: null,
            s: 0.4,
            sByCp: [],
            regions: 30,
          },
          {
            iteration: 10,
            accuracy: null,
            loss: null,
            trainLoss: null,
            s: 0.6,
            sByCp: [],
            regions: 40,
          },
        ],
      }),
    ];
    const stats = trainingStats(training, 'accuracy').get('lenet|300,100|1|fashion')!;
    expect(stats.points).toEqual([
      { iteration: 0, mean: 0.2, min: 0.1, max: 0.3, count: 2 },
      { iteration: 10, mean: 0.5, min: 0.5, max: 0.5, count: 1 },
    ]);
  });

  it('lists measured cPs and builds figures with equal-HNP dashes', () => {
    expect(measuredCps(rows)).toEqual([0.8, 1]);
    const option = figureOption('s-density', rows, {
      cp: 0.8,
      logX: true,
      showAll: true,
      trainingMetric: 's',
    });
    const series = option.series as { name?: string; type?: string }[];
    expect(series.filter((s) => s.name === 'equal HNPs')).toHaveLength(1);
    expect(series.some((s) => s.type === 'custom')).toBe(true);
    const empty = figureOption('acc-density', [], {
      cp: 0.8,
      logX: false,
      showAll: false,
      trainingMetric: 's',
    });
    expect(JSON.stringify(empty)).toContain('No models to compare');
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and round-trips', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    const text = toCsv(
      ['name', 'value'],
      [
        ['x, "y"', 1.5],
        ['line\nbreak', null],
      ],
    );
    expect(parseCsv(text)).toEqual([
      ['name', 'value'],
      ['x, "y"', '1.5'],
      ['line\nbreak', ''],
    ]);
  });

  it('exports the shown run table: s at the chosen cP, empty where a run has none', () => {
    const rows = [
      row({
        modelId: 7,
        name: 'dense, big',
        training: [evaluation(10, { sByCp: [{ cp: 1, s: 0.1 }] })],
      }),
      row({ modelId: 8, training: [evaluation(10, { sByCp: [{ cp: 0.8, s: 0.25 }] })] }),
    ];
    const shown = (cp: number) =>
      parseCsv(shownCsv(rows, { columns: [{ metric: 's', mode: 'last' }], cp, at: 0 }));
    const at08 = shown(0.8);
    expect(at08).toHaveLength(3);
    expect(at08[1][at08[0].indexOf('name')]).toBe('dense, big');
    expect(at08[1][at08[0].indexOf('s_cp_0.8_last')]).toBe('');
    expect(at08[2][at08[0].indexOf('s_cp_0.8_last')]).toBe('0.25');
    expect(at08[2][at08[0].indexOf('s_cp_0.8_last_iteration')]).toBe('10');
    const at1 = shown(1);
    expect(at1[0]).not.toContain('s_cp_0.8_last');
    expect(at1[1][at1[0].indexOf('s_cp_1_last')]).toBe('0.1');
    expect(at1[2][at1[0].indexOf('s_cp_1_last')]).toBe('');
  });
});

describe('colours', () => {
  it('hashes a region pattern deterministically into the palette', () => {
    const patterns = new Uint32Array([0b1011, 0, 0b1010, 0, 0b1011, 0]);
    expect(patternHash(patterns, 2, 0)).toBe(patternHash(patterns, 2, 2));
    expect(patternHash(patterns, 2, 0)).not.toBe(patternHash(patterns, 2, 1));
    const indices = regionColorIndices(patterns, 2, 3);
    expect(indices[0]).toBe(indices[2]);
    for (const i of indices) expect(i).toBeLessThan(PALETTE_SIZE);
  });

  it('spreads one-bit neighbours over the palette', () => {
    const words = 4;
    const count = 128;
    const patterns = new Uint32Array(count * words);
    for (let r = 0; r < count; r++) patterns[r * words + (r >> 5)] = 1 << (r & 31);
    const used = new Set(regionColorIndices(patterns, words, count));
    expect(used.size).toBeGreaterThan(PALETTE_SIZE / 2);
  });
});

describe('typed lists and the experiment form', () => {
  it('parses integer lists with ranges and names the bad item', () => {
    expect(parseIntegerList('0-3, 7', { min: 0, ranges: true })).toEqual({
      ok: true,
      value: [0, 1, 2, 3, 7],
    });
    expect(parseIntegerList('4, x', { min: 1 })).toEqual({
      ok: false,
      message: 'item 2: "x" is not a number',
    });
    expect(parseIntegerList('4, 0', { min: 1 })).toEqual({
      ok: false,
      message: 'item 2: 0 must be positive',
    });
    expect(parseIntegerList('4, 4')).toEqual({ ok: false, message: '4 appears twice' });
    expect(parseNumber('9.5k')).toBe(9_500);
    expect(parseWidthLists('300,100; 12,4')).toEqual({
      ok: true,
      value: [
        [300, 100],
        [12, 4],
      ],
    });
    expect(formatIntegerList([0, 1, 2, 3, 7])).toBe('0-3, 7');
  });

  it('accepts a valid form and reports each bad field next to it', () => {
    const valid = buildSpec({ ...emptyForm(), projectId: 1, name: 'x', datasets: ['mnist'] });
    expect(valid.errors).toEqual({});
    expect(valid.spec?.hnpLevels).toEqual([9472]);
    expect(valid.spec?.seeds).toEqual([0, 1, 2]);

    const bad = buildSpec({
      ...emptyForm(),
      projectId: null,
      name: ' ',
      mode: 'density',
      densities: '0.5, 1.5',
      seeds: '1, -',
      iterations: '2.5',
      cps: '0',
      datasets: [],
    });
    expect(bad.spec).toBeNull();
    expect(bad.errors.projectId).toBe('choose a project');
    expect(bad.errors.name).toBe('must not be empty');
    expect(bad.errors.densities).toBe('item 2: 1.5 is outside (0, 1]');
    expect(bad.errors.seeds).toMatch(/^item 2/);
    expect(bad.errors.iterations).toBe('2.5 is not a whole number');
    expect(bad.errors.cps).toBe('item 1: 0 is outside (0, 1]');
    expect(bad.errors.datasets).toBe('choose at least one dataset');
  });

  it('checks what parsing lets through against the api schema', () => {
    const result = buildSpec({
      ...emptyForm(),
      projectId: 1,
      name: 'x',
      datasets: ['mnist'],
      scope: 'first',
    });
    expect(result.spec).toBeNull();
    expect(result.errors.scope).toContain('"last", "all" or "layer:<index>"');
  });

  it('maps api paths to fields', () => {
    expect(fieldForPath('params.spec.seeds[2]')).toBe('seeds');
    expect(fieldForPath('params.spec.pruning.rate')).toBe('pruningRate');
    expect(fieldForPath('params.projectId')).toBe('projectId');
    expect(fieldForPath('params.other')).toBeNull();
    const error = Object.assign(new Error('params.spec.hnpLevels[1]: too small'), {
      path: 'params.spec.hnpLevels[1]',
    });
    expect(errorsFromApi(error)).toEqual({ field: 'hnpLevels', message: 'item 2: too small' });
    const unnamed = new RangeError(
      'spec.hnpLevels: no architecture of the spec can reach any of these HNP levels',
    );
    expect(errorsFromApi(unnamed)).toEqual({
      field: 'hnpLevels',
      message: 'no architecture of the spec can reach any of these HNP levels',
    });
    expect(errorsFromApi(new Error('disk full'))).toEqual({ field: null, message: 'disk full' });
    const whole = Object.assign(
      new Error('params.spec: HNP level 10: hidden layer 2 would keep no weights'),
      {
        path: 'params.spec',
      },
    );
    expect(errorsFromApi(whole)).toEqual({
      field: 'hnpLevels',
      message: 'HNP level 10: hidden layer 2 would keep no weights',
    });
  });
});

describe('plane look-ups', () => {
  // A 3 × 2 grid of unit squares, CCW, with one-neuron patterns.
  const squares: number[] = [];
  const offsets = [0];
  for (let j = 0; j < 2; j++)
    for (let i = 0; i < 3; i++) {
      squares.push(i, j, i + 1, j, i + 1, j + 1, i, j + 1);
      offsets.push(offsets.at(-1)! + 4);
    }
  const view = {
    regionCount: 6,
    vertexOffsets: Uint32Array.from(offsets),
    vertices: Float64Array.from(squares),
    patterns: Uint32Array.from([0, 1, 2, 3, 4, 5]),
    patternWords: 1,
    layerSizes: [2, 1],
  } as unknown as PartitionView;

  it('finds the region under a point and nothing outside', () => {
    const index = new RegionIndex(view);
    expect(index.locate(0.5, 0.5)).toBe(0);
    expect(index.locate(2.5, 1.5)).toBe(5);
    expect(index.locate(1.25, 1.75)).toBe(4);
    expect(index.locate(3.5, 0.5)).toBe(-1);
    expect(insideConvex(view.vertices, 0, 4, 1, 0.5)).toBe(true);
  });

  it('writes a pattern as bits grouped by layer', () => {
    expect(patternBits(view, 5)).toBe('10 1');
    expect(patternBits(view, 2)).toBe('01 0');
  });
});

describe('routes, formats and run tables', () => {
  it('round-trips hash routes', () => {
    const hash = formatHash('planes', null, { checkpoint: 3, model: 2, empty: '' });
    expect(parseHash(hash)).toEqual({
      view: 'planes',
      id: null,
      query: { checkpoint: '3', model: '2' },
    });
    expect(parseHash('#/model/12').id).toBe(12);
    expect(parseHash('#/nowhere').view).toBe('home');
  });

  it('formats numbers for dense tables', () => {
    expect(compact(265_600)).toBe('266k');
    expect(compact(4_744)).toBe('4.7k');
    expect(percent(0.8912)).toBe('89.1 %');
    expect(percent(null)).toBe('–');
    expect(duration(3_725)).toBe('1 h 02 min');
  });

  it('sorts with unknowns last, filters by terms, diffs against the baseline', () => {
    const rows = [
      row({ modelId: 1, accuracy: 0.7, training: [evaluation(5, { accuracy: 0.7 })] }),
      row({ modelId: 2, accuracy: null, training: [evaluation(5)] }),
      row({ modelId: 3, accuracy: 0.9, seed: 4, training: [evaluation(5, { accuracy: 0.9 })] }),
    ];
    const context: TableContext = {
      columns: [{ metric: 'val-accuracy', mode: 'last' }],
      cp: 0.8,
      at: 0,
    };
    const sorted = (key: Parameters<typeof sortTable>[1], descending: boolean) =>
      sortTable(rows, key, descending, context).map((r) => r.modelId);
    expect(sorted('metric:0', true)).toEqual([3, 1, 2]);
    expect(sorted('metric:0', false)).toEqual([1, 3, 2]);
    // Ties keep model id order either way.
    expect(sorted('seed', false)).toEqual([1, 2, 3]);
    expect(sorted('seed', true)).toEqual([3, 1, 2]);
    expect(filterRows(rows, 'seed:4 lenet').map((r) => r.modelId)).toEqual([3]);
    const table = sideBySide([rows[0], rows[2]]);
    const accuracy = table.find((r) => r.label === 'validation accuracy')!;
    expect(accuracy.same).toBe(false);
    expect(accuracy.cells.map((c) => c.text)).toEqual(['70.00 %', '90.00 %']);
    expect(accuracy.cells[1].delta).toBe('+20.0 pp');
    expect(accuracy.cells[1].verdict).toBe(1);
    const seed = table.find((r) => r.label === 'seed')!;
    expect(seed.same).toBe(false);
    expect(seed.cells[1]).toEqual({ text: '4', delta: null, verdict: 0 });
    expect(table.find((r) => r.label === 'density')!.same).toBe(true);
  });
});
