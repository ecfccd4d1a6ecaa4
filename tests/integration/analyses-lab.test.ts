/**
 * The analyses of issue 11 through the lab and the CLI on a zoo: exact patterns measured
 * in a job and stored (never fewer constraints than the greedy, blankets beside the greedy
 * ones), unique patterns and trees computed in a worker and stored, bootstrap statistics
 * and the paired comparison of two setups on the same planes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';
import { mbh } from '../unit/cli-support.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-lab-analyses-'));
const zoo = join(home, 'zoo.sqlite');
let lab: LabService;
let setupA: number[];
let setupB: number[];
let planeSetId: number;
let experimentId: number;

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 2 });
  await lab.start();
  const projectId = (await lab.createProject({ name: 'p', description: '' })).id;
  const created = await lab.createExperiment({
    projectId,
    spec: {
      name: 'two setups',
      family: 'custom',
      hiddenNeurons: [14, 10],
      customWidths: [
        [8, 6],
        [6, 4],
      ],
      seeds: [3, 4],
      datasets: ['xor'],
      iterations: 300,
      planeCount: 3,
    },
    launch: true,
  } as never);
  await lab.idle();
  experimentId = created.experiment.id;
  const models = await lab.listModels({ experimentId });
  setupA = models.filter((model) => model.hidden.join() === '8,6').map((model) => model.id);
  setupB = models.filter((model) => model.hidden.join() === '6,4').map((model) => model.id);
  planeSetId = (await lab.getModel({ id: setupA[0] })).measurements[0].planeSetId;
}, 170_000);

afterAll(async () => {
  await lab?.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

describe('analyses in the lab', () => {
  it('measures exact patterns in a job, stores them, and draws their blankets', async () => {
    expect(setupA).toHaveLength(2);
    expect(setupB).toHaveLength(2);
    const modelId = setupA[0];
    await lab.measureModel({ modelId, planeSetId, allCheckpoints: false, exact: true });
    await lab.idle();
    const [row] = await lab.exactComparison({ modelIds: [modelId], planeSetId });
    expect(row.byCp.map((entry) => entry.cp)).toEqual([0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1]);
    for (const entry of row.byCp) {
      expect(entry.constraintsExact).toBeGreaterThanOrEqual(entry.constraints);
      expect(entry.coverageExact).toBeGreaterThanOrEqual(entry.cp);
      expect(entry.optimal).toBe(1);
      if (entry.missed === 0) expect(entry.sExact).toBeCloseTo(entry.s, 12);
    }
    const detail = await lab.getModel({ id: modelId });
    const checkpointId = detail.checkpoints.at(-1)!.id;
    const grid = await lab.getBlankets({
      checkpointId,
      planeSetId,
      plane: 0,
      cps: [0.8, 1],
      exact: true,
    } as never);
    for (const cell of grid.blankets) {
      expect(cell.exact).toBeDefined();
      expect(cell.exact!.regions).toHaveLength(cell.regions.length);
      expect(cell.exact!.constraints).toBeGreaterThanOrEqual(cell.constraints);
      if (cell.exact!.constraints === cell.constraints) {
        expect([...cell.exact!.regions]).toEqual([...cell.regions]);
        expect(cell.exact!.s).toBe(cell.s);
      }
      // A blanket of more constraints lies inside fewer regions only if it is a superset;
      // either way s agrees with its regions' areas.
      expect(cell.exact!.s).toBeGreaterThanOrEqual(0);
      expect(cell.exact!.s).toBeLessThanOrEqual(1);
    }
    // Measuring again finds every plane done: no new rows, same numbers.
    await lab.measureModel({ modelId, planeSetId, allCheckpoints: false, exact: true });
    await lab.idle();
    expect(await lab.exactComparison({ modelIds: [modelId], planeSetId })).toEqual([row]);
  });

  it('counts unique patterns and grows trees in a worker, at initialisation and after training', async () => {
    const modelId = setupB[0];
    const trained = await lab.analysePatterns({ modelId, split: 'test' });
    expect(trained).toMatchObject({ modelId, iteration: 300, datasetId: 'xor', split: 'test' });
    expect(trained.unique.layers).toHaveLength(2);
    expect(trained.unique.network).toBeGreaterThanOrEqual(Math.max(...trained.unique.layers));
    expect(trained.unique.network).toBeLessThanOrEqual(trained.samples);
    expect(trained.perPhenomenon.map((row) => row.phenomenon)).toHaveLength(2);
    for (const row of trained.perPhenomenon)
      expect(row.network).toBeLessThanOrEqual(trained.unique.network);
    const initial = await lab.analysePatterns({ modelId, iteration: 0, split: 'test' });
    expect(initial.iteration).toBe(0);
    expect(await lab.analysePatterns({ modelId, split: 'test' })).toEqual(trained);
    const tree = await lab.analyseTree({ modelId, split: 'train', scope: 'layer:0' });
    expect(tree).toMatchObject({ modelId, iteration: 300, split: 'train', scope: 'layer:0' });
    expect(tree.leaves).toBeGreaterThanOrEqual(1);
    expect(Object.values(tree.leavesPerClass).reduce((a, b) => a + b, 0)).toBe(tree.leaves);
    await expect(lab.analyseTree({ modelId, split: 'test', scope: 'layer:5' })).rejects.toThrow(
      `params.scope: layer 5 does not exist: model ${modelId} has hidden layers 0..1`,
    );
    await expect(lab.analysePatterns({ modelId, iteration: 7, split: 'test' })).rejects.toThrow(
      `params.iteration: model ${modelId} has no checkpoint at iteration 7`,
    );
  });

  it('gives bootstrap intervals of two setups and their paired comparison', async () => {
    const result = await lab.setupStatistics({
      setups: [setupA, setupB],
      cp: 0.8,
      resamples: 2000,
      seed: 1,
    });
    expect(result).toMatchObject({
      cp: 0.8,
      planeSetId,
      resamples: 2000,
      seed: 1,
      confidence: 0.95,
    });
    for (const setup of result.setups) {
      expect(setup.planes).toBe(3);
      expect(setup.s.low).toBeLessThanOrEqual(setup.s.mean);
      expect(setup.s.high).toBeGreaterThanOrEqual(setup.s.mean);
      expect(setup.accuracy!.low).toBeLessThanOrEqual(setup.accuracy!.high);
    }
    const paired = result.paired!;
    expect(paired.planes).toBe(3);
    // Three planes: the exact test's p-value is a multiple of 1/8.
    expect(Number.isInteger(paired.pValue * 8)).toBe(true);
    expect(paired.test).toBe('paired sign-flip permutation test, exact (all 2^3 sign patterns)');
    expect(paired.difference.mean).toBeCloseTo(
      result.setups[0].s.mean - result.setups[1].s.mean,
      12,
    );
    expect(
      await lab.setupStatistics({ setups: [setupA, setupB], cp: 0.8, resamples: 2000, seed: 1 }),
    ).toEqual(result);
  });
});

describe('the report', () => {
  it('is one self-contained HTML file with the spec, environment, figures and intervals', async () => {
    const file = await lab.buildReport({ experimentId });
    expect(file.fileName).toBe('two-setups-report.html');
    const html = file.content;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Self-contained: no script, stylesheet link, image or font fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|src=|url\(/);
    for (const text of [
      '<h2>Environment</h2>',
      '<h2>Specification</h2>',
      '&quot;customWidths&quot;',
      'Specialization over minimum coverage (cf. thesis figure 6.6)',
      'Accuracy over specialization at cP = 0.8 (cf. thesis figure 6.4)',
      'Greedy and exact maximal patterns (thesis appendix C.1)',
      '95 % percentile-bootstrap confidence intervals',
      'custom(8,6)@1/xor',
      'custom(6,4)@1/xor',
    ]) {
      expect(html).toContain(text);
    }
    // The dataset cache's hash (xor lives in memory: no cache file, no hash) and the seeds.
    expect(html).toContain('<tr><th>seeds</th><td>3, 4</td></tr>');
    expect((html.match(/<figure>/g) ?? []).length).toBeGreaterThanOrEqual(4);
    await expect(lab.buildReport({ experimentId: 999 })).rejects.toThrow('999');
  });

  it('is what the report button saves: exportToFile writes the same HTML to the chosen file', async () => {
    const path = join(home, 'saved-report.html');
    const saved = await lab.exportToFile({ what: 'report', id: experimentId, to: { path } });
    expect(saved.fileName).toBe('two-setups-report.html');
    const built = await lab.buildReport({ experimentId });
    const written = readFileSync(path, 'utf8');
    expect(Buffer.byteLength(written)).toBe(saved.bytes);
    // Two builds of one experiment differ only in the time they were generated at.
    const undated = (html: string) =>
      html.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');
    expect(undated(written)).toBe(undated(built.content));
    expect(written).toContain('<h2>Environment</h2>');
    await expect(
      lab.exportToFile({ what: 'report', id: experimentId, iteration: 0, to: { path } }),
    ).rejects.toThrow('params.iteration: applies to a model export only');
  });
});

describe('analyses from the command line', () => {
  beforeAll(async () => {
    await lab.close({ pauseRunning: true });
    lab = undefined as never;
  });

  it('patterns, tree, stats and measure --exact print their --json contracts', async () => {
    const patterns = await mbh('patterns', '--model', String(setupB[0]), '--zoo', zoo, '--json');
    expect(patterns.stderr).toBe('');
    expect(Object.keys(JSON.parse(patterns.stdout))).toEqual([
      'samples',
      'unique',
      'perPhenomenon',
    ]);
    const tree = await mbh(
      'tree',
      '--model',
      String(setupB[0]),
      '--scope',
      'last',
      '--zoo',
      zoo,
      '--json',
    );
    expect(tree.stderr).toBe('');
    expect(Object.keys(JSON.parse(tree.stdout))).toEqual([
      'depth',
      'leaves',
      'meanLeafDepth',
      'accuracy',
      'leavesPerClass',
    ]);
    const stats = await mbh(
      'stats',
      '--models',
      setupA.join(','),
      '--versus',
      setupB.join(','),
      '--resamples',
      '500',
      '--zoo',
      zoo,
      '--json',
    );
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout).paired.planes).toBe(3);
    const measure = await mbh(
      'measure',
      '--model',
      String(setupB[1]),
      '--planes',
      '3',
      '--exact',
      '--zoo',
      zoo,
      '--json',
    );
    expect(measure.stderr).toBe('');
    expect(measure.status).toBe(0);
    const measured = JSON.parse(measure.stdout) as {
      sByCp: {
        cp: number;
        s: number;
        exact: { constraints: number; coverage: number; s: number; optimal: boolean };
      }[];
    };
    expect(measured.sByCp).toHaveLength(8);
    for (const row of measured.sByCp) {
      expect(Object.keys(row.exact)).toEqual(['constraints', 'coverage', 's', 'optimal']);
      expect(row.exact.coverage).toBeGreaterThanOrEqual(row.cp);
    }
    const html = join(home, 'report.html');
    const pdf = join(home, 'report.pdf');
    const report = await mbh(
      'report',
      String(experimentId),
      '--out',
      html,
      '--pdf',
      pdf,
      '--zoo',
      zoo,
      '--json',
    );
    expect(report.stderr).toBe('');
    expect(JSON.parse(report.stdout)).toEqual({ html, pdf });
    expect(readFileSync(html, 'utf8')).toContain('<h1>MBH Lab report — two setups</h1>');
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const wrong = await mbh(
      'patterns',
      '--model',
      String(setupB[0]),
      '--data',
      'x.json',
      '--zoo',
      zoo,
    );
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe(
      'mbh-lab patterns: --data D.json applies to a model file; a zoo model (--model ID) is analysed on its dataset (--dataset ID, --split test|train)\n',
    );
  });
});
