/**
 * `mbh-lab worker` as its own process for the remote tests: its own lab folder (dataset
 * cache), its log (stderr) kept, and `ready` resolved by its JSON line, never by time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));

export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it logged so far (one line per event: runs taken, datasets fetched…). */
  log(): string;
  /**
   * Resolves with the first match of `pattern` in its log once it is there (the worker
   * logs a run's end after sending it, so the hub may have applied it a moment earlier).
   */
  logged(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves once it is connected and takes runs; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves with its exit code (or signal) once it ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

export function startWorkerProcess(options: {
  url: string;
  queue: string;
  name: string;
  home: string;
  env?: NodeJS.ProcessEnv;
  args?: readonly string[];
}): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'worker',
      ...['--redis', options.url, '--queue', options.queue, '--name', options.name],
      ...['--concurrency', '1', '--json'],
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, MBH_LAB_HOME: options.home, MBH_LAB_REDIS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => {
      const line = chunk.toString('utf8');
      if (line.includes(`"name":${JSON.stringify(options.name)}`)) resolve();
      else reject(new Error(`worker ${options.name} printed ${line}`));
    });
    void exited.then((code) =>
      reject(new Error(`worker ${options.name} exited (${code}): ${stderr}`)),
    );
  });
  // A worker expected to fail is awaited through `exited`; nobody need wait on `ready`.
  ready.catch(() => {});
  const logged = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stderr);
        if (!match) return false;
        child.stderr!.off('data', onData);
        resolve(match);
        return true;
      };
      const onData = () => void check();
      if (check()) return;
      child.stderr!.on('data', onData);
      void exited.then(() => {
        if (!check()) reject(new Error(`worker ${options.name} exited before logging ${pattern}`));
      });
    });
  return { name: options.name, child, log: () => stderr, logged, ready, exited };
}
