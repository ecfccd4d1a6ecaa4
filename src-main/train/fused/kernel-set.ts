/**
 * The kernels a fused network runs, as one set: the TypeScript kernels (the reference, and
 * the fallback without WebAssembly SIMD) or the WebAssembly SIMD kernels (wasm/*.c), which
 * compute the same values bit for bit (tests/unit/train-fused-wasm-kernels.test.ts) several
 * times faster. Both take the TypeScript kernels' arguments; the WebAssembly ones need
 * every buffer in their instance's memory, which the network allocates there
 * (network.ts, arena.ts).
 */
import { TRAINING_DEFAULTS } from '../spec.ts';
import { adamUpdate } from './adam.ts';
import { denseForward, denseInputGradient, denseWeightGradient } from './dense-kernels.ts';
import { inputDenseForward, inputDenseWeightGradient } from './input-kernels.ts';
import { sparseForward, sparseInputGradient, sparseWeightGradient } from './sparse-kernels.ts';
import type { KernelExports } from './wasm-kernels.ts';

export type KernelName = 'wasm' | 'js';

/**
 * Scratch of the WebAssembly first-layer weight gradient, which regroups the batch's
 * entries by pixel (wasm/input.c): pixel starts (inDim + 1), the entries' samples and
 * values (one per entry: capacity × inDim), and dz transposed (capacity × outDim).
 */
export interface ByPixelScratch {
  readonly pixelStart: Int32Array;
  readonly pixelSample: Int32Array;
  readonly pixelValue: Float32Array;
  readonly transposed: Float32Array;
}

const {
  adamBeta1: ADAM_BETA1,
  adamBeta2: ADAM_BETA2,
  adamEpsilon: ADAM_EPSILON,
} = TRAINING_DEFAULTS;

export interface KernelSet {
  readonly name: KernelName;
  readonly inputDenseForward: typeof inputDenseForward;
  readonly inputDenseWeightGradient: (
    ...args: [...Parameters<typeof inputDenseWeightGradient>, scratch: ByPixelScratch]
  ) => void;
  readonly sparseForward: typeof sparseForward;
  readonly sparseWeightGradient: typeof sparseWeightGradient;
  readonly sparseInputGradient: typeof sparseInputGradient;
  readonly denseForward: typeof denseForward;
  readonly denseWeightGradient: typeof denseWeightGradient;
  readonly denseInputGradient: typeof denseInputGradient;
  readonly adamUpdate: typeof adamUpdate;
}

export const TYPESCRIPT_KERNELS: KernelSet = {
  name: 'js',
  inputDenseForward,
  inputDenseWeightGradient,
  sparseForward,
  sparseWeightGradient,
  sparseInputGradient,
  denseForward,
  denseWeightGradient,
  denseInputGradient,
  adamUpdate,
};

/** The WebAssembly kernels of one instance, behind the TypeScript kernels' signatures. */
export function wasmKernelSet(wasm: KernelExports): KernelSet {
  return {
    name: 'wasm',
    inputDenseForward: (weights, bias, batch, z, outDim) =>
      wasm.input_dense_forward(
        weights.byteOffset,
        bias.byteOffset,
        batch.sampleStart.byteOffset,
        batch.samplePixel.byteOffset,
        batch.sampleValue.byteOffset,
        z.byteOffset,
        batch.count,
        outDim,
      ),
    inputDenseWeightGradient: (batch, dz, gradient, inDim, outDim, scratch) =>
      wasm.input_dense_weight_gradient(
        batch.sampleStart.byteOffset,
        batch.samplePixel.byteOffset,
        batch.sampleValue.byteOffset,
        dz.byteOffset,
        gradient.byteOffset,
        batch.count,
        inDim,
        outDim,
        scratch.pixelStart.byteOffset,
        scratch.pixelSample.byteOffset,
        scratch.pixelValue.byteOffset,
        scratch.transposed.byteOffset,
      ),
    sparseForward: (weights, start, index, bias, h, z, outDim, n, relu) =>
      wasm.sparse_forward(
        weights.byteOffset,
        start.byteOffset,
        index.byteOffset,
        bias.byteOffset,
        h.byteOffset,
        z.byteOffset,
        outDim,
        n,
        relu ? 1 : 0,
      ),
    sparseWeightGradient: (start, index, dz, h, gradient, outDim, n) =>
      wasm.sparse_weight_gradient(
        start.byteOffset,
        index.byteOffset,
        dz.byteOffset,
        h.byteOffset,
        gradient.byteOffset,
        outDim,
        n,
      ),
    sparseInputGradient: (weights, start, index, dz, h, dh, inDim, outDim, n) =>
      wasm.sparse_input_gradient(
        weights.byteOffset,
        start.byteOffset,
        index.byteOffset,
        dz.byteOffset,
        h.byteOffset,
        dh.byteOffset,
        inDim,
        outDim,
        n,
      ),
    denseForward: (weights, bias, h, z, inDim, outDim, n, relu, activeIndex, activeValue) =>
      wasm.dense_forward(
        weights.byteOffset,
        bias.byteOffset,
        h.byteOffset,
        z.byteOffset,
        inDim,
        outDim,
        n,
        relu ? 1 : 0,
        activeIndex.byteOffset,
        activeValue.byteOffset,
      ),
    denseWeightGradient: (dz, h, gradient, inDim, outDim, n, activeIndex, activeValue) =>
      wasm.dense_weight_gradient(
        dz.byteOffset,
        h.byteOffset,
        gradient.byteOffset,
        inDim,
        outDim,
        n,
        activeIndex.byteOffset,
        activeValue.byteOffset,
      ),
    denseInputGradient: (weights, dz, h, dh, inDim, outDim, n, activeIndex) =>
      wasm.dense_input_gradient(
        weights.byteOffset,
        dz.byteOffset,
        h.byteOffset,
        dh.byteOffset,
        inDim,
        outDim,
        n,
        activeIndex.byteOffset,
      ),
    adamUpdate: (parameters, gradient, moment1, moment2, stepSize, correction2) =>
      wasm.adam_update(
        parameters.byteOffset,
        gradient.byteOffset,
        moment1.byteOffset,
        moment2.byteOffset,
        parameters.length,
        stepSize,
        correction2,
        ADAM_BETA1,
        ADAM_BETA2,
        ADAM_EPSILON,
      ),
  };
}
