/**
 * The committed WebAssembly kernels (src-main/train/fused/kernels-wasm.ts) were built from
 * the kernel sources as they are: the module records the SHA-256 of the sources and flags
 * scripts/build-kernels.mjs compiled, and a source edited without `npm run build:kernels`
 * changes the hash here. The module also loads and exports every kernel the set expects.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KERNELS_SOURCE_SHA256 } from '../../src-main/train/fused/kernels-wasm.ts';
import { wasmKernelsAvailable } from '../../src-main/train/fused/wasm-kernels.ts';
// @ts-expect-error: a plain .mjs build helper without type declarations
import { kernelSourceHash, kernelSources } from '../../scripts/kernel-sources.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the WebAssembly kernels', () => {
  it('were built from the committed sources and flags', () => {
    const sources = kernelSources(root) as { name: string }[];
    expect(sources.map((source) => source.name)).toContain('kernels.h');
    expect(KERNELS_SOURCE_SHA256, 'run `npm run build:kernels`').toBe(kernelSourceHash(sources));
  });

  it('load on this engine (WebAssembly SIMD)', () => {
    expect(wasmKernelsAvailable()).toBe(true);
  });
});
