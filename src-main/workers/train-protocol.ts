/**
 * Messages between a job runner and the training worker (train.worker.ts). One worker
 * runs one job: the runner sends `start`, may send `pause` or `cancel`, and the worker
 * answers with a stream of events ending in exactly one `done` or `error`, then exits.
 * Typed arrays in `checkpoint`, `snapshot` and `done` are transferred, not copied.
 *
 * A worker may instead get one `calibrate`: it trains the listed networks one after the
 * other, quietly, and answers with one `calibrated` (the cost model's calibration runs).
 * Or one `count-inputs`: it loads a dataset and answers with one `inputs-counted` (the
 * share of non-zero values in its training split, a factor of the fused path's cost).
 */
import type { BackendChoice, BackendPreference } from '../train/backend.ts';
import type { TrainerName } from '../train/trainers.ts';
import type { EvaluationPoint, LayerParameters, ResumeState, TrainSpec } from '../train/spec.ts';

export interface StartMessage {
  readonly type: 'start';
  readonly spec: TrainSpec;
  /** The lab's data folder, where the dataset registry keeps its caches. */
  readonly dataDirectory: string;
  readonly resume?: ResumeState;
  readonly backend?: BackendPreference;
  /** The training path; default 'tfjs'. (A job chooses between them before it starts.) */
  readonly trainer?: TrainerName;
  /** Snapshot cadence in steps (see TrainOptions.snapshotEvery). */
  readonly snapshotEvery?: number;
  /** Minimum milliseconds between progress messages (default 200). */
  readonly progressEveryMs?: number;
}

/** Short runs to time: each network trains `warmup + iterations` steps on the dataset. */
export interface CalibrateMessage {
  readonly type: 'calibrate';
  readonly dataDirectory: string;
  readonly dataset: string;
  readonly trainer: TrainerName;
  readonly networks: readonly { readonly hidden: readonly number[]; readonly density: number }[];
  /** Steps timed per network, after `warmup` untimed ones. */
  readonly iterations: number;
  readonly warmup: number;
  /**
   * Epoch ms to start the first network at (once the dataset is loaded): workers started
   * together to time a shared machine begin their runs at the same moment.
   */
  readonly startAt?: number;
}

export interface CalibrationRun {
  readonly hidden: readonly number[];
  readonly density: number;
  /** Mean ms of the timed optimiser steps. */
  readonly msPerIteration: number;
  /** Mean ms of one validation pass over `testCount` rows. */
  readonly msPerEvaluation: number;
  readonly testCount: number;
  /** Wall ms of the whole run (set-up, steps, passes). */
  readonly wallMs: number;
}

/** Counts the non-zero input values of a dataset's training split. */
export interface CountInputsMessage {
  readonly type: 'count-inputs';
  readonly dataDirectory: string;
  readonly dataset: string;
}

/** The answer to `count-inputs` (a failure comes as FromWorker's `error`). */
export interface InputsCounted {
  readonly type: 'inputs-counted';
  readonly dataset: string;
  /** Non-zero values over all values of the training split's inputs, in [0, 1]. */
  readonly inputNonZero: number;
  readonly trainCount: number;
}

export type ToWorker =
  | StartMessage
  | CalibrateMessage
  | CountInputsMessage
  | { readonly type: 'pause' }
  | { readonly type: 'cancel' };

export type FromWorker =
  /** The dataset is loaded and the backend chosen; training starts. */
  | {
      readonly type: 'ready';
      readonly backend: BackendChoice;
      readonly trainer: TrainerName;
      readonly datasetMs: number;
    }
  | {
      readonly type: 'progress';
      readonly iteration: number;
      readonly iterations: number;
      readonly loss: number;
      /**
       * Mean ms of the steps since the previous progress message (steps only, a run's
       * first few left out); NaN when none was timed (a run of a few steps).
       */
      readonly msPerIteration: number;
      /** Mean ms of this run's validation passes so far (the first left out once there are others); NaN before any. */
      readonly msPerEvaluation: number;
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
      readonly trainer: TrainerName;
      /** Wall time of the validation passes this run made, and how many (of how many rows). */
      readonly evaluationMs: number;
      readonly evaluationCount: number;
      readonly testCount: number;
      /** Wall time from the worker's first message to this one. */
      readonly wallMs: number;
    }
  | {
      readonly type: 'calibrated';
      readonly trainer: TrainerName;
      readonly backend: BackendChoice;
      readonly runs: readonly CalibrationRun[];
      /** Share of non-zero values in the calibration dataset's training inputs. */
      readonly inputNonZero: number;
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
  if (type === 'calibrate') return validateCalibrate(message as CalibrateMessage);
  if (type === 'count-inputs') {
    const count = message as CountInputsMessage;
    if (typeof count.dataDirectory !== 'string' || count.dataDirectory === '')
      throw new TypeError('count-inputs.dataDirectory must be a non-empty path');
    if (typeof count.dataset !== 'string' || count.dataset === '')
      throw new TypeError('count-inputs.dataset must be a dataset id');
    return count;
  }
  if (type !== 'start') throw new TypeError(`unknown worker message type '${String(type)}'`);
  const start = message as StartMessage;
  if (typeof start.dataDirectory !== 'string' || start.dataDirectory === '') {
    throw new TypeError('start.dataDirectory must be a non-empty path');
  }
  if (typeof start.spec !== 'object' || start.spec === null)
    throw new TypeError('start.spec must be a train spec');
  if (start.trainer !== undefined && start.trainer !== 'tfjs' && start.trainer !== 'fused')
    throw new RangeError(`start.trainer must be 'tfjs' or 'fused', got ${String(start.trainer)}`);
  return start;
}

function validateCalibrate(message: CalibrateMessage): CalibrateMessage {
  if (typeof message.dataDirectory !== 'string' || message.dataDirectory === '')
    throw new TypeError('calibrate.dataDirectory must be a non-empty path');
  if (typeof message.dataset !== 'string' || message.dataset === '')
    throw new TypeError('calibrate.dataset must be a dataset id');
  if (message.trainer !== 'tfjs' && message.trainer !== 'fused')
    throw new RangeError(
      `calibrate.trainer must be 'tfjs' or 'fused', got ${String(message.trainer)}`,
    );
  if (!Array.isArray(message.networks) || message.networks.length === 0)
    throw new TypeError('calibrate.networks must be a non-empty array');
  for (const [name, value] of [
    ['iterations', message.iterations],
    ['warmup', message.warmup],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 100_000)
      throw new RangeError(`calibrate.${name} must be an integer in [0, 100000], got ${value}`);
  }
  if (message.iterations < 1) throw new RangeError('calibrate.iterations must be at least 1');
  if (message.startAt !== undefined && !Number.isFinite(message.startAt))
    throw new RangeError('calibrate.startAt must be a time in ms since the epoch');
  return message;
}
