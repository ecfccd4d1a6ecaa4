/**
 * What travels between the hub and a remote worker, and the checks on it. A run's
 * messages are the training worker thread's own (train-protocol.ts), sent as blobs
 * (blob-codec: typed arrays as raw bytes, not JSON numbers); the hub validates each one
 * before it writes anything from it, as the api validates a request: a worker on another
 * machine is another program, whatever it claims to be.
 */
import { decodeBlob, encodeBlob } from '../jobs/blob-codec.ts';
import type { EvaluationPoint, LayerParameters, ResumeState } from '../train/spec.ts';
import type { FromWorker, StartMessage } from '../workers/train-protocol.ts';
import { validateToWorker } from '../workers/train-protocol.ts';

/** The messages a run sends back (a calibration never runs remotely). */
export type RunMessage = Exclude<FromWorker, { type: 'calibrated' }>;

/** Which dataset a run needs, as the hub has it. */
export interface DatasetIdentity {
  readonly id: string;
  /** `source:<key>` for a built-in dataset, `sha256:<hex>` for a user dataset's cache file. */
  readonly identity: string;
  /** Bytes of a user dataset's cache file (what a worker lacking it downloads). */
  readonly bytes?: number;
}

/** A BullMQ job's data: one training run. */
export interface RunData {
  readonly version: 1;
  readonly run: string;
  /** The hub's job id and the run's phase, for the workers panel and logs. */
  readonly jobId: number;
  readonly phase: number;
  readonly dataset: DatasetIdentity;
  /** The worker thread's start message, less the lab-local data folder and the resume state. */
  readonly start: Omit<StartMessage, 'dataDirectory' | 'resume' | 'type'>;
}

export function encodeMessage(message: RunMessage): Buffer {
  return encodeBlob(message);
}

/** Decodes and checks one message of a run; throws naming what is wrong. */
export function decodeMessage(bytes: Uint8Array): RunMessage {
  return validateRunMessage(decodeBlob<unknown>(bytes));
}

export function encodeResume(state: ResumeState): Buffer {
  return encodeBlob(state);
}

export function decodeResume(bytes: Uint8Array): ResumeState {
  const state = decodeBlob<unknown>(bytes);
  checkResume(state, 'resume');
  return state;
}

/** Checks a run's data as a worker receives it from the queue. */
export function validateRunData(data: unknown): RunData {
  const record = object(data, 'job data');
  if (record.version !== 1) fail('job data.version', `must be 1, got ${String(record.version)}`);
  const run = record.run;
  if (typeof run !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(run))
    fail('job data.run', 'must be a run id');
  integer(record.jobId, 'job data.jobId', 1);
  integer(record.phase, 'job data.phase', 0);
  const dataset = object(record.dataset, 'job data.dataset');
  if (typeof dataset.id !== 'string' || dataset.id === '')
    fail('job data.dataset.id', 'must be a dataset id');
  if (typeof dataset.identity !== 'string' || !/^(source|sha256):.+/.test(dataset.identity))
    fail('job data.dataset.identity', 'must be source:<key> or sha256:<hex>');
  // The start message goes through the worker thread's own validator.
  validateToWorker({
    ...object(record.start, 'job data.start'),
    type: 'start',
    dataDirectory: '/',
  });
  return data as RunData;
}

/** Checks one message of a run (the hub applies nothing it has not checked). */
export function validateRunMessage(value: unknown): RunMessage {
  const message = object(value, 'message');
  switch (message.type) {
    case 'ready':
      object(message.backend, 'ready.backend');
      text((message.backend as { name?: unknown }).name, 'ready.backend.name');
      trainer(message.trainer, 'ready.trainer');
      finite(message.datasetMs, 'ready.datasetMs');
      break;
    case 'progress':
      integer(message.iteration, 'progress.iteration', 0);
      integer(message.iterations, 'progress.iterations', 1);
      finite(message.loss, 'progress.loss', true);
      finite(message.msPerIteration, 'progress.msPerIteration', true);
      finite(message.msPerEvaluation, 'progress.msPerEvaluation', true);
      break;
    case 'evaluation':
      checkEvaluation(message.point, 'evaluation.point');
      break;
    case 'checkpoint':
      integer(message.iteration, 'checkpoint.iteration', 0);
      checkLayers(message.layers, 'checkpoint.layers');
      break;
    case 'snapshot':
      checkResume(message.state, 'snapshot.state');
      break;
    case 'done': {
      if (!['completed', 'paused', 'cancelled'].includes(message.status as string))
        fail(
          'done.status',
          `must be completed, paused or cancelled, got ${String(message.status)}`,
        );
      integer(message.iteration, 'done.iteration', 0);
      checkLayers(message.layers, 'done.layers');
      if (!Array.isArray(message.evaluations)) fail('done.evaluations', 'must be an array');
      message.evaluations.forEach((point, index) =>
        checkEvaluation(point, `done.evaluations[${index}]`),
      );
      if (message.resume !== null) checkResume(message.resume, 'done.resume');
      finite(message.msPerIteration, 'done.msPerIteration', true);
      object(message.backend, 'done.backend');
      trainer(message.trainer, 'done.trainer');
      for (const field of ['evaluationMs', 'evaluationCount', 'testCount', 'wallMs'] as const)
        finite(message[field], `done.${field}`);
      break;
    }
    case 'error':
      text(message.name, 'error.name');
      if (typeof message.message !== 'string') fail('error.message', 'must be a string');
      break;
    default:
      fail('message.type', `unknown message type ${JSON.stringify(message.type)}`);
  }
  return message as unknown as RunMessage;
}

