/**
 * The WebAssembly kernels of masked layers (wasm/sparse.c) against their TypeScript twins
 * (sparse-kernels.ts), bit for bit: the forward pass with and without ReLU, the weight
 * gradient and the input gradient, on compressed sparse rows as layer-storage.ts builds
 * them. The shapes run every sample block and remainder of the kernels (20, 16, 8, 4
 * samples and a 1–3-sample tail; 8, 4, 1 kept weights of a neuron), from no sample and
 * one input and output up, and the thesis' masked layers at 60 samples and at 250 (a
 * validation chunk's forward pass). Masks come at several densities with neurons that keep no weight;
 * activations as a ReLU gives them (+0 at several shares), as Fashion pixels (half zero)
 * and with negative values and −0; weights and output gradients of both signs with exact
 * zeros. One draw takes magnitudes 2^−24, 1 and 2^24 with two-bit mantissas: large
 * products cancel exactly and whether a small one survives depends on the order of
 * summation, so a kernel that reorders a sum or rounds it elsewhere fails here.
 */
import { describe, expect, it } from 'vitest';
import { TYPESCRIPT_KERNELS, wasmKernelSet } from '../../src-main/train/fused/kernel-set.ts';
import { instantiateKernels } from '../../src-main/train/fused/wasm-kernels.ts';
import { Random } from '../../src-shared/model/random.ts';
import { firstDifference } from './wasm-kernel-support.ts';

/** How a case's values are drawn. */
interface Draw {
  /** Share of the activations that are zero. */
  readonly zeros: number;
  /** Activations of both signs, −0 among the zeros (else +0 and positives, as a ReLU's). */
  readonly signed: boolean;
  /** Magnitudes 2^−24, 1 or 2^24 times 1, 1.25, 1.5 or 1.75 (else in [0, 1)). */
  readonly wide: boolean;
}

/** A masked layer as compressed sparse rows: output o keeps start[o] … start[o+1]−1. */
interface Rows {
  readonly start: Int32Array;
  readonly index: Int32Array;
}

/** The magnitude of one drawn value. */
function magnitude(random: Random, draw: Draw): number {
  return draw.wide
    ? 2 ** (24 * (random.nextInt(3) - 1)) * (1 + random.nextInt(4) / 4)
    : random.nextFloat();
}

/** Values of both signs, a `zeros` share of them +0. */
function signedValues(length: number, random: Random, zeros: number, draw: Draw): Float32Array {
  const values = new Float32Array(length);
  for (let j = 0; j < length; j++) {
    const sign = random.nextFloat() < 0.5 ? -1 : 1;
    values[j] = random.nextFloat() < zeros ? 0 : sign * magnitude(random, draw);
  }
  return values;
}

/** Feature-major activations [inDim][n], a `draw.zeros` share of them zero. */
function activations(random: Random, n: number, inDim: number, draw: Draw): Float32Array {
  const h = new Float32Array(inDim * n);
  for (let j = 0; j < h.length; j++) {
    if (random.nextFloat() < draw.zeros) h[j] = draw.signed && random.nextFloat() < 0.3 ? -0 : 0;
    else h[j] = (draw.signed && random.nextFloat() < 0.4 ? -1 : 1) * magnitude(random, draw);
  }
  return h;
}

/**
 * Each weight kept with probability `density`, inputs ascending within a row, as
 * layer-storage.ts stores a mask; with more than two outputs, output 1 keeps none.
 */
function maskRows(random: Random, inDim: number, outDim: number, density: number): Rows {
  const start = new Int32Array(outDim + 1);
  const index: number[] = [];
  for (let o = 0; o < outDim; o++) {
    if (!(outDim > 2 && o === 1)) {
      for (let i = 0; i < inDim; i++) if (random.nextFloat() < density) index.push(i);
    }
    start[o + 1] = index.length;
  }
  return { start, index: Int32Array.from(index) };
}

/** Outputs are written past this many entries only by a kernel that overruns. */
const GUARD = 5;
const STALE = 7;

interface Case {
  readonly n: number;
  readonly inDim: number;
  readonly outDim: number;
  readonly density: number;
  readonly draw: Draw;
}

