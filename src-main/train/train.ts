/**
 * The training loop (appendix A.1): Adam (lr 1.2e-3, β 0.9/0.999, ε 1e-8, PyTorch's
 * formulation), batch 60, softmax cross-entropy, fixed masks. Designed for the job
 * runner: it reports through hooks, asks `shouldStop` before every step, yields to the
 * event loop regularly (so a worker sees pause/cancel messages), and can stop and later
 * continue from a ResumeState. That loop is run-loop.ts, shared with the fused path; this
 * file supplies the tfjs step, evaluation and state.
 *
 * Pruned weights stay exactly +0: their gradients are multiplied by the mask (as
 * PyTorch's pruning reparametrisation does), so their Adam moments and updates are 0,
 * and the mask is multiplied in again after every step as a guarantee.
 *
 * Layout: inside the loop a layer's weights are held transposed, `[inDim][outDim]`, and
 * the dense layer has a hand-written gradient that only multiplies untransposed
 * matrices: tfjs-wasm's matMul with a transposed operand is about 10× slower than the
 * plain one, and the input layer's gradient with respect to the data is never computed.
 * Everything that leaves the loop is converted back to the `[outDim][inDim]` layout.
 *
 * Exactness of resuming: the state holds the Float32 parameters and Adam moments
 * bit-for-bit, the step count (which fixes the bias corrections and the batch cursor) and
 * the running train-loss sum. On the cpu and wasm backends, whose kernels are
 * deterministic, a paused-and-resumed run is bit-identical to an uninterrupted one (a
 * test checks this). On tfjs-node, multi-threaded reductions may round differently from
 * run to run, so any two runs — interrupted or not — agree only to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, DatasetSplit } from '../data/dataset.ts';
import { BYTE_TO_UNIT } from '../data/dataset.ts';
import { chooseBackend } from './backend.ts';
import { BatchOrder } from './batches.ts';
import {
  prepareRun,
  runLoop,
  type TrainHooks,
  type TrainOptions,
  type TrainOutcome,
} from './run-loop.ts';
import {
  TRAINING_DEFAULTS,
  type LayerParameters,
  type ResumeState,
  type TrainSpec,
} from './spec.ts';

// The run's contract lives with the loop both paths share; train.ts stays the entry point
// its callers import it from.
export type { StopRequest, TrainHooks, TrainOptions, TrainOutcome } from './run-loop.ts';

interface LayerTensors {
  /** Transposed: [inDim][outDim]. */
  readonly weights: tf.Variable;
  readonly bias: tf.Variable;
  /** Transposed like the weights. */
  readonly mask: tf.Tensor | null;
  readonly maskBytes: Uint8Array | null;
  readonly inDim: number;
  readonly outDim: number;
  readonly moments: { weights: [tf.Variable, tf.Variable]; bias: [tf.Variable, tf.Variable] };
}

let runCounter = 0;

/** Transposes a row-major rows × columns matrix. */
function transpose<T extends Float32Array | Uint8Array>(
  values: T,
  rows: number,
  columns: number,
  out: T,
): T {
  for (let r = 0; r < rows; r++) {
    const offset = r * columns;
    for (let c = 0; c < columns; c++) out[c * rows + r] = values[offset + c];
  }
  return out;
}

/** [outDim][inDim] → [inDim][outDim]. */
const toLoopLayout = (values: Float32Array, inDim: number, outDim: number): Float32Array =>
  transpose(values, outDim, inDim, new Float32Array(values.length));
/** [inDim][outDim] → [outDim][inDim]. */
const fromLoopLayout = (values: Float32Array, inDim: number, outDim: number): Float32Array =>
  transpose(values, inDim, outDim, new Float32Array(values.length));

/**
 * z = h · w with w as [in][out], and a gradient made of plain products only:
 * dh = dz · wᵀ, dw = (hᵀ · dz) ⊙ mask. With `h` a constant (the input layer), only dw.
 */
