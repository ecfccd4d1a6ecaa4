/**
 * Runs one training job in its own worker thread: spawn + protocol in one call, for the
 * job pool. Handlers receive the worker's events (checkpoint and snapshot arrays are the
 * transferred buffers, owned by the handler); `done` resolves with the final event, or
 * rejects with the worker's error, or when the thread dies without one.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../workers/spawn.ts';
import type { FromWorker, StartMessage } from '../workers/train-protocol.ts';
import type { BackendChoice, BackendPreference } from './backend.ts';
import type { TrainerName } from './trainers.ts';
import type { EvaluationPoint, LayerParameters, ResumeState, TrainSpec } from './spec.ts';

export type WorkerDone = Extract<FromWorker, { type: 'done' }>;

export interface TrainingHandlers {
  onReady?(backend: BackendChoice, datasetMs: number, trainer: TrainerName): void;
  onProgress?(iteration: number, iterations: number, loss: number, msPerIteration: number): void;
  onEvaluation?(point: EvaluationPoint): void;
  onCheckpoint?(iteration: number, layers: LayerParameters[]): void;
  onSnapshot?(state: ResumeState): void;
}

export interface WorkerRunOptions {
  /** The lab's data folder (dataset caches). */
  readonly dataDirectory: string;
  readonly resume?: ResumeState;
  readonly backend?: BackendPreference;
  /** The training path (default 'tfjs'); a job resolves 'auto' before it starts a worker. */
  readonly trainer?: TrainerName;
  readonly snapshotEvery?: number;
  readonly progressEveryMs?: number;
}

export interface TrainingRun {
  readonly worker: Worker;
  /** Ask the worker to stop after the current step and report a resume state. */
  pause(): void;
  /** Ask the worker to stop after the current step. */
  cancel(): void;
  /** Kill the thread at once (no resume state); `done` rejects. */
  terminate(): Promise<void>;
  readonly done: Promise<WorkerDone>;
}

/** The error a worker reported, with its original name and stack. */
export class TrainingWorkerError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack !== undefined) this.stack = stack;
  }
}

export function runTrainingInWorker(
  spec: TrainSpec,
  handlers: TrainingHandlers,
  options: WorkerRunOptions,
): TrainingRun {
  const worker = spawnWorker(new URL('../workers/train.worker.ts', import.meta.url));
  let settled = false;
  const done = new Promise<WorkerDone>((resolve, reject) => {
    const finish = (error: Error | null, result?: WorkerDone): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error !== null) reject(error);
      else resolve(result!);
    };
    worker.on('message', (message: FromWorker) => {
      try {
        switch (message.type) {
          case 'ready':
            handlers.onReady?.(message.backend, message.datasetMs, message.trainer);
            break;
          case 'progress':
            handlers.onProgress?.(
              message.iteration,
              message.iterations,
              message.loss,
              message.msPerIteration,
            );
            break;
          case 'evaluation':
            handlers.onEvaluation?.(message.point);
            break;
          case 'checkpoint':
            handlers.onCheckpoint?.(message.iteration, message.layers);
            break;
          case 'snapshot':
            handlers.onSnapshot?.(message.state);
            break;
          case 'done':
            finish(null, message);
            break;
          case 'error':
            finish(new TrainingWorkerError(message.name, message.message, message.stack));
            break;
          case 'calibrated':
            finish(new Error('the training worker answered a calibration it was not asked for'));
            break;
        }
      } catch (error) {
        // A failing handler (e.g. a database write) ends the run: nothing is silently lost.
        worker.postMessage({ type: 'cancel' });
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) =>
      finish(new Error(`the training worker exited (code ${code}) before reporting a result`)),
    );
  });
  const start: StartMessage = {
    type: 'start',
    spec,
    dataDirectory: options.dataDirectory,
    ...(options.resume !== undefined ? { resume: options.resume } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.trainer !== undefined ? { trainer: options.trainer } : {}),
    ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}),
    ...(options.progressEveryMs !== undefined ? { progressEveryMs: options.progressEveryMs } : {}),
  };
  // The resume state is copied, not transferred: the caller may still hold it (e.g. in the zoo).
  worker.postMessage(start);
  return {
    worker,
    pause: () => worker.postMessage({ type: 'pause' }),
    cancel: () => worker.postMessage({ type: 'cancel' }),
    terminate: async () => {
      await worker.terminate();
    },
    done,
  };
}
