/**
 * The WebAssembly kernels of a dense first layer (wasm/input.c) against their TypeScript
 * twins (input-kernels.ts), bit for bit: the forward pass (pre-activations through ReLU)
 * and the weight gradient, on random layers and batches. Widths run from 1 to 300 so that
 * every block (32, 16, 12, 8, 4 outputs), every tail of 1–3 outputs and both ways of the
 * weight gradient (in place below 32 outputs, by pixel from 32 on) run; batches of 1 to 61
 * samples, inputs with zeros (skipped), negative values, an all-zero sample and an
 * all-zero pixel; weights and output gradients of both signs, some exactly zero.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../../src-main/data/dataset.ts';
import { InputBatch } from '../../src-main/train/fused/input-batch.ts';
import {
  TYPESCRIPT_KERNELS,
  wasmKernelSet,
  type ByPixelScratch,
} from '../../src-main/train/fused/kernel-set.ts';
import { instantiateKernels } from '../../src-main/train/fused/wasm-kernels.ts';
import { Random } from '../../src-shared/model/random.ts';

/** Float32 values of both signs, about a `zeros` share of them exactly +0. */
function fill(values: Float32Array, random: Random, zeros: number, scale: number): void {
  for (let i = 0; i < values.length; i++)
    values[i] = random.nextFloat() < zeros ? 0 : (random.nextFloat() * 2 - 1) * scale;
}

/** n rows of `inDim` floats: about half zero, sample 0 all zero, pixel 1 zero in every row. */
function split(random: Random, n: number, inDim: number): DatasetSplit {
  const x = new Float32Array(n * inDim);
  fill(x, random, 0.5, 1.5);
  x.fill(0, 0, inDim);
  for (let b = 0; b < n; b++) if (inDim > 1) x[b * inDim + 1] = 0;
  return { count: n, x, y: new Uint8Array(n) };
}

/** The TypeScript twin needs no scratch. */
const NO_SCRATCH: ByPixelScratch = {
  pixelStart: new Int32Array(0),
  pixelSample: new Int32Array(0),
  pixelValue: new Float32Array(0),
  transposed: new Float32Array(0),
};

function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Runs both kernel sets on one random case; returns the two results. */
function runCase(seed: number, n: number, inDim: number, outDim: number) {
  const random = Random.create(seed, 'test/wasm-input');
  const data = split(random, n, inDim);
  const rows = Uint32Array.from({ length: n }, (_, b) => b);
  const weights = new Float32Array(inDim * outDim);
  const bias = new Float32Array(outDim);
  const dz = new Float32Array(outDim * n);
  fill(weights, random, 0.05, 0.3);
  fill(bias, random, 0.1, 0.2);
  fill(dz, random, 0.3, 0.05);

  // Room for more samples than the batch holds, as in training (capacity 250, batch 60).
  const capacity = n + 3;
  const wasm = instantiateKernels((allocator) => ({
    batch: new InputBatch('non-zero', capacity, inDim, allocator),
    scratch: {
      pixelStart: allocator.i32(inDim + 1),
      pixelSample: allocator.i32(capacity * inDim),
      pixelValue: allocator.f32(capacity * inDim),
      transposed: allocator.f32(capacity * outDim),
    },
    weights: allocator.f32(weights.length),
    bias: allocator.f32(outDim),
    z: allocator.f32(outDim * n),
    dz: allocator.f32(outDim * n),
    gradient: allocator.f32(inDim * outDim),
  }));
  if (wasm === null) throw new Error('no WebAssembly SIMD');
  const kernels = wasmKernelSet(wasm.instance.exports);
  const inMemory = wasm.buffers;
  inMemory.weights.set(weights);
  inMemory.bias.set(bias);
  inMemory.dz.set(dz);
  inMemory.batch.load(data, rows, n);
  // Stale values in the outputs and the scratch: the kernels must overwrite every entry.
  inMemory.z.fill(7);
  inMemory.gradient.fill(7);
  inMemory.scratch.pixelStart.fill(3);
  inMemory.scratch.pixelSample.fill(-1);
  inMemory.scratch.transposed.fill(7);
  kernels.inputDenseForward(inMemory.weights, inMemory.bias, inMemory.batch, inMemory.z, outDim);
  kernels.inputDenseWeightGradient(
    inMemory.batch,
    inMemory.dz,
    inMemory.gradient,
    inDim,
    outDim,
    inMemory.scratch,
  );

  const batch = new InputBatch('non-zero', n, inDim);
  batch.load(data, rows, n);
  const z = new Float32Array(outDim * n);
  const gradient = new Float32Array(inDim * outDim);
  TYPESCRIPT_KERNELS.inputDenseForward(weights, bias, batch, z, outDim);
  TYPESCRIPT_KERNELS.inputDenseWeightGradient(batch, dz, gradient, inDim, outDim, NO_SCRATCH);
  return { wasm: inMemory, typescript: { z, gradient } };
}

describe('wasm dense first-layer kernels', () => {
  const shapes: [n: number, inDim: number, outDim: number][] = [
    [1, 1, 1],
    [1, 9, 37],
    [13, 11, 13],
    [60, 40, 16],
    [61, 23, 29],
    [60, 784, 12],
    [7, 50, 36],
    [60, 3, 4],
    [33, 17, 8],
    [5, 20, 11],
    [9, 13, 6],
    [17, 30, 50],
    [60, 40, 59],
    [60, 100, 300],
  ];
  for (const [n, inDim, outDim] of shapes) {
    it(`${n} samples, ${inDim} → ${outDim}: forward and weight gradient bit-identical`, () => {
      for (let seed = 1; seed <= 3; seed++) {
        const { wasm, typescript } = runCase(seed, n, inDim, outDim);
        expect(bits(wasm.z)).toEqual(bits(typescript.z));
        expect(bits(wasm.gradient)).toEqual(bits(typescript.gradient));
        if (n * outDim > 8) {
          // The ReLU passed some outputs and stopped others, so both branches ran.
          expect(typescript.z.some((value) => value > 0)).toBe(true);
          expect(typescript.z.some((value) => value === 0)).toBe(true);
        }
      }
    });
  }
});