function fail(path: string, problem: string): never {
  throw new TypeError(`remote ${path}: ${problem}`);
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(path, 'must be an object');
  return value as Record<string, unknown>;
}

function text(value: unknown, path: string): void {
  if (typeof value !== 'string' || value === '') fail(path, 'must be a non-empty string');
}

function integer(value: unknown, path: string, minimum: number): void {
  if (!Number.isInteger(value) || (value as number) < minimum)
    fail(path, `must be an integer ≥ ${minimum}, got ${String(value)}`);
}

/** A number; with `nanAllowed`, NaN/±Infinity too (a loss may diverge, a mean may be empty). */
function finite(value: unknown, path: string, nanAllowed = false): void {
  if (typeof value !== 'number' || (!nanAllowed && !Number.isFinite(value)))
    fail(path, `must be a finite number, got ${String(value)}`);
}

function trainer(value: unknown, path: string): void {
  if (value !== 'tfjs' && value !== 'fused')
    fail(path, `must be tfjs or fused, got ${String(value)}`);
}

function checkEvaluation(value: unknown, path: string): asserts value is EvaluationPoint {
  const point = object(value, path);
  integer(point.iteration, `${path}.iteration`, 0);
  finite(point.validationAccuracy, `${path}.validationAccuracy`);
  finite(point.validationLoss, `${path}.validationLoss`, true);
  if (point.trainLoss !== null) finite(point.trainLoss, `${path}.trainLoss`, true);
}

function checkLayers(value: unknown, path: string): asserts value is LayerParameters[] {
  if (!Array.isArray(value) || value.length === 0) fail(path, 'must be a non-empty array');
  value.forEach((item, index) => {
    const layer = object(item, `${path}[${index}]`);
    const at = `${path}[${index}]`;
    integer(layer.inDim, `${at}.inDim`, 1);
    integer(layer.outDim, `${at}.outDim`, 1);
    const size = (layer.inDim as number) * (layer.outDim as number);
    if (!(layer.weights instanceof Float32Array) || layer.weights.length !== size)
      fail(`${at}.weights`, `must be ${size} float32 values`);
    if (!(layer.bias instanceof Float32Array) || layer.bias.length !== layer.outDim)
      fail(`${at}.bias`, `must be ${String(layer.outDim)} float32 values`);
    if (layer.mask !== null && (!(layer.mask instanceof Uint8Array) || layer.mask.length !== size))
      fail(`${at}.mask`, `must be null or ${size} bytes`);
    if (index > 0 && layer.inDim !== (value[index - 1] as LayerParameters).outDim)
      fail(`${at}.inDim`, 'must equal the previous layer’s outDim');
  });
}

function checkResume(value: unknown, path: string): asserts value is ResumeState {
  const state = object(value, path);
  if (state.format !== 'mbh-resume' || state.version !== 1)
    fail(path, 'must be an mbh-resume state, version 1');
  text(state.specKey, `${path}.specKey`);
  integer(state.step, `${path}.step`, 0);
  checkLayers(state.layers, `${path}.layers`);
  const layers = state.layers as LayerParameters[];
  if (!Array.isArray(state.adam) || state.adam.length !== layers.length)
    fail(`${path}.adam`, 'must hold one entry per layer');
  (state.adam as unknown[]).forEach((item, index) => {
    const moments = object(item, `${path}.adam[${index}]`);
    for (const part of ['weights', 'bias'] as const) {
      const pair = moments[part];
      const length = part === 'weights' ? layers[index].weights.length : layers[index].bias.length;
      if (
        !Array.isArray(pair) ||
        pair.length !== 2 ||
        !pair.every((array) => array instanceof Float32Array && array.length === length)
      )
        fail(`${path}.adam[${index}].${part}`, `must be two arrays of ${length} float32 values`);
    }
  });
  finite(state.lossSum, `${path}.lossSum`, true);
  integer(state.lossCount, `${path}.lossCount`, 0);
  if (!Array.isArray(state.evaluations)) fail(`${path}.evaluations`, 'must be an array');
  (state.evaluations as unknown[]).forEach((point, index) =>
    checkEvaluation(point, `${path}.evaluations[${index}]`),
  );
}
