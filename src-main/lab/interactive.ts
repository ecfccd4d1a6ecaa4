/**
 * Interactive partitions for the plane viewer: a cache of recent ones, one computation
 * per plane however many callers wait for it, cancellation, and supersession.
 *
 * - A caller that cancels (its signal aborts) is answered at once with a Cancelled error;
 *   the computation stops in its worker when no caller is left waiting for it.
 * - A call that names a view (`view: 'a'`) supersedes the previous call of the same
 *   client for the same view: the viewer moved on, so the old one is cancelled.
 * - Running partitions report their regions so far as `partition` events.
 */
import {
  cancelledError,
  signalError,
  type CallContext,
  type CallSignal,
} from '../../src-shared/api/call.ts';
import type { PartitionProgress, PartitionView } from '../../src-shared/api/dto.ts';
import type { InteractivePool } from '../jobs/interactive-pool.ts';
import type { NetworkMessage, PartitionResult } from '../workers/measure-protocol.ts';
import { planeMessage } from '../workers/measure-protocol.ts';
import type { StoredPlane } from '../zoo/planes.ts';
import type { LruCache } from './lru.ts';

export interface PartitionTask {
  checkpointId: number;
  planeSetId: number;
  plane: StoredPlane;
  network: NetworkMessage;
  maxRegions: number;
  /** The checkpoint's key: workers that served it have its decision patterns cached. */
  affinity: string;
}

interface Running {
  promise: Promise<PartitionView>;
  controller: AbortController;
  waiters: number;
}

export function partitionKey(checkpointId: number, planeSetId: number, plane: number): string {
  return `${checkpointId}:${planeSetId}:${plane}`;
}

export class InteractivePartitions {
  private readonly running = new Map<string, Running>();
  /** The live call of each client's view: `${client}|${view}`. */
  private readonly views = new Map<string, AbortController>();

  constructor(
    private readonly pool: InteractivePool,
    private readonly cache: LruCache<PartitionView>,
    private readonly onProgress: (progress: PartitionProgress) => void,
  ) {}

  /**
   * The signal a call runs under: the caller's own, and — when it names a view — aborted
   * by the next call of the same client for the same view. `finish` forgets the view's
   * claim once the call has its answer.
   */
  claim(
    context: CallContext | undefined,
    view: string | undefined,
  ): {
    signal: CallSignal | undefined;
    finish(): void;
  } {
    const outer = context?.signal;
    if (view === undefined) return { signal: outer, finish: () => {} };
    const key = `${context?.client ?? 'local'}|${view}`;
    this.views
      .get(key)
      ?.abort(cancelledError(`superseded by a newer request for view ${JSON.stringify(view)}`));
    const controller = new AbortController();
    this.views.set(key, controller);
    if (outer) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
    }
    return {
      signal: controller.signal,
      finish: () => {
        if (this.views.get(key) === controller) this.views.delete(key);
      },
    };
  }

  /** The cached partition, if any (any budget: a partition once computed is complete). */
  cached(checkpointId: number, planeSetId: number, plane: number): PartitionView | undefined {
    return this.cache.get(partitionKey(checkpointId, planeSetId, plane));
  }

  /** Computes (or joins the running computation of) one plane's partition. */
  partition(task: PartitionTask, signal: CallSignal | undefined): Promise<PartitionView> {
    const index = task.plane.index;
    const key = partitionKey(task.checkpointId, task.planeSetId, index);
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    if (signal?.aborted) return Promise.reject(signalError(signal));
    // Callers with different budgets do not share: one may succeed where the other stops.
    const runKey = `${key}|${task.maxRegions}`;
    let run = this.running.get(runKey);
    if (!run) {
      const controller = new AbortController();
      const promise = this.pool
        .request<PartitionResult>(
          {
            type: 'partition',
            network: task.network,
            plane: planeMessage(task.plane),
            maxRegions: task.maxRegions,
          },
          {
            signal: controller.signal,
            affinity: task.affinity,
            onProgress: (regions) =>
              this.onProgress({
                checkpointId: task.checkpointId,
                planeSetId: task.planeSetId,
                plane: index,
                regions,
              }),
          },
        )
        .then((result) => {
          const view: PartitionView = {
            checkpointId: task.checkpointId,
            planeSetId: task.planeSetId,
            plane: index,
            ...result,
            domain: task.plane.domain,
            points: task.plane.points,
          };
          this.cache.set(key, view);
          return view;
        })
        .finally(() => {
          if (this.running.get(runKey) === started) this.running.delete(runKey);
        });
      const started: Running = { promise, controller, waiters: 0 };
      run = started;
      this.running.set(runKey, run);
      // Unobserved rejections of a computation every caller left are expected.
      promise.catch(() => {});
    }
    return this.join(run, signal);
  }

  /** One caller's view of a running computation: it may leave early without stopping others. */
  private join(run: Running, signal: CallSignal | undefined): Promise<PartitionView> {
    run.waiters++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      run.waiters--;
      if (run.waiters === 0) run.controller.abort(cancelledError('no caller waits for it'));
    };
    if (!signal) {
      return run.promise.finally(() => {
        left = true;
      });
    }
    return new Promise<PartitionView>((resolve, reject) => {
      const onAbort = () => {
        leave();
        reject(signalError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      run.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          left = true;
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          left = true;
          reject(error);
        },
      );
    });
  }
}