function dense(
  h: tf.Tensor2D,
  w: tf.Variable,
  mask: tf.Tensor | null,
  inputIsConstant: boolean,
): tf.Tensor2D {
  const weightGradient = (dz: tf.Tensor2D, input: tf.Tensor2D): tf.Tensor => {
    const gradient = tf.matMul(tf.transpose(input), dz);
    return mask === null ? gradient : tf.mul(gradient, mask);
  };
  // customGrad passes the inputs and then `save` as one variadic list.
  type Arguments = (tf.Tensor | tf.GradSaveFunc)[];
  if (inputIsConstant) {
    const op = tf.customGrad((...args: Arguments) => {
      const weights = args[0] as tf.Tensor2D;
      (args[1] as tf.GradSaveFunc)([h]);
      return {
        value: tf.matMul(h, weights) as tf.Tensor,
        gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => [
          weightGradient(dz as tf.Tensor2D, saved[0] as tf.Tensor2D),
        ],
      };
    });
    return op(w) as tf.Tensor2D;
  }
  const op = tf.customGrad((...args: Arguments) => {
    const input = args[0] as tf.Tensor2D;
    const weights = args[1] as tf.Tensor2D;
    (args[2] as tf.GradSaveFunc)([input, weights]);
    return {
      value: tf.matMul(input, weights) as tf.Tensor,
      gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => [
        tf.matMul(dz as tf.Tensor2D, tf.transpose(saved[1] as tf.Tensor2D)) as tf.Tensor,
        weightGradient(dz as tf.Tensor2D, saved[0] as tf.Tensor2D),
      ],
    };
  });
  return op(h, w) as tf.Tensor2D;
}

/** Float32 rows `indices` of a split (from its bytes when it has them). */
function gatherRows(split: DatasetSplit, indices: Uint32Array, inputDim: number): Float32Array {
  const out = new Float32Array(indices.length * inputDim);
  const { pixels } = split;
  for (let j = 0; j < indices.length; j++) {
    const from = indices[j] * inputDim;
    const to = j * inputDim;
    if (pixels !== undefined) {
      for (let d = 0; d < inputDim; d++) out[to + d] = BYTE_TO_UNIT[pixels[from + d]];
    } else {
      out.set(split.x.subarray(from, from + inputDim), to);
    }
  }
  return out;
}

/**
 * Trains one network. Resolves with the outcome; rejects on invalid input or a backend
 * failure. `dataset.id` must be `spec.dataset`.
 */
