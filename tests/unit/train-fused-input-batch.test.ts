/**
 * The fused path's input batches: a byte split's cached non-zero lists (non-zero-pixels.ts)
 * give exactly the batch the same images give as plain float rows (the path without a
 * cache), in both forms, for rows in any order, all-zero images, and repeated rows; and
 * the cache is built once per split.
 */
import { describe, expect, it } from 'vitest';
import { BYTE_TO_UNIT, type DatasetSplit } from '../../src-main/data/dataset.ts';
import { InputBatch } from '../../src-main/train/fused/input-batch.ts';
import { nonZeroPixels } from '../../src-main/train/fused/non-zero-pixels.ts';
import { Random } from '../../src-shared/model/random.ts';

const INPUT = 9;
const IMAGES = 7;

/** Image 2 all zeros, image 5 without zeros, pixel 0 always zero, others ~half zeros. */
function images(): { bytes: DatasetSplit; floats: DatasetSplit } {
  const random = Random.create(4, 'test/input-batch');
  const pixels = new Uint8Array(IMAGES * INPUT);
  for (let r = 0; r < IMAGES; r++) {
    for (let d = 0; d < INPUT; d++) {
      if (r === 2 || (r !== 5 && (d === 0 || random.nextFloat() < 0.5))) continue;
      pixels[r * INPUT + d] = 1 + random.nextInt(255);
    }
  }
  const y = new Uint8Array(IMAGES);
  const x = Float32Array.from(pixels, (byte) => BYTE_TO_UNIT[byte]);
  return { bytes: { count: IMAGES, x, y, pixels }, floats: { count: IMAGES, x, y } };
}

describe('fused input batches from the non-zero cache', () => {
  const { bytes, floats } = images();
  const rows = Uint32Array.from([5, 2, 0, 6, 5, 3]);

  it('lists each image’s non-zero pixels, ascending, with their bytes, once per split', () => {
    const cached = nonZeroPixels(bytes, INPUT)!;
    expect(nonZeroPixels(bytes, INPUT)).toBe(cached);
    expect(nonZeroPixels(floats, INPUT)).toBeNull();
    for (let r = 0; r < IMAGES; r++) {
      const expected: [number, number][] = [];
      for (let d = 0; d < INPUT; d++) {
        const byte = bytes.pixels![r * INPUT + d];
        if (byte !== 0) expected.push([d, byte]);
      }
      const actual: [number, number][] = [];
      for (let k = cached.start[r]; k < cached.start[r + 1]; k++)
        actual.push([cached.pixel[k], cached.byte[k]]);
      expect(actual).toStrictEqual(expected);
    }
    expect(cached.start[2]).toBe(cached.start[3]);
    expect(cached.start[6] - cached.start[5]).toBe(INPUT);
  });

  it('builds the same non-zero batch as the float rows', () => {
    const fromCache = new InputBatch('non-zero', 8, INPUT);
    const fromFloats = new InputBatch('non-zero', 8, INPUT);
    // A larger batch first, so stale entries would show if the smaller one left them.
    fromCache.load(bytes, Uint32Array.from([5, 5, 5, 5, 5, 5, 5, 5]), 8);
    fromCache.load(bytes, rows, rows.length);
    fromFloats.load(floats, rows, rows.length);
    const entries = fromFloats.sampleStart[rows.length];
    expect(fromCache.count).toBe(rows.length);
    expect(fromCache.sampleStart.subarray(0, rows.length + 1)).toStrictEqual(
      fromFloats.sampleStart.subarray(0, rows.length + 1),
    );
    expect(fromCache.samplePixel.subarray(0, entries)).toStrictEqual(
      fromFloats.samplePixel.subarray(0, entries),
    );
    expect(fromCache.sampleValue.subarray(0, entries)).toStrictEqual(
      fromFloats.sampleValue.subarray(0, entries),
    );
  });

  it('lays out a feature-major batch of 8-image blocks and a remainder pixel by pixel', () => {
    // 11 rows: one block of eight images, then three one at a time; rows repeat.
    const many = Uint32Array.from([6, 0, 5, 2, 1, 4, 3, 5, 6, 0, 2]);
    for (const split of [bytes, floats]) {
      const batch = new InputBatch('feature-major', 16, INPUT);
      batch.load(split, many, many.length);
      for (let b = 0; b < many.length; b++) {
        for (let d = 0; d < INPUT; d++) {
          const expected = BYTE_TO_UNIT[bytes.pixels![many[b] * INPUT + d]];
          expect(Object.is(batch.featureMajor[d * many.length + b], expected)).toBe(true);
        }
      }
    }
  });

  it('builds the same feature-major batch as the float rows (+0 at every zero pixel)', () => {
    const fromCache = new InputBatch('feature-major', 8, INPUT);
    const fromFloats = new InputBatch('feature-major', 8, INPUT);
    fromCache.load(bytes, Uint32Array.from([5, 5, 5, 5, 5, 5, 5, 5]), 8);
    fromCache.load(bytes, rows, rows.length);
    fromFloats.load(floats, rows, rows.length);
    const size = rows.length * INPUT;
    const cached = fromCache.featureMajor.subarray(0, size);
    expect(cached).toStrictEqual(fromFloats.featureMajor.subarray(0, size));
    expect(cached.every((value) => !Object.is(value, -0))).toBe(true);
    // Image 2 (the second row) is all zeros: every one of its pixels reads +0.
    for (let d = 0; d < INPUT; d++) expect(Object.is(cached[d * rows.length + 1], 0)).toBe(true);
  });
});
