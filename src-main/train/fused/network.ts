/**
 * The fused network: its layers in fused storage (layer-storage.ts) and every scratch
 * buffer a step or a validation pass needs, allocated once per run. One call runs a whole
 * training step — forward pass, softmax cross-entropy, backward pass, Adam — over flat
 * Float32 buffers, in a fixed order, so equal inputs give bit-identical results.
 */
import type { DatasetSplit } from '../../data/dataset.ts';
import { adamCorrections } from './adam.ts';
import { HEAP, type Allocator } from './arena.ts';
import { InputBatch } from './input-batch.ts';
import {
  TYPESCRIPT_KERNELS,
  wasmKernelSet,
  type ByPixelScratch,
  type KernelName,
  type KernelSet,
} from './kernel-set.ts';
import type { FusedLayer } from './layer-storage.ts';
import { instantiateKernels, wasmKernelsAvailable } from './wasm-kernels.ts';

/** Every buffer of a network, allocated in one place (its kernel memory or the heap). */
interface Buffers {
  readonly layers: FusedLayer[];
  readonly input: InputBatch;
  readonly outputs: Float32Array[];
  readonly deltas: Float32Array[];
  readonly activeIndex: Int32Array;
  readonly activeValue: Float32Array;
  readonly byPixel: ByPixelScratch;
}

/** A layer's arrays taken from `allocator`, its shape and index maps kept (values copied later). */
function allocateLayer(layer: FusedLayer, allocator: Allocator): FusedLayer {
  const size = layer.weights.length;
  const { outDim } = layer;
  return {
    ...layer,
    weights: allocator.f32(size),
    weightGradient: allocator.f32(size),
    weightMoments: [allocator.f32(size), allocator.f32(size)],
    bias: allocator.f32(outDim),
    biasGradient: allocator.f32(outDim),
    biasMoments: [allocator.f32(outDim), allocator.f32(outDim)],
    start: layer.start === null ? null : allocator.i32(layer.start.length),
    index: layer.index === null ? null : allocator.i32(layer.index.length),
  };
}

function allocateBuffers(
  layers: readonly FusedLayer[],
  capacity: number,
  allocator: Allocator,
): Buffers {
  const first = layers[0];
  const form =
    first.kind === 'input-dense' || first.kind === 'input-masked' ? 'non-zero' : 'feature-major';
  const active = Math.max(capacity, ...layers.map((layer) => layer.inDim));
  return {
    layers: layers.map((layer) => allocateLayer(layer, allocator)),
    input: new InputBatch(form, capacity, first.inDim, allocator),
    outputs: layers.map((layer) => allocator.f32(layer.outDim * capacity)),
    deltas: layers.map((layer) => allocator.f32(layer.outDim * capacity)),
    activeIndex: allocator.i32(active),
    activeValue: allocator.f32(active),
    byPixel: allocateByPixel(form === 'non-zero' ? first : null, capacity, allocator),
  };
}

/** The wasm first-layer weight gradient's scratch (empty unless it walks non-zero pixels). */
function allocateByPixel(
  first: FusedLayer | null,
  capacity: number,
  allocator: Allocator,
): ByPixelScratch {
  const entries = first === null ? 0 : capacity * first.inDim;
  return {
    pixelStart: allocator.i32(first === null ? 0 : first.inDim + 1),
    pixelSample: allocator.i32(entries),
    pixelValue: allocator.f32(entries),
    transposed: allocator.f32(first === null ? 0 : capacity * first.outDim),
  };
}

/** Copies a layer's values (parameters, moments, index arrays) into its new storage. */
function copyLayer(from: FusedLayer, to: FusedLayer): void {
  to.weights.set(from.weights);
  to.weightMoments[0].set(from.weightMoments[0]);
  to.weightMoments[1].set(from.weightMoments[1]);
  to.bias.set(from.bias);
  to.biasMoments[0].set(from.biasMoments[0]);
  to.biasMoments[1].set(from.biasMoments[1]);
  if (from.start !== null) to.start!.set(from.start);
  if (from.index !== null) to.index!.set(from.index);
}

export interface FusedNetworkOptions {
  /**
   * Which kernels run the network: 'wasm' (the default where WebAssembly SIMD exists) or
   * 'js'. Both give bit-identical results; 'js' is the reference the tests hold 'wasm' to.
   */
  readonly kernels?: KernelName;
}

