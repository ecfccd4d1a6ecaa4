/**
 * Ctrl-C during `mbh-lab train`: the process says what happens to the running job (it
 * stops at its last snapshot and goes back to the queue), exits with 130, never prints a
 * raw "database is locked", and the zoo then shows exactly that: the job queued, its
 * progress kept, ready for `mbh-lab jobs resume`.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { whenReached } from './processes.ts';

const cli = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mbh-ctrl-c-'));
const zooFile = join(dir, 'zoo.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function query<T>(sql: string): T[] {
  const db = new Database(zooFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('Ctrl-C in the CLI', () => {
  it('says the running job goes back to the queue, and it does', async () => {
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
        '1000000',
        '--checkpoints',
        'all',
        '--zoo',
        zooFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MBH_LAB_HOME: dir } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    // Under way: a checkpoint past the start is stored and the job's progress recorded
    // (progress is reported every 200 ms, after a warm-up of a few steps).
    await whenReached(
      dir,
      () => {
        const [row] = query<{ last: number | null }>(
          'SELECT max(iteration) AS last FROM checkpoints',
        );
        const [job] = query<{ iteration: number }>('SELECT iteration FROM jobs');
        return row.last !== null && row.last > 0 && job !== undefined && job.iteration > 0;
      },
      child,
      'training did not start',
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain(
      'stopping: 1 running job stops at its last snapshot and goes back to the queue. Nothing finished is lost; `mbh-lab jobs resume` (or opening the lab) continues them.',
    );
    expect(stderr).not.toMatch(/database is locked|SQLITE_BUSY/);
    expect(stderr).not.toContain('are paused');
    const [job] = query<{ state: string; iteration: number }>('SELECT state, iteration FROM jobs');
    expect(job.state).toBe('queued');
    expect(job.iteration).toBeGreaterThan(0);
  });
});