/** Runs both kernel sets on one random case; returns both results. */
function runCase(seed: number, { n, inDim, outDim, density, draw }: Case) {
  const random = Random.create(seed, `test/wasm-sparse/${n}/${inDim}/${outDim}/${density}`);
  const { start, index } = maskRows(random, inDim, outDim, density);
  const kept = index.length;
  const weights = signedValues(kept, random, 0.05, draw);
  const bias = signedValues(outDim, random, 0.1, draw);
  const h = activations(random, n, inDim, draw);
  // Output gradients are zero where that layer's ReLU was off.
  const dz = signedValues(outDim * n, random, 0.5, draw);

  const wasm = instantiateKernels((allocator) => ({
    weights: allocator.f32(kept),
    start: allocator.i32(outDim + 1),
    index: allocator.i32(kept),
    bias: allocator.f32(outDim),
    h: allocator.f32(h.length),
    dz: allocator.f32(dz.length),
    z: allocator.f32(outDim * n + GUARD),
    zLinear: allocator.f32(outDim * n + GUARD),
    gradient: allocator.f32(kept + GUARD),
    dh: allocator.f32(inDim * n + GUARD),
  }));
  if (wasm === null) throw new Error('no WebAssembly SIMD');
  const kernels = wasmKernelSet(wasm.instance.exports);
  const memory = wasm.buffers;
  memory.weights.set(weights);
  memory.start.set(start);
  memory.index.set(index);
  memory.bias.set(bias);
  memory.h.set(h);
  memory.dz.set(dz);
  // Stale values in the outputs: the kernels must overwrite every entry, and no more.
  for (const output of [memory.z, memory.zLinear, memory.gradient, memory.dh]) output.fill(STALE);
  kernels.sparseForward(
    memory.weights,
    memory.start,
    memory.index,
    memory.bias,
    memory.h,
    memory.z,
    outDim,
    n,
    true,
  );
  kernels.sparseForward(
    memory.weights,
    memory.start,
    memory.index,
    memory.bias,
    memory.h,
    memory.zLinear,
    outDim,
    n,
    false,
  );
  kernels.sparseWeightGradient(
    memory.start,
    memory.index,
    memory.dz,
    memory.h,
    memory.gradient,
    outDim,
    n,
  );
  kernels.sparseInputGradient(
    memory.weights,
    memory.start,
    memory.index,
    memory.dz,
    memory.h,
    memory.dh,
    inDim,
    outDim,
    n,
  );

  const ts = TYPESCRIPT_KERNELS;
  const typescript = {
    z: new Float32Array(outDim * n + GUARD).fill(STALE),
    zLinear: new Float32Array(outDim * n + GUARD).fill(STALE),
    gradient: new Float32Array(kept + GUARD).fill(STALE),
    dh: new Float32Array(inDim * n + GUARD).fill(STALE),
  };
  ts.sparseForward(weights, start, index, bias, h, typescript.z, outDim, n, true);
  ts.sparseForward(weights, start, index, bias, h, typescript.zLinear, outDim, n, false);
  ts.sparseWeightGradient(start, index, dz, h, typescript.gradient, outDim, n);
  ts.sparseInputGradient(weights, start, index, dz, h, typescript.dh, inDim, outDim, n);
  return { wasm: memory, typescript, kept };
}

/** Both kernel sets' results agree bit for bit; returns the TypeScript twins' results. */
function expectSame(seed: number, shape: Case) {
  const { wasm, typescript } = runCase(seed, shape);
  const { n, inDim, outDim, density, draw } = shape;
  const name = `${n} samples, ${inDim} → ${outDim} at ${density}, ${JSON.stringify(draw)}`;
  expect(firstDifference(wasm.z, typescript.z), `forward with ReLU, ${name}`).toBe('none');
  expect(firstDifference(wasm.zLinear, typescript.zLinear), `forward, ${name}`).toBe('none');
  expect(firstDifference(wasm.gradient, typescript.gradient), `weight gradient, ${name}`).toBe(
    'none',
  );
  expect(firstDifference(wasm.dh, typescript.dh), `input gradient, ${name}`).toBe('none');
  return typescript;
}

