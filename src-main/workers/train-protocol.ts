/**
 * Messages between a job runner and the training worker (train.worker.ts). One worker
 * runs one job: the runner sends `start`, may send `pause` or `cancel`, and the worker
 * answers with a stream of events ending in exactly one `done` or `error`, then exits.
 * Typed arrays in `checkpoint`, `snapshot` and `done` are transferred, not copied.
 */
import type { BackendChoice, BackendPreference } from '../train/backend.ts';
import type { EvaluationPoint, LayerParameters, ResumeState, TrainSpec } from '../train/spec.ts';

export interface StartMessage {
  readonly type: 'start';
  readonly spec: TrainSpec;
  /** The lab's data folder, where the dataset registry keeps its caches. */
  readonly dataDirectory: string;
  readonly resume?: ResumeState;
  readonly backend?: BackendPreference;
  /** Snapshot cadence in steps (see TrainOptions.snapshotEvery). */
  readonly snapshotEvery?: number;
  /** Minimum milliseconds between progress messages (default 200). */
  readonly progressEveryMs?: number;
}

export type ToWorker = StartMessage | { readonly type: 'pause' } | { readonly type: 'cancel' };

export type FromWorker =
  /** The dataset is loaded and the backend chosen; training starts. */
  | { readonly type: 'ready'; readonly backend: BackendChoice; readonly datasetMs: number }
  | {
      readonly type: 'progress';
      readonly iteration: number;
      readonly iterations: number;
      readonly loss: number;
      readonly msPerIteration: number;
    }
  | { readonly type: 'evaluation'; readonly point: EvaluationPoint }
  | { readonly type: 'checkpoint'; readonly iteration: number; readonly layers: LayerParameters[] }
  | { readonly type: 'snapshot'; readonly state: ResumeState }
  | {
      readonly type: 'done';
      readonly status: 'completed' | 'paused' | 'cancelled';
      readonly iteration: number;
      readonly layers: LayerParameters[];
      readonly evaluations: EvaluationPoint[];
      readonly resume: ResumeState | null;
      readonly msPerIteration: number;
      readonly backend: BackendChoice;
    }
  | {
      readonly type: 'error';
      readonly name: string;
      readonly message: string;
      readonly stack?: string;
    };

/** The ArrayBuffers of a layer list, to pass as a transfer list. */
export function layerBuffers(layers: readonly LayerParameters[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const layer of layers) {
    buffers.add(layer.weights.buffer as ArrayBuffer);
    buffers.add(layer.bias.buffer as ArrayBuffer);
    if (layer.mask !== null) buffers.add(layer.mask.buffer as ArrayBuffer);
  }
  return [...buffers];
}

export function resumeBuffers(state: ResumeState): ArrayBuffer[] {
  const buffers = new Set(layerBuffers(state.layers));
  for (const moments of state.adam) {
    for (const array of [...moments.weights, ...moments.bias])
      buffers.add(array.buffer as ArrayBuffer);
  }
  return [...buffers];
}

/** Checks a message arriving at the worker; throws naming what is wrong. */
export function validateToWorker(message: unknown): ToWorker {
  if (typeof message !== 'object' || message === null)
    throw new TypeError('worker message must be an object');
  const type = (message as { type?: unknown }).type;
  if (type === 'pause' || type === 'cancel') return { type };
  if (type !== 'start') throw new TypeError(`unknown worker message type '${String(type)}'`);
  const start = message as StartMessage;
  if (typeof start.dataDirectory !== 'string' || start.dataDirectory === '') {
    throw new TypeError('start.dataDirectory must be a non-empty path');
  }
  if (typeof start.spec !== 'object' || start.spec === null)
    throw new TypeError('start.spec must be a train spec');
  return start;
}
