/**
 * A dataset import run in its own worker thread (import.worker.ts), so that parsing,
 * validation and the cache write never block the thread that calls it. All or nothing,
 * and a failed import removes only what it created itself: the worker stages the cache
 * under a name chosen here and links it into place without replacing any file, so the
 * cache is removed on failure only when it is provably this import's (it shares the
 * staging file's inode). An earlier dataset of the same id is never touched.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { quote, ValidationError } from '../../src-shared/api/validate.ts';
import { ownsPublished } from '../data/cache.ts';
import { DataFileError } from '../data/idx.ts';
import type { DatasetEntry } from '../data/registry.ts';
import { workerEntry } from '../workers/entries.ts';
import type {
  ImportRequest,
  ImportResponse,
  ParsedModelFile,
  ParseRequest,
} from '../workers/import-protocol.ts';
import type { ParsedProjectBundle } from './bundles.ts';
import { IMPORT_WORKER_HEAP_MB, importWorkerFailure, spawnWorker } from '../workers/spawn.ts';

/** The worker's error as the class it was thrown as, so callers and the api see the same name. */
function rebuildError(name: string, message: string, field?: string, problem?: string): Error {
  switch (name) {
    case 'ValidationError':
      return new ValidationError(field ?? 'params', problem ?? message);
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

/** A staging name no other import uses: `<id>.bin.<pid>.<random>.staging`. */
function stagingName(id: string): string {
  return `${id}.bin.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}.staging`;
}

/**
 * Imports one user dataset in a worker thread, then runs `commit` with its registry entry
 * (the zoo row). `id` is the id the import will get (userDatasetId of the name). When the
 * worker fails or dies, or `commit` throws, the cache this import wrote is removed; a
 * cache that was there before is left as it was.
 */
export async function importInWorker<T>(
  request: Omit<ImportRequest, 'type' | 'stagingPath'>,
  id: string,
  commit: (entry: DatasetEntry) => T,
): Promise<T> {
  const datasets = join(request.dataDirectory, 'datasets');
  const cache = join(datasets, `${id}.bin`);
  const staging = join(datasets, stagingName(id));
  let succeeded = false;
  try {
    const response = await runWorker({ type: 'import', ...request, stagingPath: staging }, id);
    if (response.type !== 'imported')
      throw new Error(`the import worker answered ${response.type}`);
    const entry = response.entry;
    const result = commit(entry);
    succeeded = true;
    return result;
  } finally {
    if (!succeeded && ownsPublished(cache, staging)) rmSync(cache, { force: true });
    rmSync(staging, { force: true });
  }
}

/** Reads and validates a project bundle in the import worker (nothing is stored). */
export async function parseProjectInWorker(
  request: Omit<ParseRequest, 'type'>,
): Promise<ParsedProjectBundle> {
  const response = await runWorker({ type: 'project', ...request }, request.field);
  if (response.type !== 'project') throw new Error(`the import worker answered ${response.type}`);
  return response.parsed;
}

/** Reads and validates a model file (bundle or Model JSON) in the import worker. */
export async function parseModelInWorker(
  request: Omit<ParseRequest, 'type'>,
): Promise<ParsedModelFile> {
  const response = await runWorker({ type: 'model', ...request }, request.field);
  if (response.type !== 'model') throw new Error(`the import worker answered ${response.type}`);
  return response.parsed;
}

type Answer = Exclude<ImportResponse, { type: 'failed' }>;

function runWorker(request: ImportRequest | ParseRequest, id: string): Promise<Answer> {
  const worker = spawnWorker(workerEntry('import'), {
    resourceLimits: { maxOldGenerationSizeMb: IMPORT_WORKER_HEAP_MB },
  });
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, answer?: Answer): void => {
      if (settled) return;
      settled = true;
      if (error === null) resolve(answer!);
      else reject(error);
    };
    worker.on('message', (response: ImportResponse) => {
      if (response.type !== 'failed') finish(null, response);
      else finish(rebuildError(response.name, response.message, response.field, response.problem));
    });
    worker.on('error', (error) => finish(importWorkerFailure(error, `'${id}'`)));
    worker.on('exit', (code) =>
      finish(new Error(`the import worker for '${id}' exited (code ${code}) before it answered`)),
    );
    worker.postMessage(request);
    // Settles only once the thread is gone, so nothing writes after the clean-up.
  }).finally(() => worker.terminate());
}

/** The refusal of an import whose name gives the id of a dataset the lab has. */
export function datasetExists(name: string, id: string): string {
  return `a dataset with id '${id}' exists already (from the name ${quote(name)}); remove it first (mbh-lab data rm ${id}) or choose another name`;
}

/**
 * Removes the staging files of imports whose process is gone (killed mid-import); they
 * are named `<id>.bin.<pid>.<random>.staging`. Runs when a lab opens, under the zoo lock.
 */
export function removeStaleStaging(datasetsDirectory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(datasetsDirectory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = /\.bin\.(\d+)\.[a-z0-9]+\.staging$/.exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    rmSync(join(datasetsDirectory, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
