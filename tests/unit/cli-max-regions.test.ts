/**
 * `partition` and `measure` take --max-regions: a plane past it stops with the budget
 * error on one line (exit 2), one within it is unchanged; a bad value names the flag.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as runMeasure } from '../../src-main/cli/commands/measure.ts';
import { run as runPartition } from '../../src-main/cli/commands/partition.ts';

const fixtures = fileURLToPath(new URL('../fixtures/engine/', import.meta.url));
const model = join(fixtures, 'fig32.model.json');
const plane = join(fixtures, 'square-0-4.plane.json');

async function capture(run: typeof runPartition, args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { code, stdout, stderr };
}

describe('--max-regions', () => {
  it('partition: 18 regions pass a budget of 18 and stop at 17 with the budget error', async () => {
    const within = await capture(runPartition, [
      '--model',
      model,
      '--plane',
      plane,
      '--max-regions',
      '18',
      '--json',
    ]);
    expect(within.code).toBe(0);
    expect(JSON.parse(within.stdout).regions).toBe(18);
    const over = await capture(runPartition, [
      '--model',
      model,
      '--plane',
      plane,
      '--max-regions',
      '17',
    ]);
    expect(over).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'mbh-lab partition: this plane has more than 17 regions (the region budget); ' +
        'raise the limit or zoom into a smaller domain\n',
    });
  });

  it('measure: each plane runs under the budget', async () => {
    const data = join(fixtures, 'fig32.data.csv');
    const args = ['--model', model, '--plane', plane, '--data', data, '--json'];
    const within = await capture(runMeasure, [...args, '--max-regions', '18']);
    expect(within.code).toBe(0);
    expect(JSON.parse(within.stdout).results.length).toBeGreaterThan(0);
    expect(await capture(runMeasure, [...args, '--max-regions', '17'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'mbh-lab measure: this plane has more than 17 regions (the region budget); ' +
        'raise the limit or zoom into a smaller domain\n',
    });
  });

  it('refuses a value that is not a positive integer, naming the flag', async () => {
    for (const [value, shown] of [
      ['0', 'got 0'],
      ['ten', 'got "ten"'],
      ['1.5', 'got "1.5"'],
      ['99999999', 'got 99999999'],
    ]) {
      const result = await capture(runPartition, [
        '--model',
        model,
        '--plane',
        plane,
        '--max-regions',
        value,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `mbh-lab partition: --max-regions must be an integer from 1 to 10,000,000, ${shown}\n`,
      );
    }
  });
});