export class FusedNetwork {
  /** The layers in this network's own storage (copies of those given to the constructor). */
  readonly layers: readonly FusedLayer[];
  readonly input: InputBatch;
  /** The kernels this network runs. */
  readonly kernels: KernelSet;
  /** Per layer, its output ([outDim][capacity] feature-major; ReLU applied except the last). */
  private readonly outputs: Float32Array[];
  /** Per layer, the loss gradient with respect to its pre-activation, same layout. */
  private readonly deltas: Float32Array[];
  private readonly classCount: number;
  /** Scratch of the dense kernels: one sample's or one neuron's non-zero activations. */
  private readonly activeIndex: Int32Array;
  private readonly activeValue: Float32Array;
  private readonly byPixel: ByPixelScratch;
  /** Per class, the sample at hand's exp(logit − max), kept for its softmax. */
  private readonly exponentials: Float64Array;

  constructor(
    layers: readonly FusedLayer[],
    /** The largest number of samples a step or validation chunk holds. */
    readonly capacity: number,
    options: FusedNetworkOptions = {},
  ) {
    const choice = options.kernels ?? (wasmKernelsAvailable() ? 'wasm' : 'js');
    let buffers: Buffers;
    if (choice === 'wasm') {
      const wasm = instantiateKernels((allocator) => allocateBuffers(layers, capacity, allocator));
      if (wasm === null) throw new Error('FusedNetwork: this engine has no WebAssembly SIMD');
      buffers = wasm.buffers;
      this.kernels = wasmKernelSet(wasm.instance.exports);
    } else {
      buffers = allocateBuffers(layers, capacity, HEAP);
      this.kernels = TYPESCRIPT_KERNELS;
    }
    layers.forEach((layer, index) => copyLayer(layer, buffers.layers[index]));
    this.layers = buffers.layers;
    this.input = buffers.input;
    this.outputs = buffers.outputs;
    this.deltas = buffers.deltas;
    this.activeIndex = buffers.activeIndex;
    this.activeValue = buffers.activeValue;
    this.byPixel = buffers.byPixel;
    this.classCount = layers[layers.length - 1].outDim;
    this.exponentials = new Float64Array(this.classCount);
  }

