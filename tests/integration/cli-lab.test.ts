/**
 * The zoo commands' contracts: JSON field names, exit codes, one-line errors on stderr,
 * help. Each test runs the real `mbh-lab` on a temporary zoo.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mbh } from '../unit/cli-support.ts';
import { run } from './processes.ts';

const cli = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mbh-cli-'));
const zoo = join(dir, 'zoo.sqlite');
const previousHome = process.env.MBH_LAB_HOME;
beforeAll(() => {
  process.env.MBH_LAB_HOME = dir;
});
afterAll(() => {
  if (previousHome === undefined) delete process.env.MBH_LAB_HOME;
  else process.env.MBH_LAB_HOME = previousHome;
  rmSync(dir, { recursive: true, force: true });
});

/** The real program in a child process (slow to start: used once). */
function spawned(...args: string[]) {
  return run(process.execPath, [cli, ...args], { env: { ...process.env, MBH_LAB_HOME: dir } });
}

/** The same dispatcher and commands in this process, output captured. */

describe('mbh-lab zoo commands', () => {
  it('trains a model and prints the JSON contract', async () => {
    const result = await spawned(
      'train',
      '--arch',
      'custom',
      '--hidden',
      '4,2',
      '--dataset',
      'xor',
      '--iterations',
      '150',
      '--seed',
      '1',
      '--checkpoints',
      'all',
      '--zoo',
      zoo,
      '--json',
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual([
      'accuracy',
      'backend',
      'checkpoints',
      'model',
      'msPerIteration',
      'trainer',
    ]);
    expect(out.model).toBe(1);
    expect(out.accuracy).toBeGreaterThan(0);
    expect(out.accuracy).toBeLessThanOrEqual(1);
    // The fused path runs its own kernels ('js'); TensorFlow.js one of its backends.
    if (out.trainer === 'fused') expect(out.backend).toBe('js');
    else {
      expect(out.trainer).toBe('tfjs');
      expect(['tensorflow', 'wasm', 'cpu']).toContain(out.backend);
    }
    expect(out.msPerIteration).toBeGreaterThan(0);
    expect(out.checkpoints).toEqual([0, 1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 150]);
  });

  it('lists jobs, measures, exports and re-imports through the zoo', async () => {
    const jobs = await mbh('jobs', '--zoo', zoo, '--json');
    expect(jobs.status).toBe(0);
    expect(JSON.parse(jobs.stdout)).toMatchObject([
      { id: 1, kind: 'train', state: 'done', modelId: 1 },
    ]);

    const measured = await mbh('measure', '--model', '1', '--planes', '2', '--zoo', zoo, '--json');
    expect(measured.status).toBe(0);
    const report = JSON.parse(measured.stdout) as {
      model: number;
      sByCp: { cp: number }[];
      regions: number;
    };
    expect(report.model).toBe(1);
    expect(report.sByCp).toHaveLength(8);
    expect(report.regions).toBeGreaterThan(1);

    const bundle = join(dir, 'model.json');
    expect(
      (await mbh('zoo', 'export', '1', '--out', bundle, '--bundle', '--zoo', zoo)).status,
    ).toBe(0);
    const single = join(dir, 'model-150.json');
    expect(
      (await mbh('zoo', 'export', '1', '--out', single, '--iteration', '150', '--zoo', zoo)).status,
    ).toBe(0);
    expect(JSON.parse(readFileSync(single, 'utf8'))).toMatchObject({ format: 'mbh-model' });
    const imported = await mbh('zoo', 'import', bundle, '--zoo', zoo, '--json');
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ id: 2, checkpointCount: 14 });
    const listed = JSON.parse((await mbh('zoo', 'ls', '--zoo', zoo, '--json')).stdout) as {
      id: number;
    }[];
    expect(listed.map((model) => model.id)).toEqual([1, 2]);
    expect((await mbh('zoo', 'rm', '2', '--zoo', zoo)).status).toBe(0);
    const shown = JSON.parse((await mbh('zoo', 'show', '1', '--zoo', zoo, '--json')).stdout) as {
      checkpoints: unknown[];
      measurements: unknown[];
    };
    expect(shown.checkpoints).toHaveLength(14);
    expect(shown.measurements).toHaveLength(2 * 2 * 8);
  });

  it('fails with one clear line on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--hidden', '4,x', '--dataset', 'xor'], /--hidden: must be a positive integer/],
      [['train', '--hidden', '4,2', '--dataset', 'nope'], /--dataset: unknown dataset "nope"/],
      [['train', '--hidden', '4', '--arch', 'lenet', '--dataset', 'xor'], /2 hidden layers/],
      [['zoo', 'show', '99'], /no model with id 99/],
      [
        ['zoo', 'export', '1', '--out', join(dir, 'x.json'), '--iteration', '9'],
        /no checkpoint at 9/,
      ],
      [['experiment', 'run', 'no-such-preset'], /neither a spec file nor a preset/],
      [['jobs', 'frobnicate'], /unknown jobs subcommand/],
      [['train', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const result = await mbh(...args, '--zoo', zoo);
      expect(result.status, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    const notAZoo = join(dir, 'notes.txt');
    writeFileSync(notAZoo, 'my notes\n');
    const refused = await mbh('info', '--zoo', notAZoo);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/is not an MBH Lab zoo: it is not a SQLite database/);
    expect(readFileSync(notAZoo, 'utf8')).toBe('my notes\n');
    const badSpec = join(dir, 'bad.json');
    writeFileSync(
      badSpec,
      JSON.stringify({
        name: 'x',
        family: 'lenet',
        hiddenNeurons: [16],
        seeds: [-1],
        datasets: ['xor'],
        iterations: 5,
      }),
    );
    const result = await mbh('experiment', 'plan', badSpec, '--zoo', zoo);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/seeds\[0\]: must be at least 0/);
  });

  it('prints help for the program and every command', async () => {
    const top = await mbh('--help');
    expect(top.status).toBe(0);
    for (const command of ['train', 'experiment', 'jobs', 'zoo', 'info']) {
      expect(top.stdout).toContain(command);
      const help = await mbh(command, '--help');
      expect(help.status, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`mbh-lab ${command}`));
    }
    const info = await mbh('info', '--zoo', zoo, '--json');
    expect(Object.keys(JSON.parse(info.stdout)).sort()).toEqual(
      ['backend', 'backendNote', 'shell', 'version', 'workers', 'zooPath'].sort(),
    );
  });

  it('runs the smoke preset end to end', async () => {
    const result = await mbh(
      'experiment',
      'run',
      'smoke',
      '--zoo',
      join(dir, 'smoke.sqlite'),
      '--workers',
      '2',
      '--json',
    );
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as {
      experiment: number;
      models: { setup: string; sByCp: unknown[]; regions: number }[];
      failedJobs: number[];
    };
    expect(out.failedJobs).toEqual([]);
    expect(out.models).toHaveLength(2); // two densities × one seed
    for (const row of out.models) {
      expect(row.sByCp.map((entry) => (entry as { cp: number }).cp)).toEqual([0.8, 1]);
      expect(row.regions).toBeGreaterThan(0);
    }
  });
});
