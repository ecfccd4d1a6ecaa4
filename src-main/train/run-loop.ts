/**
 * The run loop both training paths share: train() (tfjs, train.ts) and trainFused()
 * (src-main/train/fused/train-fused.ts). Everything a run does around its optimiser steps
 * lives here once, so the two paths cannot drift apart in what a job, the CLI or a test
 * observes:
 *   - checking the spec, the dataset, the options and a resume state (prepareRun);
 *   - the iteration-0 evaluation, the evaluation schedule and the training-loss mean of
 *     each point, checkpoints, and resume snapshots (at every evaluation point before the
 *     last step, every `snapshotEvery` steps, and on pause);
 *   - asking `shouldStop` before every step, pausing and cancelling, yielding to the event
 *     loop so a worker sees those messages, stopping on a non-finite loss;
 *   - the outcome, with `msPerIteration` timed over the optimiser steps only.
 * A path supplies only what differs (RunPath): how to take one step and return its loss,
 * how to evaluate on the validation split, how to read its parameters and Adam moments
 * (in the shared [outDim][inDim] layout of a ResumeState), and what to release at the end.
 * A path restores a resume state by building its own state from `run.source` and
 * `run.resume.adam`; the loop restores the step, the loss sums and the evaluations.
 */
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import type { Dataset } from '../data/dataset.ts';
import type { BackendChoice, BackendPreference } from './backend.ts';
import { initialParameters } from './init.ts';
import type { TrainerName } from './trainers.ts';
import {
  copyLayers,
  resolveSpec,
  specKey,
  validateLayers,
  type EvaluationPoint,
  type LayerParameters,
  type ResolvedSpec,
  type ResumeState,
  type TrainSpec,
} from './spec.ts';

export type StopRequest = 'continue' | 'pause' | 'cancel';

export interface TrainHooks {
  /** Once the backend is chosen and the run set up, before the iteration-0 evaluation. */
  onStart?(backend: BackendChoice): void;
  /** At every point of the evaluation schedule (validation split = the dataset's test split). */
  onEvaluation?(point: EvaluationPoint): void;
  /** At the spec's checkpoint iterations; the arrays are fresh copies the hook may keep or transfer. */
  onCheckpoint?(iteration: number, layers: LayerParameters[]): void;
  /** After every step, with that step's minibatch loss. */
  onProgress?(iteration: number, loss: number): void;
  /** A resume state: at every evaluation point, every `snapshotEvery` steps, and on pause. */
  onSnapshot?(state: ResumeState): void;
  /** Asked before every step. */
  shouldStop?(): StopRequest;
}

export interface TrainOptions {
  readonly backend?: BackendPreference;
  /** Also emit a snapshot every this many steps (default 5,000; 0 = only at evaluation points). */
  readonly snapshotEvery?: number;
  /** Yield to the event loop at least this often (ms, default 50). */
  readonly yieldEveryMs?: number;
  /**
   * Rows per validation forward pass (default 2,000 on tfjs, FUSED_EVALUATION_CHUNK on the
   * fused path).
   */
  readonly evaluationChunk?: number;
}

export interface TrainOutcome {
  readonly status: 'completed' | 'paused' | 'cancelled';
  /** Completed steps. */
  readonly iteration: number;
  /** Which training path ran: train() is 'tfjs', trainFused() (src-main/train/fused) 'fused'. */
  readonly trainer: TrainerName;
  /** The tfjs backend, or 'js' for the fused path's own kernels. */
  readonly backend: BackendChoice;
  /** Parameters at `iteration`. */
  readonly layers: LayerParameters[];
  readonly evaluations: EvaluationPoint[];
  /** The state to continue from, when paused (also for cancelled runs, should a caller want it). */
  readonly resume: ResumeState | null;
  /** Wall time of the optimiser steps only, per step (ms); NaN when no step ran. */
  readonly msPerIteration: number;
}

