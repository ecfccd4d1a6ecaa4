/**
 * The fused path's WebAssembly SIMD kernels (wasm/*.c, built into kernels-wasm.ts by
 * scripts/build-kernels.mjs): the module, compiled once per thread, and one instance per
 * network over that network's own memory. Each export computes exactly what its
 * TypeScript twin computes (wasm/kernels.h says how); pointers are byte offsets into the
 * instance's memory.
 */
import { Arena, ArenaPlan, type Allocator } from './arena.ts';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.ts';

/** The module's exports (pointer arguments are byte offsets; see wasm/*.c). */
export interface KernelExports {
  input_dense_forward(
    weights: number,
    bias: number,
    start: number,
    pixel: number,
    value: number,
    z: number,
    n: number,
    outDim: number,
  ): void;
  input_dense_weight_gradient(
    start: number,
    pixel: number,
    value: number,
    dz: number,
    gradient: number,
    n: number,
    inDim: number,
    outDim: number,
    pixelStart: number,
    pixelSample: number,
    pixelValue: number,
    transposed: number,
  ): void;
  sparse_forward(
    weights: number,
    start: number,
    index: number,
    bias: number,
    h: number,
    z: number,
    outDim: number,
    n: number,
    relu: number,
  ): void;
  sparse_weight_gradient(
    start: number,
    index: number,
    dz: number,
    h: number,
    gradient: number,
    outDim: number,
    n: number,
  ): void;
  sparse_input_gradient(
    weights: number,
    start: number,
    index: number,
    dz: number,
    h: number,
    dh: number,
    inDim: number,
    outDim: number,
    n: number,
  ): void;
  dense_forward(
    weights: number,
    bias: number,
    h: number,
    z: number,
    inDim: number,
    outDim: number,
    n: number,
    relu: number,
    activeIndex: number,
    activeValue: number,
  ): void;
  dense_weight_gradient(
    dz: number,
    h: number,
    gradient: number,
    inDim: number,
    outDim: number,
    n: number,
    activeIndex: number,
    activeValue: number,
  ): void;
  dense_input_gradient(
    weights: number,
    dz: number,
    h: number,
    dh: number,
    inDim: number,
    outDim: number,
    n: number,
    activeIndex: number,
  ): void;
  adam_update(
    parameters: number,
    gradient: number,
    moment1: number,
    moment2: number,
    length: number,
    stepSize: number,
    correction2: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
}

/** Every export the kernel set calls: a module built from other sources is refused. */
const KERNEL_EXPORT_NAMES: Record<keyof KernelExports, true> = {
  input_dense_forward: true,
  input_dense_weight_gradient: true,
  sparse_forward: true,
  sparse_weight_gradient: true,
  sparse_input_gradient: true,
  dense_forward: true,
  dense_weight_gradient: true,
  dense_input_gradient: true,
  adam_update: true,
};

/** The compiled module and where its stack and data end (the buffers start there). */
interface Compiled {
  readonly module: WebAssembly.Module;
  readonly heapBase: number;
}

let compiled: Compiled | null | undefined;

/**
 * The compiled module, or null where this engine has no WebAssembly SIMD (every Node and
 * Electron the lab supports has it; the TypeScript kernels are the fallback).
 */
function kernelModule(): Compiled | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
    if (WebAssembly.validate(bytes)) {
      const module = new WebAssembly.Module(bytes);
      // The stack (64 KiB: scripts/kernel-sources.mjs) and any data lie below __heap_base.
      const probe = new WebAssembly.Instance(module, {
        env: { memory: new WebAssembly.Memory({ initial: 16 }) },
      });
      const missing = Object.keys(KERNEL_EXPORT_NAMES).filter(
        (name) => typeof probe.exports[name] !== 'function',
      );
      if (missing.length > 0) {
        throw new Error(
          `the WebAssembly kernels lack ${missing.join(', ')}: rebuild them (npm run build:kernels)`,
        );
      }
      const heapBase = (probe.exports.__heap_base as WebAssembly.Global).value as number;
      compiled = { module, heapBase };
    } else {
      compiled = null;
    }
  }
  return compiled;
}

/** True when this engine runs the WebAssembly kernels. */
export function wasmKernelsAvailable(): boolean {
  return kernelModule() !== null;
}

const PAGE = 65536;

/** An instance of the kernels with its own memory, and the allocator over that memory. */
export interface KernelInstance {
  readonly exports: KernelExports;
  readonly allocator: Allocator;
}

/**
 * Instantiates the kernels over a memory just large enough for what `allocate` takes
 * (run once against a plan to count, then against the memory): returns the instance and
 * what `allocate` returned the second time. Null without WebAssembly SIMD.
 */
export function instantiateKernels<T>(
  allocate: (allocator: Allocator) => T,
): { instance: KernelInstance; buffers: T } | null {
  const kernels = kernelModule();
  if (kernels === null) return null;
  const { module, heapBase } = kernels;
  const plan = new ArenaPlan();
  allocate(plan);
  const pages = Math.ceil((heapBase + 16 + plan.bytes) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const wasm = new WebAssembly.Instance(module, { env: { memory } });
  const allocator = new Arena(memory.buffer, heapBase);
  const buffers = allocate(allocator);
  return {
    instance: { exports: wasm.exports as unknown as KernelExports, allocator },
    buffers,
  };
}
