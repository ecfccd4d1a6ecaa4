import { Worker, type WorkerOptions } from 'node:worker_threads';

const tsxBootstrap = new URL('./tsx-bootstrap.mjs', import.meta.url);

/**
 * Starts a worker thread. From the TypeScript sources (CLI, tests, browser mode) the
 * worker goes through a bootstrap that registers tsx; from a bundled build (the Electron
 * app) the entry is plain JavaScript and runs as it is.
 *
 * @param entry URL of the worker module, e.g. `new URL('./partition.worker.ts', import.meta.url)`.
 */
export function spawnWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  return new Worker(tsxBootstrap, { ...options, argv: [...(options.argv ?? []), entry.href] });
}
