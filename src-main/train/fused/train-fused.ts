/**
 * The fused training path: the algorithm of train.ts exactly (He-normal init from
 * initialParameters, the seeded BatchOrder, softmax cross-entropy averaged over the batch,
 * PyTorch's Adam, fixed exact masks, the evaluation schedule, checkpoints, snapshots in
 * the shared 'mbh-resume' v1 format, the same hooks and yielding), computed by the
 * TypeScript kernels of this folder instead of tfjs: masked layers stored and multiplied
 * as sparse, a dense first layer skipping zero input pixels, the whole step fused over
 * flat Float32 buffers (network.ts), no tfjs and no per-op dispatch. The validation passes
 * at the schedule's points use the same kernels.
 *
 * Why TypeScript and not WebAssembly: no wasm toolchain is installed here, hand-written
 * wasm would not be maintainable, and these kernels already make sparse and small networks
 * several times faster than the tfjs wasm backend (`npm run bench -- train`). Large dense
 * layers stay faster on tfjs (SIMD kernels, or native TensorFlow), and the lab trains
 * those there (src-main/train/cost-model.ts).
 *
 * Resuming is bit-exact: the state holds the Float32 parameters and moments, and every
 * kernel runs in a fixed order, so a paused-and-resumed run equals an uninterrupted one.
 * A state written by the tfjs path continues here (and the reverse), to float rounding.
 */
import { evaluationSchedule } from '../../../src-shared/model/schedule.ts';
import type { Dataset } from '../../data/dataset.ts';
import type { BackendChoice } from '../backend.ts';
import { BatchOrder } from '../batches.ts';
import { initialParameters } from '../init.ts';
import {
  copyLayers,
  resolveSpec,
  specKey,
  validateLayers,
  type EvaluationPoint,
  type LayerParameters,
  type ResumeState,
  type TrainSpec,
} from '../spec.ts';
import { checkResume, type TrainHooks, type TrainOptions, type TrainOutcome } from '../train.ts';
import { sharedMoments, sharedParameters, storeLayer } from './layer-storage.ts';
import { FusedNetwork } from './network.ts';

/** The fused path's kernels, as reported in `backend`: no tfjs backend is involved. */
export const FUSED_BACKEND: BackendChoice<'js'> = { name: 'js', skipped: [] };

/**
 * Rows per validation forward pass unless `options.evaluationChunk` says otherwise: small
 * enough that a chunk's activations stay in cache, large enough to amortise the loop.
 */
export const FUSED_EVALUATION_CHUNK = 250;

/**
 * Trains one network on the fused path. Same contract as `train()` (train.ts): resolves
 * with the outcome, rejects on invalid input; `dataset.id` must be `spec.dataset`.
 * `options.backend` is ignored (this path uses no tfjs backend).
 */
export async function trainFused(
  spec: TrainSpec,
  dataset: Dataset,
  hooks: TrainHooks = {},
  resume?: ResumeState,
  options: TrainOptions = {},
): Promise<TrainOutcome> {
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
  const evaluationChunk = options.evaluationChunk ?? FUSED_EVALUATION_CHUNK;
  if (!Number.isInteger(evaluationChunk) || evaluationChunk < 1)
    throw new RangeError(`evaluationChunk must be a positive integer, got ${evaluationChunk}`);
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

  const source = resume?.layers ?? start;
  // The run's masks are the initial ones; a resume state's parameters must respect them.
  const layers = source.map((layer, index) => {
    const mask = start[index].mask;
    if (mask !== null) {
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 0 && layer.weights[i] !== 0) {
          throw new RangeError(
            `resume.layers[${index}].weights[${i}] is ${layer.weights[i]} but the run's mask prunes it`,
          );
        }
      }
    }
    return storeLayer(layer, mask, index === 0, resume?.adam[index]);
  });
  const { batchSize, learningRate } = resolved;
  const network = new FusedNetwork(layers, Math.max(batchSize, evaluationChunk));

  const readLayers = (): LayerParameters[] => layers.map(sharedParameters);

  const schedule = new Set(evaluationSchedule(resolved.iterations));
  const checkpoints = new Set(resolved.checkpoints);
  const evaluations: EvaluationPoint[] = [...(resume?.evaluations ?? [])];
  let step = resume?.step ?? 0;
  let lossSum = resume?.lossSum ?? 0;
  let lossCount = resume?.lossCount ?? 0;

  const snapshot = (): ResumeState => ({
    format: 'mbh-resume',
    version: 1,
    specKey: key,
    step,
    layers: readLayers(),
    adam: layers.map(sharedMoments),
    lossSum,
    lossCount,
    evaluations: [...evaluations],
  });

  const reachPoint = (): void => {
    const { accuracy, loss } = network.evaluate(dataset.test, evaluationChunk);
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
    if (checkpoints.has(step)) hooks.onCheckpoint?.(step, readLayers());
    if (hooks.onSnapshot && step < resolved.iterations) hooks.onSnapshot(snapshot());
  };

  const batches = new BatchOrder(resolved.seed, dataset.train.count, batchSize);
  const batchIndices = new Uint32Array(batchSize);
  const batchLabels = new Int32Array(batchSize);
  const trainLabels = dataset.train.y;

  /** One Adam step on batch `step`; returns its loss. */
  const trainStep = (): number => {
    batches.batch(step, batchIndices);
    for (let j = 0; j < batchSize; j++) batchLabels[j] = trainLabels[batchIndices[j]];
    network.input.load(dataset.train, batchIndices, batchSize);
    return network.trainStep(batchLabels, step + 1, learningRate);
  };

  let status: TrainOutcome['status'] = 'completed';
  let stepMilliseconds = 0;
  let stepsRun = 0;
  hooks.onStart?.(FUSED_BACKEND);
  if (step === 0 && resume === undefined) reachPoint();
  let lastYield = performance.now();
  while (step < resolved.iterations) {
    const request = hooks.shouldStop?.() ?? 'continue';
    if (request === 'pause' || request === 'cancel') {
      status = request === 'pause' ? 'paused' : 'cancelled';
      break;
    }
    const before = performance.now();
    const loss = trainStep();
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
    trainer: 'fused',
    backend: FUSED_BACKEND,
    layers: resumeState === null ? readLayers() : copyLayers(resumeState.layers),
    evaluations,
    resume: resumeState,
    msPerIteration: stepsRun > 0 ? stepMilliseconds / stepsRun : Number.NaN,
  };
}
