/**
 * A fused training killed with SIGKILL mid-run continues from its last snapshot file and
 * ends bit-identical to a run that was never interrupted (the job runner keeps resume
 * states the same way; tests/integration/jobs-crash.test.ts kills a whole `mbh-lab
 * train` job).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { trainFused } from '../../src-main/train/fused/train-fused.ts';
import type { ResumeState, TrainSpec } from '../../src-main/train/spec.ts';
import { whenReached } from './processes.ts';

const script = fileURLToPath(
  new URL('../fixtures/scripts/fused-train-snapshots.ts', import.meta.url),
);
const bits = (array: Float32Array): Uint32Array =>
  new Uint32Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));

describe('fused training and kill -9', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-fused-kill-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('resumes from the last snapshot after SIGKILL, bit-identical to an uninterrupted run', async () => {
    const dataDirectory = join(root, 'data');
    const out = join(root, 'out');
    const dataset = new DatasetRegistry(dataDirectory).load('mnist'); // builds the cache first
    mkdirSync(out);
    const spec: TrainSpec = {
      hidden: [12, 4],
      family: 'lenet',
      density: 0.5,
      seed: 17,
      dataset: 'mnist',
      iterations: 2500,
      checkpoints: [],
    };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, dataDirectory, out, JSON.stringify(spec), '250'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    const latest = join(out, 'snapshot.bin');
    const step = (): number =>
      existsSync(latest) ? (deserialize(readFileSync(latest)) as ResumeState).step : -1;
    await whenReached(out, () => step() >= 500, child, 'no snapshot at step ≥ 500').catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${stderr}`);
      },
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const state = deserialize(readFileSync(latest)) as ResumeState;
    expect(state.step).toBeGreaterThanOrEqual(500);
    expect(state.step).toBeLessThan(spec.iterations);
    const resumed = await trainFused(spec, dataset, {}, state);
    const uninterrupted = await trainFused(spec, dataset);
    expect(resumed.status).toBe('completed');
    expect(resumed.iteration).toBe(spec.iterations);
    resumed.layers.forEach((layer, index) => {
      expect(bits(layer.weights)).toEqual(bits(uninterrupted.layers[index].weights));
      expect(bits(layer.bias)).toEqual(bits(uninterrupted.layers[index].bias));
    });
    expect(resumed.evaluations).toEqual(uninterrupted.evaluations);
  }, 600_000);
});
