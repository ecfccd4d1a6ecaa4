/**
 * `mbh-lab measure --model M.json … --exact`: each result row carries the exact maximal
 * pattern's constraints, coverage, s and optimality; never fewer constraints than the
 * greedy; where the counts agree the pattern is the greedy one, so s agrees to the bit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { networkToModelJson } from '../../src-shared/model/format.ts';
import { mbh } from './cli-support.ts';
import { heNetwork, seededRandom } from './engine-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'mbh-exact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 2-D network whose last hidden layer has 8 neurons, and 300 labelled points of 3 classes.
const network = heNetwork(2, [10, 8], 3, { seed: 5, biasStd: 0.5 });
const model = join(dir, 'model.json');
writeFileSync(model, JSON.stringify(networkToModelJson(network)));
const random = seededRandom(3, 'exact-cli');
const points = Array.from({ length: 300 }, () => [
  2 * random.nextNormal(),
  2 * random.nextNormal(),
]);
const data = join(dir, 'data.json');
writeFileSync(
  data,
  JSON.stringify({ x: points, y: points.map(([a, b]) => (a > 0 ? (b > 0 ? 0 : 1) : 2)) }),
);
const plane = join(dir, 'plane.json');
writeFileSync(
  plane,
  JSON.stringify({
    origin: [0, 0],
    u: [1, 0],
    v: [0, 1],
    domain: [
      [-4, -4],
      [4, -4],
      [4, 4],
      [-4, 4],
    ],
  }),
);

interface Row {
  cp: number;
  s: number;
  constraints: number;
  coverage: number;
  exact: { constraints: number; coverage: number; s: number; optimal: boolean };
}

describe('mbh-lab measure --exact', () => {
  it('adds the exact pattern to every row, never below the greedy', async () => {
    const result = await mbh(
      'measure',
      '--model',
      model,
      '--plane',
      plane,
      '--data',
      data,
      '--cp',
      '0.6,0.75,0.8,0.9,1',
      '--exact',
      '--json',
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      results: Row[];
      summary: { cp: number; s: number; sExact: number }[];
    };
    expect(report.results).toHaveLength(3 * 5);
    let beaten = 0;
    for (const row of report.results) {
      expect(Object.keys(row.exact)).toEqual(['constraints', 'coverage', 's', 'optimal']);
      expect(row.exact.optimal).toBe(true);
      expect(row.exact.constraints).toBeGreaterThanOrEqual(row.constraints);
      expect(row.exact.coverage).toBeGreaterThanOrEqual(row.cp);
      expect(row.exact.s).toBeGreaterThanOrEqual(0);
      expect(row.exact.s).toBeLessThanOrEqual(1);
      if (row.exact.constraints === row.constraints) {
        expect(row.exact.s).toBe(row.s);
        expect(row.exact.coverage).toBe(row.coverage);
      } else beaten++;
      if (row.cp === 1) expect(row.exact.constraints).toBe(row.constraints);
    }
    expect(beaten).toBeGreaterThan(0);
    for (const entry of report.summary) {
      const rows = report.results.filter((row) => row.cp === entry.cp);
      const mean = rows.reduce((sum, row) => sum + row.exact.s, 0) / rows.length;
      expect(entry.sExact).toBeCloseTo(mean, 12);
    }
  });

  it('prints exact columns in the table and refuses a bad time limit', async () => {
    const table = await mbh(
      'measure',
      '--model',
      model,
      '--plane',
      plane,
      '--data',
      data,
      '--cp',
      '0.8',
      '--exact',
    );
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('exact s');
    expect(table.stdout).toContain('mean exact s');
    const lonely = await mbh(
      'measure',
      '--model',
      model,
      '--plane',
      plane,
      '--data',
      data,
      '--exact-time-limit',
      '2',
    );
    expect(lonely.status).toBe(2);
    expect(lonely.stderr).toBe(
      'mbh-lab measure: --exact-time-limit applies to --exact: add --exact\n',
    );
    const bad = await mbh(
      'measure',
      '--model',
      model,
      '--plane',
      plane,
      '--data',
      data,
      '--exact',
      '--exact-time-limit',
      '0',
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'mbh-lab measure: --exact-time-limit: expected seconds in (0, 3600], got "0"\n',
    );
  });
});
