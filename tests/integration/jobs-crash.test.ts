/**
 * Crash safety for real: a `mbh-lab train` process is killed with SIGKILL in the middle of
 * training, the zoo is reopened by `mbh-lab jobs resume`, and the training finishes from
 * its last snapshot with every checkpoint and metric stored exactly once. The same for a
 * `mbh-lab measure` killed between planes: the resumed job measures only what is missing.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import { run, whenReached } from './processes.ts';

const cli = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mbh-crash-'));
const zooFile = join(dir, 'zoo.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ITERATIONS = 3000;
const KILL_AFTER = 985;

function query<T>(sql: string, file = zooFile): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('crash safety', () => {
  it('resumes a training killed with SIGKILL without losing or duplicating rows', async () => {
    const child = spawn(
      process.execPath,
      [
        cli,
        'train',
        '--hidden',
        '16,8',
        '--dataset',
        'xor',
        '--iterations',
        String(ITERATIONS),
        '--checkpoints',
        'all',
        '--seed',
        '3',
        // TensorFlow.js: slow enough per step that the kill lands mid-run.
        '--trainer',
        'tfjs',
        '--zoo',
        zooFile,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MBH_LAB_HOME: dir } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );

    // Wait until training is well under way, then kill the whole process at once.
    await whenReached(
      dir,
      () => {
        const [row] = query<{ last: number | null }>(
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

    const [interrupted] = query<{ state: string; snapshot: number; iteration: number }>(
      'SELECT state, resume_state IS NOT NULL AS snapshot, iteration FROM jobs',
    );
    expect(interrupted.state).toBe('running'); // as the killed process left it
    expect(interrupted.snapshot).toBe(1);
    const before = new Map(
      query<{ id: number; iteration: number }>('SELECT id, iteration FROM checkpoints').map(
        (row) => [row.iteration, row.id],
      ),
    );
    expect(before.size).toBeLessThan(evaluationSchedule(ITERATIONS).length);

    const resumed = await run(
      process.execPath,
      [cli, 'jobs', 'resume', '--zoo', zooFile, '--json'],
      {
        env: { ...process.env, MBH_LAB_HOME: dir },
      },
    );
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const ran = JSON.parse(resumed.stdout) as { state: string; attempts: number }[];
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ state: 'done', attempts: 2 });

    const checkpoints = query<{ id: number; iteration: number }>(
      'SELECT id, iteration FROM checkpoints ORDER BY iteration',
    );
    expect(checkpoints.map((row) => row.iteration)).toEqual(evaluationSchedule(ITERATIONS));
    // Rows stored before the crash kept their ids (rewritten in place, never duplicated).
    for (const row of checkpoints)
      if (before.has(row.iteration)) expect(row.id).toBe(before.get(row.iteration));
    const metrics = query<{ iteration: number }>(
      'SELECT iteration FROM metrics ORDER BY iteration',
    );
    expect(metrics.map((row) => row.iteration)).toEqual(evaluationSchedule(ITERATIONS));
    const [model] = query<{ iterations: number; backend: string; accuracy: number }>(
      `SELECT m.iterations, m.backend, x.accuracy FROM models m
       JOIN metrics x ON x.model_id = m.id AND x.iteration = ${ITERATIONS}`,
    );
    expect(model.iterations).toBe(ITERATIONS);
    expect(model.accuracy).toBeGreaterThan(0.6);
    const [job] = query<{ state: string; snapshot: number }>(
      'SELECT state, resume_state IS NOT NULL AS snapshot FROM jobs',
    );
    expect(job).toEqual({ state: 'done', snapshot: 0 });
  });

  it('resumes a measurement killed with SIGKILL, measuring each plane exactly once', async () => {
    // A small network trained in a few seconds, then 16 checkpoints × 16 planes to measure.
    const measureDir = mkdtempSync(join(dir, 'measure-'));
    const file = join(measureDir, 'zoo.sqlite');
    const env = { ...process.env, MBH_LAB_HOME: measureDir };
    const PLANES = 16;
    const trained = await run(
      process.execPath,
      [
        cli,
        'train',
        '--hidden',
        '64,32',
        '--dataset',
        'xor',
        '--iterations',
        '300',
        '--checkpoints',
        'all',
      ],
      { env },
    );
    expect(trained.status, trained.stderr).toBe(0);
    const child = spawn(
      process.execPath,
      [cli, 'measure', '--model', '1', '--planes', String(PLANES), '--all-checkpoints'],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    const checkpointCount = query<{ n: number }>('SELECT count(*) AS n FROM checkpoints', file)[0]
      .n;
    // Enough planes (every schedule point of 300 iterations × 16) that the kill lands mid-way.
    expect(checkpointCount).toBe(16);
    const total = checkpointCount * PLANES;
    // Kill once a few planes are stored and most are not.
    await whenReached(
      measureDir,
      () => query<{ n: number }>('SELECT count(*) AS n FROM region_counts', file)[0].n >= 8,
      child,
      'measuring did not store 8 planes',
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${stderr}`);
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const [interrupted] = query<{ kind: string; state: string }>(
      "SELECT kind, state FROM jobs WHERE kind = 'measure'",
      file,
    );
    expect(interrupted.state).toBe('running'); // as the killed process left it
    const measuredBefore = query<{ rowid: number; key: string; ms: number }>(
      `SELECT rowid, checkpoint_id || ':' || plane_set_id || ':' || plane AS key, ms
       FROM region_counts`,
      file,
    );
    expect(measuredBefore.length).toBeGreaterThan(0);
    expect(measuredBefore.length).toBeLessThan(total);
    const rowsBefore = query<{ n: number }>('SELECT count(*) AS n FROM measurements', file)[0].n;

    const resumed = await run(process.execPath, [cli, 'jobs', 'resume', '--json'], { env });
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const ran = JSON.parse(resumed.stdout) as { kind: string; state: string; attempts: number }[];
    expect(ran).toEqual([expect.objectContaining({ kind: 'measure', state: 'done', attempts: 2 })]);

    // Every checkpoint × plane once, with all its phenomena × cPs, and nothing twice.
    const [{ classes, cps }] = query<{ classes: number; cps: number }>(
      'SELECT count(DISTINCT phenomenon) AS classes, count(DISTINCT cp) AS cps FROM measurements',
      file,
    );
    expect([classes, cps]).toEqual([2, 8]);
    const counted = query<{ n: number; distinctPlanes: number }>(
      `SELECT count(*) AS n, count(DISTINCT checkpoint_id || ':' || plane) AS distinctPlanes
       FROM region_counts`,
      file,
    );
    expect(counted[0]).toEqual({ n: total, distinctPlanes: total });
    const perPlane = query<{ rows: number }>(
      `SELECT count(*) AS rows FROM measurements GROUP BY checkpoint_id, plane_set_id, plane`,
      file,
    );
    expect(perPlane).toHaveLength(total);
    expect(perPlane.every((row) => row.rows === classes * cps)).toBe(true);
    const [{ n: rowsAfter }] = query<{ n: number }>('SELECT count(*) AS n FROM measurements', file);
    expect(rowsAfter).toBe(total * classes * cps);
    expect(rowsAfter).toBeGreaterThan(rowsBefore);
    // Planes stored before the kill were skipped, not measured again: same rows, same timings.
    const after = new Map(
      query<{ rowid: number; key: string; ms: number }>(
        `SELECT rowid, checkpoint_id || ':' || plane_set_id || ':' || plane AS key, ms
         FROM region_counts`,
        file,
      ).map((row) => [row.key, row]),
    );
    for (const row of measuredBefore) expect(after.get(row.key)).toEqual(row);
    expect(query<{ state: string }>("SELECT state FROM jobs WHERE kind = 'measure'", file)).toEqual(
      [{ state: 'done' }],
    );
  });
});
