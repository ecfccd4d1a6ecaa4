/**
 * A hub in its own process for the remote tests (to be killed with SIGKILL and started
 * again): a fixture script under tests/fixtures/scripts that opens a lab on a zoo folder
 * with a Redis queue, prints {"ready":true} once it serves and {"idle":true} once its jobs
 * are done. Also a read-only row count of the zoo it writes meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export interface HubProcess {
  readonly child: ChildProcess;
  /** Resolves on its "ready" line; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves on its "idle" line; a hub killed on purpose never says it, and nobody waits. */
  readonly idle: Promise<void>;
}

/** Starts `script` (a name in tests/fixtures/scripts) as `script home url queue [action]`. */
export function startHubProcess(
  script: string,
  options: { home: string; url: string; queue: string; action?: string },
): HubProcess {
  const path = fileURLToPath(new URL(`../fixtures/scripts/${script}`, import.meta.url));
  const { home, url, queue, action } = options;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path, home, url, queue, ...(action ? [action] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MBH_LAB_REDIS: '' } },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const line = (key: string) =>
    new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes(`"${key}":true`)) resolve();
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`the hub ended (${signal ?? code}) before "${key}": ${stderr}`)),
      );
    });
  const ready = line('ready');
  const idle = line('idle');
  idle.catch(() => {});
  return { child, ready, idle };
}

/** One COUNT(*) AS n from a zoo, read-only (its hub writes it meanwhile). */
export function countRows(zooFile: string, sql: string): number {
  const db = new Database(zooFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
