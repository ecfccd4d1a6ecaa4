/**
 * The fused training path: the algorithm of train.ts exactly (He-normal init from
 * initialParameters, the seeded BatchOrder, softmax cross-entropy averaged over the batch,
 * PyTorch's Adam, fixed exact masks, the evaluation schedule, checkpoints, snapshots in
 * the shared 'mbh-resume' v1 format, the same hooks and yielding), computed by the
 * kernels of this folder instead of tfjs: masked layers stored and multiplied
 * as sparse, a dense first layer skipping zero input pixels (a masked one too when the
 * inputs are much sparser than its mask: layer-storage.ts), the whole step fused over
 * flat Float32 buffers (network.ts), no tfjs and no per-op dispatch. The validation passes
 * at the schedule's points use the same kernels.
 *
 * The kernels are WebAssembly SIMD (wasm/*.c, built by `npm run build:kernels` into the
 * committed kernels-wasm.ts, so users need no compiler), each with a TypeScript twin that
 * computes the same values bit for bit: the reference the tests hold them to, and the
 * fallback on an engine without WebAssembly SIMD (kernel-set.ts). Sums are Float32, as on
 * the tfjs path. The lab still trains a network on tfjs where the measured cost model
 * says tfjs is faster (src-main/train/cost-model.ts; native TensorFlow on a user's
 * machine).
 *
 * Resuming is bit-exact: the state holds the Float32 parameters and moments, and every
 * kernel runs in a fixed order, so a paused-and-resumed run equals an uninterrupted one.
 * A state written by the tfjs path continues here (and the reverse), to float rounding.
 */
import type { Dataset } from '../../data/dataset.ts';
import { nonZeroShare } from '../../data/non-zero-share.ts';
import type { BackendChoice } from '../backend.ts';
import { BatchOrder } from '../batches.ts';
import {
  prepareRun,
  runLoop,
  type TrainHooks,
  type TrainOptions,
  type TrainOutcome,
} from '../run-loop.ts';
import type { LayerParameters, ResumeState, TrainSpec } from '../spec.ts';
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
  const run = prepareRun(spec, dataset, resume, options, FUSED_EVALUATION_CHUNK);
  const { spec: resolved, start, source, evaluationChunk } = run;
  // A masked first layer's storage depends on how sparse the inputs are (layer-storage.ts);
  // a dense one always walks the non-zero pixels, so only a masked one needs the count.
  const inputNonZero = start[0].mask === null ? 1 : nonZeroShare(dataset.train, dataset.inputDim);
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
    return storeLayer(layer, mask, index === 0 ? inputNonZero : null, resume?.adam[index]);
  });
  const { batchSize, learningRate } = resolved;
  const network = new FusedNetwork(layers, Math.max(batchSize, evaluationChunk));

  const readLayers = (): LayerParameters[] => network.layers.map(sharedParameters);

  const batches = new BatchOrder(resolved.seed, dataset.train.count, batchSize);
  const batchIndices = new Uint32Array(batchSize);
  const batchLabels = new Int32Array(batchSize);
  const trainLabels = dataset.train.y;

  /** One Adam step on batch `step`; returns its loss. */
  const trainStep = (step: number): number => {
    batches.batch(step, batchIndices);
    for (let j = 0; j < batchSize; j++) batchLabels[j] = trainLabels[batchIndices[j]];
    network.input.load(dataset.train, batchIndices, batchSize);
    return network.trainStep(batchLabels, step + 1, learningRate);
  };

  return runLoop(
    run,
    {
      trainer: 'fused',
      backend: FUSED_BACKEND,
      step: trainStep,
      evaluate: () => network.evaluate(dataset.test, evaluationChunk),
      readLayers,
      readMoments: () => network.layers.map(sharedMoments),
    },
    hooks,
  );
}