export async function train(
  spec: TrainSpec,
  dataset: Dataset,
  hooks: TrainHooks = {},
  resume?: ResumeState,
  options: TrainOptions = {},
): Promise<TrainOutcome> {
  const run = prepareRun(spec, dataset, resume, options, 2000);
  const { spec: resolved, start, source, evaluationChunk } = run;
  const { inputDim, classCount } = dataset;

  const backend = await chooseBackend(options.backend ?? 'auto');
  const runNumber = ++runCounter;
  // tidy disposes the temporary tensors; the variables keep their data.
  const variable = (values: Float32Array | null, shape: number[], name?: string): tf.Variable =>
    tf.tidy(() =>
      tf.variable(
        values === null ? tf.zeros(shape) : tf.tensor(values, shape),
        name !== undefined,
        name,
      ),
    );
  const layers: LayerTensors[] = source.map((layer, index) => {
    const { inDim, outDim } = layer;
    const maskBytes = start[index].mask;
    const moments = resume?.adam[index];
    const shape = [inDim, outDim];
    const biasShape = [outDim];
    const moment = (values: Float32Array | undefined): tf.Variable =>
      variable(values === undefined ? null : toLoopLayout(values, inDim, outDim), shape);
    return {
      weights: variable(
        toLoopLayout(layer.weights, inDim, outDim),
        shape,
        `run${runNumber}_w${index}`,
      ),
      bias: variable(layer.bias, biasShape, `run${runNumber}_b${index}`),
      mask:
        maskBytes === null
          ? null
          : tf.tensor2d(
              Float32Array.from(
                transpose(maskBytes, outDim, inDim, new Uint8Array(maskBytes.length)),
              ),
              [inDim, outDim],
            ),
      maskBytes,
      inDim,
      outDim,
      moments: {
        weights: [moment(moments?.weights[0]), moment(moments?.weights[1])],
        bias: [
          variable(moments?.bias[0] ?? null, biasShape),
          variable(moments?.bias[1] ?? null, biasShape),
        ],
      },
    };
  });
  const trainable = layers.flatMap((layer) => [layer.weights, layer.bias]);

  // The validation split as tensors, once: chunks of rows plus their labels.
  const test = dataset.test;
  const testChunks: { x: tf.Tensor2D; y: tf.Tensor1D; labels: tf.Tensor2D }[] = [];
  for (let first = 0; first < test.count; first += evaluationChunk) {
    const rows = Math.min(evaluationChunk, test.count - first);
    const indices = new Uint32Array(rows);
    for (let j = 0; j < rows; j++) indices[j] = first + j;
    const y = tf.tensor1d(Int32Array.from(test.y.subarray(first, first + rows)), 'int32');
    testChunks.push({
      x: tf.tensor2d(gatherRows(test, indices, inputDim), [rows, inputDim]),
      y,
      labels: tf.oneHot(y, classCount) as tf.Tensor2D,
    });
  }

  /** Logits. The weights are already masked; `training` routes through the custom gradient. */
  const forward = (x: tf.Tensor2D, training: boolean): tf.Tensor2D => {
    let h: tf.Tensor2D = x;
    layers.forEach((layer, index) => {
      const product = training
        ? dense(h, layer.weights, layer.mask, index === 0)
        : tf.matMul(h, layer.weights as tf.Tensor2D);
      const z = tf.add(product, layer.bias) as tf.Tensor2D;
      h = index < layers.length - 1 ? tf.relu(z) : z;
    });
    return h;
  };
  const crossEntropy = (logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar =>
    tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)))) as tf.Scalar;

  const readLayers = (): LayerParameters[] =>
    layers.map((layer) => ({
      inDim: layer.inDim,
      outDim: layer.outDim,
      weights: fromLoopLayout(layer.weights.dataSync() as Float32Array, layer.inDim, layer.outDim),
      bias: (layer.bias.dataSync() as Float32Array).slice(),
      mask: layer.maskBytes === null ? null : layer.maskBytes.slice(),
    }));

  const evaluate = (): { accuracy: number; loss: number } => {
    let correct = 0;
    let lossSum = 0;
    for (const chunk of testChunks) {
      const [hits, loss] = tf.tidy(() => {
        const logits = forward(chunk.x, false);
        return [
          tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), chunk.y), 'float32')),
          crossEntropy(logits, chunk.labels),
        ];
      });
      correct += hits.dataSync()[0];
      lossSum += loss.dataSync()[0];
      hits.dispose();
      loss.dispose();
    }
    return { accuracy: correct / test.count, loss: lossSum / test.count };
  };

  const readMoments = (): ResumeState['adam'] =>
    layers.map((layer) => ({
      weights: [
        fromLoopLayout(
          layer.moments.weights[0].dataSync() as Float32Array,
          layer.inDim,
          layer.outDim,
        ),
        fromLoopLayout(
          layer.moments.weights[1].dataSync() as Float32Array,
          layer.inDim,
          layer.outDim,
        ),
      ],
      bias: [
        (layer.moments.bias[0].dataSync() as Float32Array).slice(),
        (layer.moments.bias[1].dataSync() as Float32Array).slice(),
      ],
    }));

  const { learningRate, batchSize } = resolved;
  const { adamBeta1: beta1, adamBeta2: beta2, adamEpsilon: epsilon } = TRAINING_DEFAULTS;
  const batches = new BatchOrder(resolved.seed, dataset.train.count, batchSize);
  const batchIndices = new Uint32Array(batchSize);
  const batchLabels = new Int32Array(batchSize);

  /** One Adam step on batch `step`; returns its loss. */
  const trainStep = (step: number): number => {
    batches.batch(step, batchIndices);
    for (let j = 0; j < batchSize; j++) batchLabels[j] = dataset.train.y[batchIndices[j]];
    const x = tf.tensor2d(gatherRows(dataset.train, batchIndices, inputDim), [batchSize, inputDim]);
    const labels = tf.tidy(
      () => tf.oneHot(tf.tensor1d(batchLabels, 'int32'), classCount) as tf.Tensor2D,
    );
    const { value, grads } = tf.variableGrads(
      () => tf.div(crossEntropy(forward(x, true), labels), batchSize) as tf.Scalar,
      trainable,
    );
    const t = step + 1;
    // PyTorch's Adam: p -= lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + ε).
    const stepSize = learningRate / (1 - beta1 ** t);
    const correction2 = Math.sqrt(1 - beta2 ** t);
    tf.tidy(() => {
      const update = (
        parameter: tf.Variable,
        [m, v]: [tf.Variable, tf.Variable],
        mask: tf.Tensor | null,
      ): void => {
        const gradient = grads[parameter.name];
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2)));
        const denominator = tf.add(tf.div(tf.sqrt(v), correction2), epsilon);
        const next = tf.sub(parameter, tf.mul(tf.div(m, denominator), stepSize));
        parameter.assign(mask === null ? next : tf.mul(next, mask));
      };
      for (const layer of layers) {
        update(layer.weights, layer.moments.weights, layer.mask);
        update(layer.bias, layer.moments.bias, null);
      }
    });
    const loss = value.dataSync()[0];
    tf.dispose([x, labels, value, ...Object.values(grads)]);
    return loss;
  };

  return runLoop(
    run,
    {
      trainer: 'tfjs',
      backend,
      step: trainStep,
      evaluate,
      readLayers,
      readMoments,
      release: () => {
        for (const layer of layers) {
          tf.dispose([layer.weights, layer.bias, ...layer.moments.weights, ...layer.moments.bias]);
          if (layer.mask !== null) layer.mask.dispose();
        }
        for (const chunk of testChunks) tf.dispose([chunk.x, chunk.y, chunk.labels]);
      },
    },
    hooks,
  );
}
