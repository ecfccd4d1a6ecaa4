/**
 * Crash safety on the fused training path: a `mbh-lab train --trainer fused` process is
 * killed with SIGKILL mid-training, `mbh-lab jobs resume` finishes the job from its last
 * snapshot with every checkpoint and metric stored exactly once, and the result is
 * bit-identical to the same training never interrupted (the fused path resumes exactly).
 * (jobs-crash.test.ts does the same on the TensorFlow.js path.)
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import { run, whenReached } from './processes.ts';

const cli = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mbh-crash-fused-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ITERATIONS = 6000;
const KILL_AFTER = 1477;

function query<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function trainArgs(zooFile: string): string[] {
  return [
    cli,
    'train',
    '--arch',
    'lenet',
    '--hidden',
    '12,4',
    '--density',
    '0.5',
    '--dataset',
    'mnist',
    '--iterations',
    String(ITERATIONS),
    '--checkpoints',
    'all',
    '--seed',
    '9',
    '--trainer',
    'fused',
    '--zoo',
    zooFile,
    '--json',
  ];
}

type CheckpointRow = {
  id: number;
  iteration: number;
  weights: Buffer;
  biases: Buffer;
  masks: Buffer;
};

describe('crash safety on the fused path', () => {
  it('resumes a fused training killed with SIGKILL, exactly as if never interrupted', async () => {
    const env = { ...process.env, MBH_LAB_HOME: dir };
    const killedDir = join(dir, 'killed');
    mkdirSync(killedDir);
    const zooFile = join(killedDir, 'zoo.sqlite');
    const child = spawn(process.execPath, trainArgs(zooFile), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    await whenReached(
      killedDir,
      () => {
        const [row] = query<{ last: number | null }>(
          zooFile,
          'SELECT max(iteration) AS last FROM checkpoints',
        );
        return row.last !== null && row.last >= KILL_AFTER;
      },
      child,
      'training did not reach the kill point',
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${stderr}`);
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const [interrupted] = query<{ state: string; snapshot: number; trainer: string }>(
      zooFile,
      'SELECT state, resume_state IS NOT NULL AS snapshot, trainer FROM jobs',
    );
    expect(interrupted).toEqual({ state: 'running', snapshot: 1, trainer: 'fused' });
    const before = query<{ iteration: number }>(zooFile, 'SELECT iteration FROM checkpoints');
    expect(before.length).toBeLessThan(evaluationSchedule(ITERATIONS).length);

    const resumed = await run(
      process.execPath,
      [cli, 'jobs', 'resume', '--zoo', zooFile, '--json'],
      {
        env,
      },
    );
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject([{ state: 'done', attempts: 2 }]);

    // The same training, never interrupted, in another zoo.
    const wholeDir = join(dir, 'whole');
    mkdirSync(wholeDir);
    const wholeFile = join(wholeDir, 'zoo.sqlite');
    const whole = await run(process.execPath, trainArgs(wholeFile), { env });
    expect(whole.status).toBe(0);

    const checkpoints = (file: string) =>
      query<CheckpointRow>(
        file,
        'SELECT id, iteration, weights, biases, masks FROM checkpoints ORDER BY iteration',
      );
    const after = checkpoints(zooFile);
    const expected = checkpoints(wholeFile);
    expect(after.map((row) => row.iteration)).toEqual(evaluationSchedule(ITERATIONS));
    expect(new Set(after.map((row) => row.id)).size).toBe(after.length);
    after.forEach((row, index) => {
      const reference = expected[index];
      expect(row.iteration).toBe(reference.iteration);
      expect(Buffer.compare(row.weights, reference.weights), `weights at ${row.iteration}`).toBe(0);
      expect(Buffer.compare(row.biases, reference.biases), `biases at ${row.iteration}`).toBe(0);
      expect(Buffer.compare(row.masks, reference.masks), `masks at ${row.iteration}`).toBe(0);
    });
    const metrics = (file: string) =>
      query<{ iteration: number; accuracy: number; loss: number }>(
        file,
        'SELECT iteration, accuracy, loss FROM metrics ORDER BY iteration',
      );
    expect(metrics(zooFile)).toEqual(metrics(wholeFile));
    const [model] = query<{ iterations: number; backend: string; trainer: string }>(
      zooFile,
      'SELECT iterations, backend, trainer FROM models',
    );
    expect(model).toEqual({ iterations: ITERATIONS, backend: 'js', trainer: 'fused' });
  }, 600_000); // two trainings of 6,000 steps and their 10,000-image validation passes
});
