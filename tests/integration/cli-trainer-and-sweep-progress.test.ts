/**
 * The command line of issue 8 §2–§4: `train --trainer fused|tfjs|auto` and its JSON
 * (`trainer`, `msPerIteration`), `experiment plan` naming each setup's path and speed for
 * a pool of every core, and `experiment run` on a preset-shaped spec file printing plain
 * progress lines — the sweep's share, jobs left and ETA — on a stderr that is not a
 * terminal, with --json too (it printed nothing for 28 minutes before).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';

const { dir, zoo } = tempLabHome('mbh-cli-trainer-');

const train = (...extra: string[]) =>
  mbh(
    'train',
    '--hidden',
    '4,2',
    '--dataset',
    'xor',
    '--iterations',
    '60',
    '--zoo',
    zoo,
    '--json',
    ...extra,
  );

describe('train --trainer', () => {
  it('trains on the path asked for and says so, with the ms per step', async () => {
    const forced = await train('--trainer', 'tfjs');
    expect(forced.status, forced.stderr).toBe(0);
    const tfjs = JSON.parse(forced.stdout) as Record<string, unknown>;
    expect(tfjs.trainer).toBe('tfjs');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(tfjs.backend);
    expect(tfjs.msPerIteration).toBeGreaterThan(0);

    const fused = JSON.parse((await train('--trainer', 'fused')).stdout) as Record<string, unknown>;
    expect(fused).toMatchObject({ trainer: 'fused', backend: 'js' });
    expect(fused.msPerIteration).toBeGreaterThan(0);
    // Same seed, same network: the two paths agree to float rounding.
    expect(Math.abs((fused.accuracy as number) - (tfjs.accuracy as number))).toBeLessThan(0.02);

    const auto = JSON.parse((await train()).stdout) as Record<string, unknown>;
    expect(['fused', 'tfjs']).toContain(auto.trainer);
  });

  it('refuses an unknown path in one line', async () => {
    const result = await train('--trainer', 'keras');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'mbh-lab train: --trainer: must be auto, fused or tfjs, got "keras"\n',
    );
  });
});

describe('experiment plan and run', () => {
  const presetFile = join(dir, 'tiny-preset.json');
  writeFileSync(
    presetFile,
    JSON.stringify({
      label: 'Tiny',
      description: 'two small networks on the XOR toy',
      spec: {
        name: 'tiny',
        family: 'custom',
        hiddenNeurons: [6],
        customWidths: [[4, 2]],
        densities: [1, 0.5],
        seeds: [0],
        datasets: ['xor'],
        iterations: 200,
        planeCount: 2,
        cps: [0.8],
      },
    }),
  );

  it('plans a preset file for every core, naming each setup’s path and speed', async () => {
    const result = await mbh('experiment', 'plan', presetFile, '--zoo', zoo);
    expect(result.status, result.stderr).toBe(0);
    const workers = availableParallelism();
    expect(result.stdout).toMatch(
      new RegExp(
        `on this machine with ${workers} workers? \\(training .+, measuring .+ of work\\)`,
      ),
    );
    const setups = result.stdout.trim().split('\n').slice(1);
    expect(setups).toHaveLength(2);
    for (const line of setups) expect(line).toMatch(/ · xor · (fused|tfjs) \d+\.\d\d ms\/step$/);
  });

  it('prints plain sweep progress lines on a stderr that is not a terminal, with --json', async () => {
    const result = await mbh('experiment', 'run', presetFile, '--zoo', zoo, '--json');
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { models: unknown[]; failedJobs: number[] };
    expect(out.failedJobs).toEqual([]);
    expect(out.models).toHaveLength(2);
    const lines = result.stderr.trim().split('\n');
    const sweep = lines.filter((line) => line.startsWith('sweep '));
    expect(sweep.length).toBeGreaterThan(1);
    expect(sweep[0]).toMatch(/^sweep \d+% · \d+ jobs? left · eta .+ · \d+ workers?$/);
    expect(sweep.at(-1)).toMatch(/^sweep 100% · no job left · \d+ workers?$/);
    // The shares only grow.
    const shares = sweep.map((line) => Number(/^sweep (\d+)%/.exec(line)![1]));
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    // Each job reports its own lines too, and every job ends done.
    expect(lines.filter((line) => / done {2}/.test(line))).toHaveLength(4);
  });
});
