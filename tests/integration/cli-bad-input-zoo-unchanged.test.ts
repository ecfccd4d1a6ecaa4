/**
 * Bug: on a zoo without the command line's project, `train`, `experiment run` and
 * `zoo import` created the project before the lab checked their input, so a refused
 * command still changed the zoo. Each refused command here must leave every table as it was.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempLabHome } from '../unit/cli-support.ts';
import { main } from '../../src-main/cli/main.ts';

const { dir, zoo } = tempLabHome('mbh-cli-unchanged-');

async function mbh(...args: string[]) {
  let stderr = '';
  const status = await main([...args, '--zoo', zoo], {
    stdout: () => {},
    stderr: (text) => void (stderr += text),
  });
  return { status, stderr };
}

/** Row counts of every table of the zoo. */
function snapshot(): Record<string, number> {
  const db = new Database(zoo, { readonly: true });
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
      ]),
    );
  } finally {
    db.close();
  }
}

describe('refused commands leave a zoo without projects unchanged', () => {
  it('train, experiment run and zoo import', async () => {
    expect((await mbh('info')).status).toBe(0);
    const before = snapshot();
    expect(before.projects).toBe(0);
    const spec = join(dir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        name: 'x',
        family: 'custom',
        hiddenNeurons: [6],
        customWidths: [[4, 2]],
        densities: [1],
        seeds: [1],
        datasets: ['nope'],
        iterations: 5,
      }),
    );
    const model = join(dir, 'ragged.json');
    writeFileSync(
      model,
      JSON.stringify({
        format: 'mbh-model',
        version: 1,
        inputDim: 2,
        layers: [
          { weights: [[1, 2], [3]], bias: [0, 0], activation: 'relu' },
          { weights: [[1, 1]], bias: [0], activation: 'linear' },
        ],
      }),
    );
    const cases: [string[], RegExp][] = [
      [['train', '--hidden', '4,2', '--dataset', 'nope'], /--dataset: unknown dataset "nope"/],
      [['experiment', 'run', spec], /datasets\[0\]: unknown dataset "nope"/],
      [['zoo', 'import', model], /layers\[0\]\.weights\[1\]: 1 entries/],
      [['zoo', 'import', model, '--project', 'New'], /layers\[0\]\.weights\[1\]: 1 entries/],
      [['train', '--hidden', '4,2', '--dataset', 'xor', '--project', ' '], /--project: /],
    ];
    for (const [args, message] of cases) {
      const result = await mbh(...args);
      expect(result.status, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(snapshot(), args.join(' ')).toEqual(before);
    }
  });
});
