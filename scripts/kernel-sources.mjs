// The fused trainer's WebAssembly kernel sources and how they are compiled: shared by
// scripts/build-kernels.mjs, which builds them, and the test that checks the committed
// module was built from the sources as they are.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * clang's flags: wasm32 with SIMD, no libc, the linear memory imported (each network
 * brings its own, arena.ts), only the kernels' export_name functions exported. Strict
 * IEEE arithmetic is clang's default (no -ffast-math; simd128 has no fused multiply-add).
 */
export const KERNEL_FLAGS = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-nostdlib',
  '-std=c11',
  // No libc to call: loops stay loops (no memset/memcpy calls of the compiler's own).
  '-fno-builtin',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--strip-all',
  // The stack (a kernel's few local arrays) first, in the imported memory's first 64 KiB;
  // the arena allocates from __heap_base on.
  '-Wl,--stack-first',
  '-Wl,-z,stack-size=65536',
  '-Wl,--export=__heap_base',
];

/** The kernel sources (src-main/train/fused/wasm/*.c and *.h), sorted by name. */
export function kernelSources(root) {
  const folder = join(root, 'src-main/train/fused/wasm');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.c') || name.endsWith('.h'))
    .sort()
    .map((name) => ({ name, path: join(folder, name), text: readFileSync(join(folder, name)) }));
}

/** SHA-256 over the flags and every source's name and bytes. */
export function kernelSourceHash(sources) {
  const hash = createHash('sha256');
  hash.update(KERNEL_FLAGS.join(' '));
  for (const source of sources) {
    hash.update(`\0${source.name}\0`);
    hash.update(source.text);
  }
  return hash.digest('hex');
}
