/**
 * Shared by the tests that hold the fused path's WebAssembly kernels to their TypeScript
 * twins (tests/unit/train-fused-wasm-*.test.ts).
 */

/**
 * The first index where two Float32 arrays' bits differ ("none" when every bit agrees):
 * compared as Uint32, so −0 differs from +0 and NaN payloads count, and a failure names
 * the entry.
 */
export function firstDifference(actual: Float32Array, expected: Float32Array): string {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let j = 0; j < a.length; j++) {
    if (a[j] !== b[j]) return `at ${j}: ${actual[j]} instead of ${expected[j]}`;
  }
  return 'none';
}
