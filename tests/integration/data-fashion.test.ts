import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FASHION_CLASS_NAMES,
  readFashionClass,
  splitFashion,
} from '../../src-main/data/builtin.ts';
import { decodeCache } from '../../src-main/data/cache.ts';
import { builtInFacts, DatasetRegistry } from '../../src-main/data/registry.ts';

/** A class of 7,000 distinct images (1,000 test then 6,000 train), tagged by class and index. */
function syntheticClass(label: number): Uint8Array[] {
  return Array.from({ length: 7000 }, (_, index) => {
    const image = new Uint8Array(784);
    image[0] = label;
    image[1] = index & 255;
    image[2] = index >> 8;
    image[3] = 1;
    return image;
  });
}

describe('Fashion MNIST split and deduplication', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-fashion-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('applies the documented rule to planted duplicates', () => {
    const classes = [syntheticClass(0), syntheticClass(1)];
    classes[0][1500] = classes[0][1200]; // train duplicate: keep 1200, drop 1500
    classes[0][10] = classes[0][2000]; // test image also in train: dropped from test
    classes[1][20] = classes[1][5]; // test duplicate: keep 5, drop 20
    classes[1][3000] = classes[0][7]; // same image, two labels: both dropped
    const split = splitFashion(classes);
    expect(split.report).toEqual({
      droppedAmbiguous: 2,
      droppedTrainDuplicates: 1,
      droppedTestDuplicates: 1,
      droppedTestInTrain: 1,
    });
    expect(split.trainY.length).toBe(12000 - 1 - 1);
    expect(split.testY.length).toBe(2000 - 1 - 1 - 1);
    // Interleaved by class: 0, 1, 0, 1, …
    expect(Array.from(split.testY.subarray(0, 6))).toEqual([0, 1, 0, 1, 0, 1]);
    // Deterministic.
    const again = splitFashion(classes);
    expect(crc32(again.trainX)).toBe(crc32(split.trainX));
    expect(crc32(again.testY)).toBe(crc32(split.testY));
  });

  it('checks the class files', () => {
    const path = join(root, 'c.json');
    writeFileSync(path, JSON.stringify({ data: [[...new Array(784).fill(0)], []] }));
    expect(() => readFashionClass(path, 'c.json')).toThrow(
      'c.json: empty row 1 after 1 images, not at a block boundary',
    );
    writeFileSync(path, JSON.stringify({ data: [[1, 2, 3]] }));
    expect(() => readFashionClass(path, 'c.json')).toThrow(
      'c.json: row 0 has 3 values, expected 784',
    );
    writeFileSync(path, JSON.stringify({ data: [[...new Array(783).fill(0), 256]] }));
    expect(() => readFashionClass(path, 'c.json')).toThrow(
      'c.json: row 0, pixel 783: 256 is not an integer in 0–255',
    );
    writeFileSync(path, JSON.stringify({ data: [[...new Array(784).fill(0)]] }));
    expect(() => readFashionClass(path, 'c.json')).toThrow('c.json: 1 images, expected 7000');
    writeFileSync(path, '{"data": [');
    expect(() => readFashionClass(path, 'c.json')).toThrow(/c\.json: cannot read or parse/);
  });

  it('builds the real package into the documented, reproducible split', () => {
    const registry = new DatasetRegistry(root);
    const { dataset, cache } = registry.loadTimed('fashion');
    expect(cache).toBe('built');
    expect(dataset.classNames).toEqual([...FASHION_CLASS_NAMES]);
    expect(dataset.train.count).toBe(59_956);
    expect(dataset.test.count).toBe(9_989);
    const data = decodeCache(readFileSync(registry.cachePath('fashion')));
    expect(data.meta.notes).toEqual({
      droppedAmbiguous: 2,
      droppedTrainDuplicates: 43,
      droppedTestDuplicates: 1,
      droppedTestInTrain: 9,
    });
    // Golden checksums of the split: any change to the rule or the order shows here.
    expect([crc32(data.trainX), crc32(data.trainY), crc32(data.testX), crc32(data.testY)]).toEqual([
      2385294162, 1010853257, 646631585, 740943618,
    ]);
    // Pixels are integers 0–255 scaled to [0, 1]; no image repeats across or within splits.
    const seen = new Set<string>();
    for (const x of [data.trainX, data.testX]) {
      for (let row = 0; row < x.length / 784; row++) {
        const key = Buffer.from(x.buffer, x.byteOffset + row * 784, 784).toString('latin1');
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    }
    registry.forget();
    // Read back from the cache (not parsed again), the same data as built.
    const hit = registry.loadTimed('fashion');
    expect(hit.cache).toBe('hit');
    for (const split of ['train', 'test'] as const) {
      expect(hit.dataset[split].count).toBe(dataset[split].count);
      expect(Buffer.from(hit.dataset[split].y).equals(Buffer.from(dataset[split].y))).toBe(true);
      const [after, before] = [hit.dataset[split].x, dataset[split].x];
      const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
      expect(bytes(after).equals(bytes(before))).toBe(true);
    }
  });

  it('lists the documented facts of fashion-std, and derives the same box', () => {
    const registry = new DatasetRegistry(root);
    const std = registry.loadTimed('fashion-std', { memoise: false });
    expect(std.cache).toBe('built');
    expect(std.dataset.inputBox).toEqual(builtInFacts('fashion-std').inputBox);
    expect([std.dataset.train.count, std.dataset.test.count]).toEqual([59_956, 9_989]);
    expect(registry.loadTimed('fashion-std', { memoise: false }).cache).toBe('hit');
  });
});
