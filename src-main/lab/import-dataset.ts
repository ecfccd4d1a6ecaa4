/**
 * A dataset import run in its own worker thread (import.worker.ts), so that parsing,
 * validation and the cache write never block the thread that calls it. All or nothing:
 * when the import fails or the thread dies, any cache file or temporary it left for the
 * dataset's id is removed.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '../data/idx.ts';
import type { DatasetEntry } from '../data/registry.ts';
import { workerEntry } from '../workers/entries.ts';
import type { ImportRequest, ImportResponse } from '../workers/import-protocol.ts';
import { spawnWorker } from '../workers/spawn.ts';

/** The worker's error as the class it was thrown as, so callers and the api see the same name. */
function rebuildError(name: string, message: string): Error {
  switch (name) {
    case 'DataFileError':
      return new DataFileError(message);
    case 'RangeError':
      return new RangeError(message);
    case 'TypeError':
      return new TypeError(message);
    default:
      return Object.assign(new Error(message), { name });
  }
}

/** Removes the cache of `id` and any temporary file of its atomic write. */
export function removeDatasetFiles(datasetsDirectory: string, id: string): void {
  let names: string[];
  try {
    names = readdirSync(datasetsDirectory);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === `${id}.bin` || (name.startsWith(`${id}.bin.`) && name.endsWith('.tmp')))
      rmSync(join(datasetsDirectory, name), { force: true });
  }
}

/**
 * Imports one user dataset in a worker thread and resolves with its registry entry.
 * `id` is the id the import will get (userDatasetId of the name): on failure its files
 * are removed, so nothing half-written stays behind.
 */
export function importInWorker(
  request: Omit<ImportRequest, 'type'>,
  id: string,
): Promise<DatasetEntry> {
  const datasets = join(request.dataDirectory, 'datasets');
  const worker = spawnWorker(workerEntry('import'));
  return new Promise<DatasetEntry>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, entry?: DatasetEntry): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error === null) {
        resolve(entry!);
        return;
      }
      removeDatasetFiles(datasets, id);
      reject(error);
    };
    worker.on('message', (response: ImportResponse) => {
      if (response.type === 'imported') finish(null, response.entry);
      else finish(rebuildError(response.name, response.message));
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) =>
      finish(new Error(`the import worker for '${id}' exited (code ${code}) before it answered`)),
    );
    worker.postMessage({ type: 'import', ...request } satisfies ImportRequest);
  });
}
