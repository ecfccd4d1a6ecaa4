/**
 * The lab's side of a measure worker: numbered requests, answers matched by id, plane
 * results streamed to a callback. A worker that dies rejects everything it had pending.
 */
import type { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers/entries.ts';
import { spawnWorker } from '../workers/spawn.ts';
import type {
  MeasureRequest,
  MeasureResponse,
  PlaneResult,
  WorkerData,
} from '../workers/measure-protocol.ts';

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onPlane?: (result: PlaneResult) => void;
}

export class MeasureWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;

  constructor(home: string) {
    this.worker = spawnWorker(workerEntry('measure'), {
      workerData: { home } satisfies WorkerData,
    });
    this.worker.on('message', (message: MeasureResponse) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`the measure worker exited (code ${code})`)),
    );
  }

  /** False once the worker has died or been stopped. */
  get alive(): boolean {
    return this.dead === null;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  request<T>(
    body: Body<MeasureRequest>,
    options: { onPlane?: (result: PlaneResult) => void; transfer?: ArrayBuffer[] } = {},
  ): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        onPlane: options.onPlane,
      });
      this.worker.postMessage({ ...body, id }, options.transfer ?? []);
    });
  }

  async terminate(): Promise<void> {
    this.fail(new Error('the measure worker was stopped'));
    await this.worker.terminate();
  }

  private receive(message: MeasureResponse): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'plane') {
      try {
        pending.onPlane?.(message);
      } catch (error) {
        this.pending.delete(message.id);
        pending.reject(error as Error);
      }
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'result') pending.resolve(message.value);
    else pending.reject(new Error(message.message));
  }

  private fail(error: Error): void {
    if (!this.dead) this.dead = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
