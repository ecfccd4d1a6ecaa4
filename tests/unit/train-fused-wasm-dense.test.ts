/**
 * The WebAssembly kernels of dense layers after the first (wasm/dense.c) against their
 * TypeScript twins (dense-kernels.ts), bit for bit: the forward pass with and without
 * ReLU, the weight gradient and the input gradient. Every small shape from 1 to 9 wide in
 * each dimension (samples, inputs, outputs) runs, and batches of 10 to 25 and of 255 to
 * 513 samples, so that each block (12 and 4 samples, 8 inputs, 3 or 4 neurons), each
 * remainder and the weight gradient's 256-sample chunks run, besides the thesis' layers at
 * 60 and 250 samples. Activations come as a ReLU gives them (+0 at several shares, from
 * none to all) and with negative values and −0 too, with an all-zero sample and an
 * all-zero input neuron. Weights and output gradients have both signs and some exact
 * zeros; one variant spreads the values over 2^±30, so that sums cancel. Any change in the
 * order of summation changes the Float32 results (checked by reversing a kernel's loop).
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
  /** Activations of both signs, −0 among the zeros (else a ReLU's +0 and positives). */
  readonly signed: boolean;
  /** Magnitudes over 2^±30 (else within a factor of a few). */
  readonly wide: boolean;
}

function magnitude(random: Random, draw: Draw): number {
  return draw.wide ? 2 ** (random.nextInt(61) - 30) * (1 + random.nextFloat()) : random.nextFloat();
}

/** Values of both signs, a `zeros` share of them +0. */
function fill(values: Float32Array, random: Random, zeros: number, draw: Draw): void {
  for (let j = 0; j < values.length; j++) {
    const sign = random.nextFloat() < 0.5 ? -1 : 1;
    values[j] = random.nextFloat() < zeros ? 0 : sign * magnitude(random, draw);
  }
}

/** Feature-major activations [inDim][n]: sample 0 and input neuron 0 all zero when large enough. */
function activations(random: Random, n: number, inDim: number, draw: Draw): Float32Array {
  const h = new Float32Array(inDim * n);
  for (let j = 0; j < h.length; j++) {
    if (random.nextFloat() < draw.zeros) h[j] = draw.signed && random.nextFloat() < 0.3 ? -0 : 0;
    else h[j] = (draw.signed && random.nextFloat() < 0.4 ? -1 : 1) * magnitude(random, draw);
  }
  if (n > 2 && inDim > 2) {
    for (let i = 0; i < inDim; i++) h[i * n] = 0;
    h.fill(0, 0, n);
  }
  return h;
}

/** Runs both kernel sets on one random case; returns the two sets of results. */
function runCase(seed: number, n: number, inDim: number, outDim: number, draw: Draw) {
  const random = Random.create(seed, `test/wasm-dense/${n}/${inDim}/${outDim}`);
  const weights = new Float32Array(inDim * outDim);
  const bias = new Float32Array(outDim);
  const dz = new Float32Array(outDim * n);
  fill(weights, random, 0.05, draw);
  fill(bias, random, 0.1, draw);
  fill(dz, random, 0.1, draw);
  const h = activations(random, n, inDim, draw);
  const scratch = Math.max(n, inDim);

  const wasm = instantiateKernels((allocator) => ({
    weights: allocator.f32(weights.length),
    bias: allocator.f32(outDim),
    h: allocator.f32(h.length),
    z: allocator.f32(outDim * n),
    zLinear: allocator.f32(outDim * n),
    dz: allocator.f32(dz.length),
    gradient: allocator.f32(weights.length),
    dh: allocator.f32(h.length),
    activeIndex: allocator.i32(scratch),
    activeValue: allocator.f32(scratch),
  }));
  if (wasm === null) throw new Error('no WebAssembly SIMD');
  const kernels = wasmKernelSet(wasm.instance.exports);
  const memory = wasm.buffers;
  memory.weights.set(weights);
  memory.bias.set(bias);
  memory.h.set(h);
  memory.dz.set(dz);
  // Stale values in the outputs: the kernels must overwrite every entry.
  for (const output of [memory.z, memory.zLinear, memory.gradient, memory.dh]) output.fill(7);
  const { activeIndex, activeValue } = memory;
  kernels.denseForward(
    memory.weights,
    memory.bias,
    memory.h,
    memory.z,
    inDim,
    outDim,
    n,
    true,
    activeIndex,
    activeValue,
  );
  kernels.denseForward(
    memory.weights,
    memory.bias,
    memory.h,
    memory.zLinear,
    inDim,
    outDim,
    n,
    false,
    activeIndex,
    activeValue,
  );
  kernels.denseWeightGradient(
    memory.dz,
    memory.h,
    memory.gradient,
    inDim,
    outDim,
    n,
    activeIndex,
    activeValue,
  );
  kernels.denseInputGradient(
    memory.weights,
    memory.dz,
    memory.h,
    memory.dh,
    inDim,
    outDim,
    n,
    activeIndex,
  );

  const ts = TYPESCRIPT_KERNELS;
  const index = new Int32Array(scratch);
  const value = new Float32Array(scratch);
  const typescript = {
    z: new Float32Array(outDim * n),
    zLinear: new Float32Array(outDim * n),
    gradient: new Float32Array(weights.length),
    dh: new Float32Array(h.length),
  };
  ts.denseForward(weights, bias, h, typescript.z, inDim, outDim, n, true, index, value);
  ts.denseForward(weights, bias, h, typescript.zLinear, inDim, outDim, n, false, index, value);
  ts.denseWeightGradient(dz, h, typescript.gradient, inDim, outDim, n, index, value);
  ts.denseInputGradient(weights, dz, h, typescript.dh, inDim, outDim, n, index);
  return { wasm: memory, typescript };
}