/** A run's checked inputs, from which a path builds its state. */
export interface PreparedRun {
  readonly spec: ResolvedSpec;
  /** specKey(spec): what a resume state must carry. */
  readonly key: string;
  /** The run's initial parameters: their masks are the run's masks, also when resuming. */
  readonly start: readonly LayerParameters[];
  /** Where the parameters start: the resume state's layers, else `start`. */
  readonly source: readonly LayerParameters[];
  readonly resume: ResumeState | undefined;
  readonly snapshotEvery: number;
  readonly yieldEveryMs: number;
  readonly evaluationChunk: number;
}

/** What differs between the training paths; the loop does the rest. */
export interface RunPath {
  readonly trainer: TrainerName;
  readonly backend: BackendChoice;
  /**
   * One Adam step on batch `step` (the number of steps already done, so the bias
   * corrections use t = step + 1); returns that step's mean minibatch loss.
   */
  step(step: number): number;
  /** Accuracy and mean cross-entropy on the dataset's test split. */
  evaluate(): { accuracy: number; loss: number };
  /** Fresh copies of the parameters ([outDim][inDim] weights), the caller's to keep. */
  readLayers(): LayerParameters[];
  /** Fresh copies of the Adam moments, in the layout of `ResumeState.adam`. */
  readMoments(): ResumeState['adam'];
  /** Frees what the path holds; called once, however the run ends (after its outcome is read). */
  release?(): void;
}

/** Checks a resume state against the run it claims to continue (shared by both paths). */
function checkResume(
  resume: ResumeState,
  key: string,
  iterations: number,
  layersLike: readonly LayerParameters[],
): void {
  if (resume.format !== 'mbh-resume' || resume.version !== 1)
    throw new TypeError('resume: not an mbh-resume version 1 state');
  if (resume.specKey !== key) throw new RangeError('resume: the state belongs to a different spec');
  if (!Number.isInteger(resume.step) || resume.step < 0 || resume.step > iterations) {
    throw new RangeError(
      `resume.step must be an integer in [0, ${iterations}], got ${String(resume.step)}`,
    );
  }
  validateLayers(resume.layers, 'resume.layers', layersLike[0].inDim);
  if (!Array.isArray(resume.adam) || resume.adam.length !== layersLike.length) {
    throw new TypeError(`resume.adam must hold the moments of ${layersLike.length} layers`);
  }
  resume.adam.forEach((moments, index) => {
    const layer = layersLike[index];
    for (const [name, pair, size] of [
      ['weights', moments.weights, layer.inDim * layer.outDim],
      ['bias', moments.bias, layer.outDim],
    ] as const) {
      if (
        !Array.isArray(pair) ||
        pair.length !== 2 ||
        pair.some((m) => !(m instanceof Float32Array) || m.length !== size)
      ) {
        throw new TypeError(
          `resume.adam[${index}].${name} must be two Float32Arrays of ${size} values`,
        );
      }
    }
  });
}

/**
 * Resolves and checks a run's inputs, in one order for both paths (so the same bad input
 * gets the same error from either). `defaultEvaluationChunk` is the path's own number of
 * rows per validation pass, used unless `options.evaluationChunk` says otherwise.
 */
export function prepareRun(
  spec: TrainSpec,
  dataset: Dataset,
  resume: ResumeState | undefined,
  options: TrainOptions,
  defaultEvaluationChunk: number,
): PreparedRun {
  const resolved = resolveSpec(spec);
  if (dataset.id !== resolved.dataset) {
    throw new RangeError(
      `train: the spec names dataset '${resolved.dataset}' but '${dataset.id}' was given`,
    );
  }
  const snapshotEvery = options.snapshotEvery ?? 5000;
  if (!Number.isInteger(snapshotEvery) || snapshotEvery < 0)
    throw new RangeError(`snapshotEvery must be a non-negative integer, got ${snapshotEvery}`);
  const yieldEveryMs = options.yieldEveryMs ?? 50;
  const chunk = options.evaluationChunk ?? defaultEvaluationChunk;
  if (!Number.isInteger(chunk) || chunk < 1)
    throw new RangeError(`evaluationChunk must be a positive integer, got ${chunk}`);
  const { inputDim, classCount } = dataset;
  const key = specKey(resolved);

  const start =
    resolved.initial ??
    initialParameters({
      seed: resolved.seed,
      hidden: resolved.hidden,
      inputDim,
      outputDim: classCount,
      density: resolved.density ?? 1,
    });
  validateLayers(start, 'initial layers', inputDim);
  if (start[start.length - 1].outDim !== classCount) {
    throw new RangeError(
      `the output layer has ${start[start.length - 1].outDim} neurons but '${dataset.id}' has ${classCount} classes`,
    );
  }
  if (resume !== undefined) checkResume(resume, key, resolved.iterations, start);
  return {
    spec: resolved,
    key,
    start,
    source: resume?.layers ?? start,
    resume,
    snapshotEvery,
    yieldEveryMs,
    evaluationChunk: chunk,
  };
}

