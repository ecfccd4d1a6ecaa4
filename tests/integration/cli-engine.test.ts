import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run as runMeasure } from '../../src-main/cli/commands/measure.ts';
import { run as runPartition } from '../../src-main/cli/commands/partition.ts';
import { main } from '../../src-main/cli/main.ts';

const fixtures = fileURLToPath(new URL('../fixtures/engine/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const model = join(fixtures, 'fig32.model.json');
const small = join(fixtures, 'square-0-4.plane.json');
const big = join(fixtures, 'square-m1-5.plane.json');
const pointsPlane = join(fixtures, 'points.plane.json');
const scratch = mkdtempSync(join(tmpdir(), 'mbh-cli-engine-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function capture(
  run: (
    args: string[],
    io: { stdout(s: string): void; stderr(s: string): void },
  ) => Promise<number>,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { code, stdout, stderr };
}

describe('mbh-lab partition', () => {
  it('prints the region counts of figure 3.2 as JSON', async () => {
    const result = await capture(runPartition, ['--model', model, '--plane', small, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json)).toEqual([
      'regions',
      'regionsPerLayer',
      'domainArea',
      'areaSum',
      'ms',
    ]);
    expect(json.regions).toBe(18);
    expect(json.regionsPerLayer).toEqual([4, 9, 18]);
    expect(json.domainArea).toBe(16);
    expect(json.areaSum).toBeCloseTo(16, 12);
    const wide = JSON.parse(
      (await capture(runPartition, ['--model', model, '--plane', big, '--json'])).stdout,
    );
    expect(wide.regions).toBe(20);
  });

  it('clips to a box and writes an SVG with the spanning points', async () => {
    const svg = join(scratch, 'regions.svg');
    const clipped = await capture(runPartition, [
      '--model',
      model,
      '--plane',
      big,
      '--box',
      '0,4',
      '--json',
      '--svg',
      svg,
    ]);
    expect(JSON.parse(clipped.stdout).regions).toBe(18);
    const withPoints = await capture(runPartition, [
      '--model',
      model,
      '--plane',
      pointsPlane,
      '--svg',
      svg,
      '--points',
    ]);
    expect(withPoints.code).toBe(0);
    expect(withPoints.stdout).toContain('regions');
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text).toContain('<circle');
    expect(text).toContain('<rect');
  });

  it('fails with one clear line on bad input', async () => {
    const badJson = join(scratch, 'bad.json');
    writeFileSync(badJson, '{"format": ');
    const badModel = join(scratch, 'bad-model.json');
    writeFileSync(
      badModel,
      JSON.stringify({
        format: 'mbh-model',
        version: 1,
        inputDim: 2,
        layers: [{ weights: [[1, 1]], bias: [0, 0], activation: 'linear' }],
      }),
    );
    const cases: [string[], RegExp][] = [
      [
        ['--model', join(scratch, 'missing.json'), '--plane', small],
        /missing\.json: cannot read: no such file/,
      ],
      [['--model', badJson, '--plane', small], /bad\.json: bad JSON: /],
      [
        ['--model', badModel, '--plane', small],
        /bad-model\.json: layers\[0\]\.weights: 1 rows, bias has 2/,
      ],
      [['--model', model, '--plane', small, '--clip'], /--clip needs an input box/],
      [['--plane', small], /--model M\.json is required/],
      [['--model', model, '--plane', small, '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, pattern] of cases) {
      const result = await capture(runPartition, args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('mbh-lab measure', () => {
  it('reports results, summary and regions per plane as JSON (JSON and CSV data agree)', async () => {
    const args = ['--model', model, '--plane', small, '--plane', big, '--cp', '0.8,1', '--json'];
    const fromJson = await capture(runMeasure, [
      ...args,
      '--data',
      join(fixtures, 'fig32.data.json'),
    ]);
    expect(fromJson.stderr).toBe('');
    expect(fromJson.code).toBe(0);
    const report = JSON.parse(fromJson.stdout);
    expect(Object.keys(report)).toEqual(['results', 'summary', 'regions']);
    expect(report.regions).toEqual([18, 20]);
    expect(report.results).toHaveLength(2 * 2 * 2);
    expect(Object.keys(report.results[0])).toEqual([
      'plane',
      'phenomenon',
      'cp',
      's',
      'blanketArea',
      'domainArea',
      'constraints',
      'coverage',
    ]);
    expect(report.results.map((r: { plane: number }) => r.plane)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(report.summary.map((r: { cp: number }) => r.cp)).toEqual([0.8, 1]);
    for (const r of report.results) {
      expect(r.s).toBeCloseTo(1 - r.blanketArea / r.domainArea, 12);
      expect(r.blanketArea).toBeLessThanOrEqual(r.domainArea);
      if (r.constraints > 0) expect(r.coverage).toBeGreaterThanOrEqual(r.cp);
    }
    const fromCsv = await capture(runMeasure, [
      ...args,
      '--data',
      join(fixtures, 'fig32.data.csv'),
    ]);
    expect(JSON.parse(fromCsv.stdout)).toEqual(report);
  });

  it('takes classes, scope and prints a table without --json', async () => {
    const result = await capture(runMeasure, [
      '--model',
      model,
      '--plane',
      small,
      '--data',
      join(fixtures, 'fig32.data.json'),
      '--classes',
      '0+1',
      '--scope',
      'all',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0+1');
    expect(result.stdout).toContain('mean s');
  });

  it('fails with one clear line on bad input', async () => {
    const ragged = join(scratch, 'ragged.csv');
    writeFileSync(ragged, 'a,b,label\n1,2,0\n1,0\n');
    const wordy = join(scratch, 'wordy.csv');
    writeFileSync(wordy, 'a,b,label\n1,2,0\n1,x,1\n');
    const base = ['--model', model, '--plane', small];
    const cases: [string[], RegExp][] = [
      [[...base, '--data', ragged], /ragged\.csv: row 3 has 2 cells, the header has 3 columns/],
      [[...base, '--data', wordy], /wordy\.csv: row 3, column 'b': 'x' is not a number/],
      [
        [...base, '--data', join(fixtures, 'fig32.data.json'), '--classes', '7'],
        /class 7 does not exist/,
      ],
      [
        [...base, '--data', join(fixtures, 'fig32.data.json'), '--cp', '0.8,2'],
        /--cp: "2" is not a coverage/,
      ],
      [
        [...base, '--data', join(fixtures, 'fig32.data.json'), '--scope', 'deep'],
        /--scope: expected last, all/,
      ],
      [[...base], /--data D\.json\|D\.csv is required/],
    ];
    for (const [args, pattern] of cases) {
      const result = await capture(runMeasure, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('mbh-lab dispatcher', () => {
  it('routes commands and rejects unknown ones', async () => {
    const result = await capture(
      (args, io) => main(args, io),
      ['partition', '--model', model, '--plane', small, '--json'],
    );
    expect(JSON.parse(result.stdout).regions).toBe(18);
    const unknown = await capture((args, io) => main(args, io), ['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('runs as a process through bin/mbh-lab.mjs', async () => {
    const output = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          [
            'bin/mbh-lab.mjs',
            'measure',
            '--model',
            model,
            '--plane',
            small,
            '--data',
            join(fixtures, 'fig32.data.csv'),
            '--json',
          ],
          { cwd: root },
          (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      },
    );
    expect(output.stderr).toBe('');
    expect(output.code).toBe(0);
    const report = JSON.parse(output.stdout);
    expect(report.regions).toEqual([18]);
    expect(report.results).toHaveLength(2 * 8);
    const failed = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/mbh-lab.mjs', 'partition', '--model', 'nope.json', '--plane', small],
        { cwd: root },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      );
    });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe('mbh-lab partition: nope.json: cannot read: no such file\n');
  });
});
