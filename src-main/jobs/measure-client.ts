/**
 * The lab's side of a measure worker: numbered requests, answers matched by id, plane
 * results and partition progress streamed to callbacks. A worker that dies — out of its
 * heap limit, or any other exit — rejects everything it had pending with an error that
 * says so; the lab process never goes down with it.
 */
import type { Worker } from 'node:worker_threads';
import { signalError, type CallSignal } from '../../src-shared/api/call.ts';
import { DEFAULT_WORKER_MEMORY_MB } from '../../src-shared/api/lab-limits.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { workerEntry } from '../workers/entries.ts';
import { spawnWorker } from '../workers/spawn.ts';
import type {
  MeasureRequest,
  MeasureResponse,
  PlaneResult,
  WorkerData,
} from '../workers/measure-protocol.ts';

type Body<T> = T extends unknown ? Omit<T, 'id' | 'cancel'> : never;

export interface MeasureWorkerOptions {
  /**
   * Heap limit (maxOldGenerationSizeMb); default DEFAULT_WORKER_MEMORY_MB. The engine keeps
   * geometry in typed arrays outside the heap (bounded by the region budget); the heap
   * holds decision patterns and messages, so a worker past this has run away.
   */
  memoryMb?: number;
  /** Another entry speaking the measure protocol (tests). */
  entry?: URL;
  /** Called whenever the worker has nothing left to do (also after cancelled work stopped). */
  onIdle?: () => void;
}

export interface RequestOptions {
  onPlane?: (result: PlaneResult) => void;
  /** Regions so far of a running partition. */
  onProgress?: (regions: number) => void;
  transfer?: ArrayBuffer[];
  /** Aborting rejects the request at once and sets its flag so the worker stops. */
  signal?: CallSignal;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onPlane?: (result: PlaneResult) => void;
  onProgress?: (regions: number) => void;
  /** Set once the caller has been answered (cancelled): the worker's late answer is dropped. */
  settled: boolean;
}

function workerError(message: string, name?: string, path?: string): Error {
  // A ValidationError keeps its field path, so the api's caller can show it by the field.
  const error: Error & { path?: string } =
    name === 'ValidationError' && path !== undefined && message.startsWith(`${path}: `)
      ? new ValidationError(path, message.slice(path.length + 2))
      : new Error(message);
  if (name && name !== 'Error') error.name = name;
  return error;
}

export class MeasureWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;
  private readonly onIdle: (() => void) | undefined;
  readonly memoryMb: number;

  constructor(home: string, options: MeasureWorkerOptions = {}) {
    this.memoryMb = options.memoryMb ?? DEFAULT_WORKER_MEMORY_MB;
    this.onIdle = options.onIdle;
    this.worker = spawnWorker(options.entry ?? workerEntry('measure'), {
      workerData: { home } satisfies WorkerData,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
    });
    this.worker.on('message', (message: MeasureResponse) => this.receive(message));
    this.worker.on('error', (error: Error & { code?: string }) =>
      this.fail(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? workerError(
              `the computation ran out of memory (the worker's limit is ${this.memoryMb} MB) and was stopped; ` +
                'try a smaller region budget or domain',
              'WorkerOutOfMemory',
            )
          : workerError(`the measure worker failed: ${error.message}`, 'WorkerError'),
      ),
    );
    this.worker.on('exit', (code) =>
      this.fail(workerError(`the measure worker exited (code ${code})`, 'WorkerError')),
    );
  }

  /** False once the worker has died or been stopped. */
  get alive(): boolean {
    return this.dead === null;
  }

  /** True while the worker has work, including cancelled work it has not yet stopped. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  request<T>(body: Body<MeasureRequest>, options: RequestOptions = {}): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signalError(signal));
    const id = this.nextId++;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        onPlane: options.onPlane,
        onProgress: options.onProgress,
        settled: false,
      };
      const onAbort = () => {
        Atomics.store(flag, 0, 1);
        if (entry.settled) return;
        entry.settled = true;
        reject(signalError(signal!));
      };
      if (signal) {
        signal.addEventListener('abort', onAbort, { once: true });
        const done = () => signal.removeEventListener('abort', onAbort);
        entry.resolve = (value) => {
          done();
          (resolve as (value: unknown) => void)(value);
        };
        entry.reject = (error) => {
          done();
          reject(error);
        };
      }
      this.pending.set(id, entry);
      this.worker.postMessage({ ...body, id, cancel: flag }, options.transfer ?? []);
    });
  }

  async terminate(): Promise<void> {
    this.fail(workerError('the measure worker was stopped', 'WorkerError'));
    await this.worker.terminate();
  }

  private receive(message: MeasureResponse): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      if (!pending.settled) pending.onProgress?.(message.regions);
      return;
    }
    if (message.type === 'plane') {
      if (pending.settled) return;
      try {
        pending.onPlane?.(message);
      } catch (error) {
        pending.settled = true;
        pending.reject(error as Error);
      }
      return;
    }
    this.pending.delete(message.id);
    if (!pending.settled) {
      pending.settled = true;
      if (message.type === 'result') pending.resolve(message.value);
      else pending.reject(workerError(message.message, message.name, message.path));
    }
    if (this.pending.size === 0) this.onIdle?.();
  }

  private fail(error: Error): void {
    if (!this.dead) this.dead = error;
    for (const pending of this.pending.values()) {
      if (pending.settled) continue;
      pending.settled = true;
      pending.reject(this.dead);
    }
    const hadWork = this.pending.size > 0;
    this.pending.clear();
    if (hadWork) this.onIdle?.();
  }
}
