/**
 * The measure workers that answer interactive requests (partitions, blankets, spanning
 * images, plane sets). A few workers, started on demand: a request takes an idle worker
 * (preferring the one that last served its checkpoint, whose decision patterns are
 * cached), else starts one while fewer than `size` exist, else waits its turn; while all
 * are busy one spare is started ahead of need. So a tiny XOR partition never waits behind
 * a deep one, and a worker that dies (out of its heap limit, say) is dropped and replaced
 * by a fresh one for the next request.
 */
import { signalError } from '../../src-shared/api/call.ts';
import type { MeasureRequest } from '../workers/measure-protocol.ts';
import { MeasureWorker, type MeasureWorkerOptions, type RequestOptions } from './measure-client.ts';

type Body<T> = T extends unknown ? Omit<T, 'id' | 'cancel'> : never;

/**
 * Idle workers beyond one are stopped after this long: a worker that computed a large
 * partition keeps tens of megabytes of engine buffers for the next one.
 */
const IDLE_WORKER_MS = 60_000;

/** Interactive workers at most: two heavy partitions (both sides of the viewer) and a light call. */
export const DEFAULT_INTERACTIVE_WORKERS = 3;

export interface InteractivePoolOptions extends Omit<MeasureWorkerOptions, 'memoryMb'> {
  size?: number;
  /** Heap limit of each worker (MB), read when a worker starts (a lab setting may change). */
  memoryMb?: number | (() => number);
}

interface Slot {
  worker: MeasureWorker;
  /** The checkpoint key it last worked on (its pattern cache holds that checkpoint). */
  affinity: string | null;
  /** Handed to a request that has not yet been posted to the worker. */
  reserved: boolean;
  /** When it was last handed a request (performance.now()). */
  lastUsed: number;
}

interface Waiter {
  affinity: string | null;
  start(slot: Slot): void;
  fail(error: Error): void;
}

export class InteractivePool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly size: number;
  private closed = false;
  private trimTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly home: string,
    private readonly options: InteractivePoolOptions = {},
  ) {
    this.size = options.size ?? DEFAULT_INTERACTIVE_WORKERS;
    if (!Number.isInteger(this.size) || this.size < 1) {
      throw new RangeError(`the interactive pool needs at least one worker, got ${this.size}`);
    }
  }

  /** Workers alive now (for tests and diagnostics). */
  get workerCount(): number {
    return this.slots.filter((slot) => slot.worker.alive).length;
  }

  /**
   * Runs one request on a worker of the pool. `affinity` names the checkpoint whose cached
   * decision patterns the request can reuse.
   */
  request<T>(
    body: Body<MeasureRequest>,
    options: RequestOptions & { affinity?: string } = {},
  ): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the lab is closed'));
    const affinity = options.affinity ?? null;
    return new Promise<Slot>((resolve, reject) => {
      const slot = this.idleSlot(affinity);
      if (slot) {
        resolve(slot);
        return;
      }
      const waiter: Waiter = { affinity, start: resolve, fail: reject };
      this.waiting.push(waiter);
      options.signal?.addEventListener(
        'abort',
        () => {
          const at = this.waiting.indexOf(waiter);
          if (at < 0) return;
          this.waiting.splice(at, 1);
          reject(signalError(options.signal!));
        },
        { once: true },
      );
    }).then((slot) => {
      slot.affinity = affinity ?? slot.affinity;
      const work = slot.worker.request<T>(body, options);
      slot.reserved = false;
      this.keepSpare();
      // A request refused at once (already cancelled) leaves the worker idle: hand it on.
      if (!slot.worker.busy) this.release();
      return work;
    });
  }

  /**
   * Stops every idle worker but the most recently used one; returns how many it stopped.
   * Runs IDLE_WORKER_MS after the pool last went quiet.
   */
  trimIdle(): number {
    const idle = this.slots
      .filter((slot) => slot.worker.alive && !slot.worker.busy && !slot.reserved)
      .sort((a, b) => b.lastUsed - a.lastUsed);
    const stopped = idle.slice(1);
    for (const slot of stopped) {
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate();
    }
    return stopped.length;
  }

  private scheduleTrim(): void {
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.trimTimer = setTimeout(() => {
      this.trimTimer = null;
      if (!this.closed) this.trimIdle();
    }, IDLE_WORKER_MS);
    this.trimTimer.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.trimTimer) clearTimeout(this.trimTimer);
    for (const waiter of this.waiting.splice(0)) waiter.fail(new Error('the lab is closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  /** An idle live worker (the affine one first), or a new one if the pool has room. */
  private idleSlot(affinity: string | null): Slot | null {
    for (let i = this.slots.length - 1; i >= 0; i--) {
      if (!this.slots[i].worker.alive) this.slots.splice(i, 1);
    }
    const idle = this.slots.filter((slot) => !slot.worker.busy && !slot.reserved);
    const slot = idle.find((candidate) => candidate.affinity === affinity) ?? idle[0];
    if (slot) {
      slot.reserved = true;
      slot.lastUsed = performance.now();
      return slot;
    }
    if (this.slots.length >= this.size) return null;
    return this.startWorker(true);
  }

  private startWorker(reserved: boolean): Slot {
    const limit = this.options.memoryMb;
    const memoryMb = typeof limit === 'function' ? limit() : limit;
    const fresh: Slot = {
      // The slot frees when the worker has really finished (a cancelled partition stops at
      // its next check) or died, not when a caller gave up on its request.
      worker: new MeasureWorker(this.home, {
        ...(memoryMb !== undefined ? { memoryMb } : {}),
        ...(this.options.entry ? { entry: this.options.entry } : {}),
        onIdle: () => queueMicrotask(() => this.release()),
      }),
      affinity: null,
      reserved,
      lastUsed: performance.now(),
    };
    this.slots.push(fresh);
    return fresh;
  }

  /**
   * While every worker is busy, one more is started ahead of need (if the pool has room):
   * a worker takes about a second to start, and the next small request should not wait
   * for that behind a long one.
   */
  private keepSpare(): void {
    if (this.closed || this.slots.length >= this.size) return;
    const free = this.slots.some(
      (slot) => slot.worker.alive && !slot.worker.busy && !slot.reserved,
    );
    if (!free) this.startWorker(false);
  }

  /** A worker finished something: hand free workers to the waiting requests, in order. */
  private release(): void {
    this.scheduleTrim();
    while (this.waiting.length > 0 && !this.closed) {
      const slot = this.idleSlot(this.waiting[0].affinity);
      if (!slot) return;
      this.waiting.shift()!.start(slot);
    }
  }
}