  /** Forward pass over the loaded input batch; the logits end in the last output buffer. */
  private forward(): void {
    const { layers, outputs, input, kernels } = this;
    const n = input.count;
    const last = layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const layer = layers[l];
      const z = outputs[l];
      switch (layer.kind) {
        case 'input-dense':
        case 'input-masked':
          kernels.inputDenseForward(layer.weights, layer.bias, input, z, layer.outDim);
          break;
        case 'input-sparse':
          kernels.sparseForward(
            layer.weights,
            layer.start!,
            layer.index!,
            layer.bias,
            input.featureMajor,
            z,
            layer.outDim,
            n,
            true,
          );
          break;
        case 'dense':
          kernels.denseForward(
            layer.weights,
            layer.bias,
            outputs[l - 1],
            z,
            layer.inDim,
            layer.outDim,
            n,
            l < last,
            this.activeIndex,
            this.activeValue,
          );
          break;
        case 'sparse':
          kernels.sparseForward(
            layer.weights,
            layer.start!,
            layer.index!,
            layer.bias,
            outputs[l - 1],
            z,
            layer.outDim,
            n,
            l < last,
          );
          break;
      }
    }
  }

  /**
   * Softmax cross-entropy of the logits against `labels` (the batch's first n): returns
   * the summed loss, counts correct argmax predictions (first maximum wins, as tfjs's
   * argMax) into `hits`, and, when `delta` is given, writes (softmax − one-hot) / n.
   */
  private crossEntropy(
    labels: ArrayLike<number>,
    hits: { correct: number },
    delta: Float32Array | null,
  ): number {
    const n = this.input.count;
    const logits = this.outputs[this.outputs.length - 1];
    const { classCount: classes, exponentials } = this;
    let total = 0;
    for (let b = 0; b < n; b++) {
      let max = -Infinity;
      let best = 0;
      for (let c = 0; c < classes; c++) {
        const value = logits[c * n + b];
        if (value > max) {
          max = value;
          best = c;
        }
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const exponential = Math.exp(logits[c * n + b] - max);
        exponentials[c] = exponential;
        sum += exponential;
      }
      const label = labels[b];
      if (best === label) hits.correct++;
      const logSum = Math.log(sum);
      total += logSum - (logits[label * n + b] - max);
      if (delta !== null) {
        for (let c = 0; c < classes; c++) {
          const p = exponentials[c] / sum;
          delta[c * n + b] = (c === label ? p - 1 : p) / n;
        }
      }
    }
    return total;
  }

  /** Gradients of every layer from the last layer's delta (the input gradient is never formed). */
  private backward(): void {
    const { layers, outputs, deltas, input, kernels } = this;
    const n = input.count;
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l];
      const dz = deltas[l];
      const { inDim, outDim, biasGradient } = layer;
      for (let o = 0; o < outDim; o++) {
        let sum = 0;
        const row = o * n;
        for (let b = 0; b < n; b++) sum += dz[row + b];
        biasGradient[o] = sum;
      }
      switch (layer.kind) {
        case 'input-dense':
        case 'input-masked':
          kernels.inputDenseWeightGradient(
            input,
            dz,
            layer.weightGradient,
            inDim,
            outDim,
            this.byPixel,
          );
          if (layer.pruned !== null) {
            // Pruned weights get +0, so Adam leaves them +0 with zero moments.
            const { pruned, weightGradient } = layer;
            for (let j = 0; j < pruned.length; j++) weightGradient[pruned[j]] = 0;
          }
          break;
        case 'input-sparse':
          kernels.sparseWeightGradient(
            layer.start!,
            layer.index!,
            dz,
            input.featureMajor,
            layer.weightGradient,
            outDim,
            n,
          );
          break;
        case 'dense':
          kernels.denseWeightGradient(
            dz,
            outputs[l - 1],
            layer.weightGradient,
            inDim,
            outDim,
            n,
            this.activeIndex,
            this.activeValue,
          );
          kernels.denseInputGradient(
            layer.weights,
            dz,
            outputs[l - 1],
            deltas[l - 1],
            inDim,
            outDim,
            n,
            this.activeIndex,
          );
          break;
        case 'sparse':
          kernels.sparseWeightGradient(
            layer.start!,
            layer.index!,
            dz,
            outputs[l - 1],
            layer.weightGradient,
            outDim,
            n,
          );
          kernels.sparseInputGradient(
            layer.weights,
            layer.start!,
            layer.index!,
            dz,
            outputs[l - 1],
            deltas[l - 1],
            inDim,
            outDim,
            n,
          );
          break;
      }
    }
  }

  /**
   * The mean loss of the loaded batch and the gradients of every parameter (without
   * updating anything): for gradient checks and for `trainStep`.
   */
  lossAndGradients(labels: ArrayLike<number>): number {
    this.forward();
    const loss = this.crossEntropy(labels, { correct: 0 }, this.deltas[this.deltas.length - 1]);
    this.backward();
    return loss / this.input.count;
  }

  /** One training step on the loaded batch as Adam step t (1-based); returns the mean loss. */
  trainStep(labels: ArrayLike<number>, t: number, learningRate: number): number {
    const loss = this.lossAndGradients(labels);
    const { stepSize, correction2 } = adamCorrections(learningRate, t);
    const { adamUpdate } = this.kernels;
    for (const layer of this.layers) {
      adamUpdate(
        layer.weights,
        layer.weightGradient,
        layer.weightMoments[0],
        layer.weightMoments[1],
        stepSize,
        correction2,
      );
      adamUpdate(
        layer.bias,
        layer.biasGradient,
        layer.biasMoments[0],
        layer.biasMoments[1],
        stepSize,
        correction2,
      );
    }
    return loss;
  }

  /** Accuracy and mean cross-entropy over a whole split, `chunk` rows per forward pass. */
  evaluate(split: DatasetSplit, chunk: number): { accuracy: number; loss: number } {
    const size = Math.min(chunk, this.capacity);
    const rows = new Uint32Array(size);
    const hits = { correct: 0 };
    let lossSum = 0;
    for (let first = 0; first < split.count; first += size) {
      const count = Math.min(size, split.count - first);
      for (let j = 0; j < count; j++) rows[j] = first + j;
      this.input.load(split, rows, count);
      this.forward();
      lossSum += this.crossEntropy(split.y.subarray(first, first + count), hits, null);
    }
    return { accuracy: hits.correct / split.count, loss: lossSum / split.count };
  }
}