/**
 * Runs `path` from `run`'s step (0, or the resume state's) to the spec's iterations, or
 * until `hooks.shouldStop` pauses or cancels it. Resolves with the outcome; rejects with
 * the path's error or on a non-finite loss. `path.release` runs however it ends.
 */
export async function runLoop(
  run: PreparedRun,
  path: RunPath,
  hooks: TrainHooks,
): Promise<TrainOutcome> {
  const { spec, key, resume, snapshotEvery, yieldEveryMs } = run;
  const schedule = new Set(evaluationSchedule(spec.iterations));
  const checkpoints = new Set(spec.checkpoints);
  const evaluations: EvaluationPoint[] = [...(resume?.evaluations ?? [])];
  let step = resume?.step ?? 0;
  let lossSum = resume?.lossSum ?? 0;
  let lossCount = resume?.lossCount ?? 0;

  const snapshot = (): ResumeState => ({
    format: 'mbh-resume',
    version: 1,
    specKey: key,
    step,
    layers: path.readLayers(),
    adam: path.readMoments(),
    lossSum,
    lossCount,
    evaluations: [...evaluations],
  });

  const reachPoint = (): void => {
    const { accuracy, loss } = path.evaluate();
    const point: EvaluationPoint = {
      iteration: step,
      validationAccuracy: accuracy,
      validationLoss: loss,
      trainLoss: lossCount > 0 ? lossSum / lossCount : null,
    };
    lossSum = 0;
    lossCount = 0;
    evaluations.push(point);
    hooks.onEvaluation?.(point);
    if (checkpoints.has(step)) hooks.onCheckpoint?.(step, path.readLayers());
    if (hooks.onSnapshot && step < spec.iterations) hooks.onSnapshot(snapshot());
  };

  let status: TrainOutcome['status'] = 'completed';
  let stepMilliseconds = 0;
  let stepsRun = 0;
  try {
    hooks.onStart?.(path.backend);
    if (step === 0 && resume === undefined) reachPoint();
    let lastYield = performance.now();
    while (step < spec.iterations) {
      const request = hooks.shouldStop?.() ?? 'continue';
      if (request === 'pause' || request === 'cancel') {
        status = request === 'pause' ? 'paused' : 'cancelled';
        break;
      }
      const before = performance.now();
      const loss = path.step(step);
      const after = performance.now();
      stepMilliseconds += after - before;
      stepsRun++;
      step++;
      if (!Number.isFinite(loss))
        throw new Error(`training diverged: the loss at iteration ${step} is ${loss}`);
      lossSum += loss;
      lossCount++;
      hooks.onProgress?.(step, loss);
      if (schedule.has(step)) reachPoint();
      else if (snapshotEvery > 0 && step % snapshotEvery === 0 && hooks.onSnapshot)
        hooks.onSnapshot(snapshot());
      if (after - lastYield >= yieldEveryMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    const resumeState = status === 'completed' ? null : snapshot();
    // The hook gets its own copy: it may transfer the buffers away.
    if (status === 'paused') hooks.onSnapshot?.(snapshot());
    return {
      status,
      iteration: step,
      trainer: path.trainer,
      backend: path.backend,
      layers: resumeState === null ? path.readLayers() : copyLayers(resumeState.layers),
      evaluations,
      resume: resumeState,
      msPerIteration: stepsRun > 0 ? stepMilliseconds / stepsRun : Number.NaN,
    };
  } finally {
    path.release?.();
  }
}
