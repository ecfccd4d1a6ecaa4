/**
 * Child processes for the integration tests, waited for by state, never by time: a run
 * ends when the process ends (the test's own timeout is the only hang guard), and a
 * process is caught mid-way when its files reach a state, re-checked on every change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';

export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` to its end, capturing its output (UTF-8). */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/**
 * Resolves once `reached()` holds: checked at once and again after each change of a file
 * in `folder` (a SQLite zoo writes its WAL there on every commit). A check that throws
 * (say, the zoo is not created yet) counts as not reached. Rejects, naming `what`, if
 * `child` exits before the state is reached.
 */
export function whenReached(
  folder: string,
  reached: () => boolean,
  child: ChildProcess,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const holds = () => {
      try {
        return reached();
      } catch {
        return false;
      }
    };
    let pending = false;
    const finish = (error?: Error) => {
      watcher.close();
      child.off('exit', exited);
      if (error) reject(error);
      else resolve();
    };
    // Changes come in bursts (one per page written); one check per burst is enough.
    const check = () => {
      if (pending) return;
      pending = true;
      setImmediate(() => {
        pending = false;
        if (holds()) finish();
      });
    };
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      if (holds()) finish();
      else finish(new Error(`${what}: the process ended first (${signal ?? `exit ${code}`})`));
    };
    const watcher = watch(folder, check);
    if (child.exitCode !== null || child.signalCode !== null) {
      exited(child.exitCode, child.signalCode);
      return;
    }
    child.once('exit', exited);
    check();
  });
}