function expectSame(seed: number, n: number, inDim: number, outDim: number, draw: Draw): void {
  const { wasm, typescript } = runCase(seed, n, inDim, outDim, draw);
  const shape = `${n} samples, ${inDim} → ${outDim}, ${JSON.stringify(draw)}`;
  expect(firstDifference(wasm.z, typescript.z), `forward with ReLU, ${shape}`).toBe('none');
  expect(firstDifference(wasm.zLinear, typescript.zLinear), `forward, ${shape}`).toBe('none');
  expect(firstDifference(wasm.gradient, typescript.gradient), `weight gradient, ${shape}`).toBe(
    'none',
  );
  expect(firstDifference(wasm.dh, typescript.dh), `input gradient, ${shape}`).toBe('none');
}

const RELU: Draw = { zeros: 0.55, signed: false, wide: false };
const DRAWS: Draw[] = [
  RELU,
  { zeros: 0, signed: false, wide: false },
  { zeros: 0.9, signed: false, wide: false },
  { zeros: 1, signed: false, wide: false },
  { zeros: 0.3, signed: true, wide: false },
  { zeros: 0.5, signed: true, wide: true },
];

describe('wasm dense kernels', () => {
  it('are the WebAssembly exports, not the TypeScript fallback', () => {
    const wasm = instantiateKernels(() => null);
    if (wasm === null) throw new Error('no WebAssembly SIMD');
    const { exports } = wasm.instance;
    expect(typeof exports.dense_forward).toBe('function');
    expect(typeof exports.dense_weight_gradient).toBe('function');
    expect(typeof exports.dense_input_gradient).toBe('function');
    const kernels = wasmKernelSet(exports);
    expect(kernels.denseForward).not.toBe(TYPESCRIPT_KERNELS.denseForward);
    expect(kernels.denseWeightGradient).not.toBe(TYPESCRIPT_KERNELS.denseWeightGradient);
    expect(kernels.denseInputGradient).not.toBe(TYPESCRIPT_KERNELS.denseInputGradient);
  });

  const small = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (const n of small) {
    it(`${n} samples, every width 1–9 in and out: bit-identical`, () => {
      let seed = 1;
      for (const inDim of small) {
        for (const outDim of small) {
          for (const draw of DRAWS) expectSame(seed++, n, inDim, outDim, draw);
        }
      }
    });
  }

  it('no samples: the weight gradient is all +0, as the twin leaves it', () => {
    for (const [inDim, outDim] of [
      [1, 1],
      [9, 7],
      [13, 10],
    ]) {
      expectSame(1, 0, inDim, outDim, RELU);
      const { wasm } = runCase(1, 0, inDim, outDim, RELU);
      expect(wasm.gradient.every((value) => Object.is(value, 0))).toBe(true);
    }
  });

  it('batches of 10 to 25 samples (every remainder after the 12-sample blocks): bit-identical', () => {
    for (let n = 10; n <= 25; n++) {
      for (const draw of DRAWS) expectSame(n, n, 13, 11, draw);
    }
  });

  it("batches beyond the weight gradient's 256-sample chunk: bit-identical", () => {
    for (const n of [255, 256, 257, 300, 513]) {
      for (const draw of DRAWS) expectSame(n, n, 9, 7, draw);
    }
  });

  const shapes: [n: number, inDim: number, outDim: number][] = [
    [60, 300, 100],
    [60, 102, 34],
    [60, 35, 11],
    [60, 12, 4],
    [60, 100, 10],
    [60, 34, 10],
    [60, 11, 10],
    [60, 4, 10],
    [250, 300, 100],
    [250, 35, 11],
    [250, 4, 10],
    [61, 13, 17],
    [13, 17, 13],
    [10, 33, 19],
  ];
  for (const [n, inDim, outDim] of shapes) {
    it(`${n} samples, ${inDim} → ${outDim}: bit-identical`, () => {
      for (let seed = 1; seed <= 2; seed++) {
        for (const draw of DRAWS)
          expectSame(seed * 10 + DRAWS.indexOf(draw), n, inDim, outDim, draw);
      }
      // The ReLU passed some outputs and stopped others, so both branches ran.
      const { typescript } = runCase(3, n, inDim, outDim, RELU);
      expect(typescript.z.some((value) => value > 0)).toBe(true);
      expect(typescript.z.some((value) => value === 0)).toBe(true);
      expect(typescript.dh.some((value) => value !== 0)).toBe(true);
    });
  }
});
