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

/**
 * Heap limit of a worker that reads and parses an imported file. Files are capped well
 * below it (model files 256 MiB, uploads 1 GiB, most of which becomes typed arrays outside
 * the heap), so only a pathological file reaches it; the limit makes that an error of the
 * import instead of an abort of the whole lab. It cannot stop one native call that overshoots
 * it by more than Node's 16 MB leeway (a JSON.parse is not interruptible): there the file
 * size caps are what keep a parse far below the limit.
 */
export const IMPORT_WORKER_HEAP_MB = 4096;

/** The error for an import worker that failed, in words for an out-of-memory stop. */
export function importWorkerFailure(error: Error & { code?: string }, file: string): Error {
  if (error.code !== 'ERR_WORKER_OUT_OF_MEMORY') return error;
  return Object.assign(
    new Error(
      `reading ${file} ran out of memory (the import worker's limit is ${IMPORT_WORKER_HEAP_MB} MB) and was stopped; nothing was stored`,
    ),
    { name: 'WorkerOutOfMemory' },
  );
}
