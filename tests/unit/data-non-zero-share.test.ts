/** A split's share of non-zero inputs (src-main/data/non-zero-share.ts), from bytes or floats. */
import { describe, expect, it } from 'vitest';
import { BYTE_TO_UNIT } from '../../src-main/data/dataset.ts';
import { nonZeroShare } from '../../src-main/data/non-zero-share.ts';

describe('nonZeroShare', () => {
  it('counts the non-zero values of byte images over count × inputDim', () => {
    const pixels = Uint8Array.from([0, 0, 255, 1, 0, 0, 0, 7]);
    const split = { count: 2, x: new Float32Array(0), y: new Uint8Array(2), pixels };
    expect(nonZeroShare(split, 4)).toBe(3 / 8);
    // Bytes past count × inputDim are not the split's.
    expect(nonZeroShare({ ...split, count: 1 }, 4)).toBe(2 / 4);
  });

  it('agrees with the floats the bytes decode to', () => {
    const pixels = Uint8Array.from({ length: 600 }, (_, i) =>
      (i * 37) % 5 === 0 ? 0 : (i * 11) % 256,
    );
    const x = Float32Array.from(pixels, (byte) => BYTE_TO_UNIT[byte]);
    const bytes = nonZeroShare(
      { count: 20, x: new Float32Array(0), y: new Uint8Array(20), pixels },
      30,
    );
    const floats = nonZeroShare({ count: 20, x, y: new Uint8Array(20) }, 30);
    expect(bytes).toBe(floats);
    expect(floats).toBe(x.filter((value) => value !== 0).length / 600);
  });

  it('counts standardised (negative) values as non-zero, and an empty split as 1', () => {
    const x = Float32Array.from([-0.4, 0, 1.2, -0, 0.1, 0]);
    expect(nonZeroShare({ count: 3, x, y: new Uint8Array(3) }, 2)).toBe(3 / 6);
    expect(nonZeroShare({ count: 0, x: new Float32Array(0), y: new Uint8Array(0) }, 784)).toBe(1);
  });
});