const RELU: Draw = { zeros: 0.55, signed: false, wide: false };
const DRAWS: Draw[] = [
  RELU,
  { zeros: 0, signed: false, wide: false },
  { zeros: 1, signed: false, wide: false },
  { zeros: 0.3, signed: true, wide: false },
  { zeros: 0.5, signed: true, wide: true },
];
/** Fashion MNIST pixels in [0, 1], about half of them zero. */
const PIXELS: Draw = { zeros: 0.5, signed: false, wide: false };
const DENSITIES = [1, 0.5, 0.1, 0];

describe('wasm sparse kernels', () => {
  it('are the WebAssembly exports, not the TypeScript fallback', () => {
    const wasm = instantiateKernels(() => null);
    if (wasm === null) throw new Error('no WebAssembly SIMD');
    const { exports } = wasm.instance;
    expect(typeof exports.sparse_forward).toBe('function');
    expect(typeof exports.sparse_weight_gradient).toBe('function');
    expect(typeof exports.sparse_input_gradient).toBe('function');
    const kernels = wasmKernelSet(exports);
    expect(kernels.sparseForward).not.toBe(TYPESCRIPT_KERNELS.sparseForward);
    expect(kernels.sparseWeightGradient).not.toBe(TYPESCRIPT_KERNELS.sparseWeightGradient);
    expect(kernels.sparseInputGradient).not.toBe(TYPESCRIPT_KERNELS.sparseInputGradient);
  });

  // Every combination of the 20/16/8/4-sample blocks and a 1–3-sample tail, no samples at
  // all (the weight gradient is then +0), and every remainder of the 8/4/1 kept weights
  // of a neuron (a full row of up to 17 inputs keeps each count from 1 to 17).
  const samples = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15, 16, 17, 23, 31, 33, 36];
  const layers: [inDim: number, outDim: number][] = [
    [1, 1],
    [1, 4],
    [2, 3],
    [3, 1],
    [5, 6],
    [7, 2],
    [9, 5],
    [17, 3],
  ];
  for (const n of samples) {
    it(`${n} samples, layers from 1 → 1 to 17 → 3 at each density: bit-identical`, () => {
      let seed = 1;
      for (const [inDim, outDim] of layers) {
        for (const density of DENSITIES) {
          for (const draw of DRAWS) expectSame(seed++, { n, inDim, outDim, density, draw });
        }
      }
    });
  }

  // The thesis' masked layers: first layers over 784 pixels, then the second hidden layer.
  const thesis: [n: number, inDim: number, outDim: number, density: number, draw: Draw][] = [
    [60, 784, 300, 0.3136, PIXELS],
    [60, 784, 300, 0.0342, PIXELS],
    [60, 784, 102, 0.3324, PIXELS],
    [60, 784, 35, 0.3388, PIXELS],
    [60, 784, 12, 0.5, PIXELS],
    [60, 300, 100, 0.3136, RELU],
    [60, 300, 100, 0.0164, RELU],
    [60, 102, 34, 0.1119, RELU],
    [60, 35, 11, 0.3388, RELU],
    [60, 12, 4, 0.5, RELU],
    [250, 784, 35, 0.1688, PIXELS],
    [250, 300, 100, 0.1036, RELU],
    [61, 41, 19, 0.3, RELU],
  ];
  for (const [n, inDim, outDim, density, draw] of thesis) {
    it(`${n} samples, ${inDim} → ${outDim} at ${density}: bit-identical`, () => {
      const typescript = expectSame(1, { n, inDim, outDim, density, draw });
      expectSame(2, { n, inDim, outDim, density, draw: { zeros: 0.5, signed: true, wide: true } });
      // The ReLU passed some outputs and stopped others, and the gradients are not all zero.
      expect(typescript.z.some((value) => value > 0 && value !== STALE)).toBe(true);
      expect(typescript.z.some((value) => value === 0)).toBe(true);
      expect(typescript.gradient.some((value) => value !== 0 && value !== STALE)).toBe(true);
      expect(typescript.dh.some((value) => value !== 0 && value !== STALE)).toBe(true);
    });
  }
});
