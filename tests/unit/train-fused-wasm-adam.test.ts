/**
 * The WebAssembly Adam update (wasm/adam.c) against its TypeScript twin (adam.ts), bit for
 * bit: parameters and both moments after several chained steps (each step's moments feed
 * the next, bias corrections of steps 1 to 6), on arrays of every length 1 to 9 (the
 * four-wide block and its remainders), odd lengths and a first layer's 784 × 300 weights.
 * Gradients have both signs, exact zeros and magnitudes over 2^±20, so the moments' Float32
 * rounding, the square root and both divisions all show in the results.
 */
import { describe, expect, it } from 'vitest';
import { adamCorrections } from '../../src-main/train/fused/adam.ts';
import { TYPESCRIPT_KERNELS, wasmKernelSet } from '../../src-main/train/fused/kernel-set.ts';
import { instantiateKernels } from '../../src-main/train/fused/wasm-kernels.ts';
import { Random } from '../../src-shared/model/random.ts';
import { firstDifference } from './wasm-kernel-support.ts';

/** Both signs, a `zeros` share exactly +0, magnitudes 2^-20 to 2^20 times `scale`. */
function fill(values: Float32Array, random: Random, zeros: number, scale: number): void {
  for (let j = 0; j < values.length; j++) {
    const sign = random.nextFloat() < 0.5 ? -1 : 1;
    const size = scale * 2 ** (random.nextFloat() * 40 - 20);
    values[j] = random.nextFloat() < zeros ? 0 : sign * size;
  }
}

/** `steps` chained Adam steps from the same start on both kernel sets; returns both states. */
function runSteps(seed: number, length: number, steps: number, learningRate: number) {
  const random = Random.create(seed, `test/wasm-adam/${length}`);
  const parameters = new Float32Array(length);
  fill(parameters, random, 0.05, 0.1);
  const gradients = Array.from({ length: steps }, () => {
    const gradient = new Float32Array(length);
    fill(gradient, random, 0.2, 1e-3);
    return gradient;
  });

  const wasm = instantiateKernels((allocator) => ({
    parameters: allocator.f32(length),
    gradient: allocator.f32(length),
    moment1: allocator.f32(length),
    moment2: allocator.f32(length),
  }));
  if (wasm === null) throw new Error('no WebAssembly SIMD');
  const kernels = wasmKernelSet(wasm.instance.exports);
  const memory = wasm.buffers;
  memory.parameters.set(parameters);
  const typescript = {
    parameters,
    moment1: new Float32Array(length),
    moment2: new Float32Array(length),
  };
  for (let t = 1; t <= steps; t++) {
    const { stepSize, correction2 } = adamCorrections(learningRate, t);
    memory.gradient.set(gradients[t - 1]);
    kernels.adamUpdate(
      memory.parameters,
      memory.gradient,
      memory.moment1,
      memory.moment2,
      stepSize,
      correction2,
    );
    TYPESCRIPT_KERNELS.adamUpdate(
      typescript.parameters,
      gradients[t - 1],
      typescript.moment1,
      typescript.moment2,
      stepSize,
      correction2,
    );
  }
  return { wasm: memory, typescript };
}

describe('wasm Adam update', () => {
  it('is the WebAssembly export, not the TypeScript fallback', () => {
    const wasm = instantiateKernels(() => null);
    if (wasm === null) throw new Error('no WebAssembly SIMD');
    expect(typeof wasm.instance.exports.adam_update).toBe('function');
    expect(wasmKernelSet(wasm.instance.exports).adamUpdate).not.toBe(TYPESCRIPT_KERNELS.adamUpdate);
  });

  const lengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 100, 1001, 784 * 300];
  for (const length of lengths) {
    it(`${length} parameters, 6 chained steps: parameters and moments bit-identical`, () => {
      for (const [seed, learningRate] of [
        [1, 1e-3],
        [2, 0.05],
        [3, 1.5e-4],
      ] as const) {
        const { wasm, typescript } = runSteps(seed, length, 6, learningRate);
        const what = `${length} parameters, seed ${seed}`;
        expect(firstDifference(wasm.parameters, typescript.parameters), what).toBe('none');
        expect(firstDifference(wasm.moment1, typescript.moment1), what).toBe('none');
        expect(firstDifference(wasm.moment2, typescript.moment2), what).toBe('none');
        // The update ran: the second moments grew from zero.
        expect(typescript.moment2.some((value) => value > 0)).toBe(true);
      }
    });
  }
});
