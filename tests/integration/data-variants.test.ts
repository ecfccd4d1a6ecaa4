import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src-main/data/dataset.ts';
import { decodeCache, encodeCache, readCacheMeta } from '../../src-main/data/cache.ts';
import {
  BUILT_IN_DATASET_IDS,
  builtInFacts,
  DatasetRegistry,
  STANDARDISATION_RULE,
} from '../../src-main/data/registry.ts';
import { standardise } from '../../src-main/data/standardise.ts';
import { generateXor } from '../../src-main/data/xor.ts';

describe('standardised variant (appendix A.3)', () => {
  const base: Dataset = {
    id: 'toy',
    name: 'Toy',
    inputDim: 3,
    classCount: 2,
    classNames: ['a', 'b'],
    // Column 0 varies, column 1 is constant 0.5 (zero variance), column 2 varies.
    train: {
      count: 4,
      x: Float32Array.from([0, 0.5, 1, 1, 0.5, 1, 0, 0.5, 0, 1, 0.5, 0]),
      y: Uint8Array.from([0, 1, 0, 1]),
    },
    test: { count: 1, x: Float32Array.from([0.5, 0.75, 1]), y: Uint8Array.from([1]) },
    inputBox: { low: 0, high: 1 },
    source: 'test',
  };

  it('gives the training split mean 0 and std 1 per dimension, and divides constant pixels by 1', () => {
    const std = standardise(base);
    expect(std.id).toBe('toy-std');
    expect(Array.from(std.standardisation!.mean)).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(std.standardisation!.std)).toEqual([0.5, 1, 0.5]);
    expect(Array.from(std.train.x)).toEqual([-1, 0, 1, 1, 0, 1, -1, 0, -1, 1, 0, -1]);
    // The test split uses the training statistics.
    expect(Array.from(std.test.x)).toEqual([0, 0.25, 1]);
    // Per-dimension box: [0, 1] maps to [(0 − m)/s, (1 − m)/s]; the hull covers them all.
    expect(Array.from(std.inputBounds!.low)).toEqual([-1, -0.5, -1]);
    expect(Array.from(std.inputBounds!.high)).toEqual([1, 0.5, 1]);
    expect(std.inputBox).toEqual({ low: -1, high: 1 });
  });
});

describe('XOR with outliers', () => {
  it('is a function of its seed', () => {
    const a = generateXor({ seed: 9 });
    const b = generateXor({ seed: 9 });
    const c = generateXor({ seed: 10 });
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.test.y)).toEqual(Array.from(b.test.y));
    expect(Array.from(a.train.x)).not.toEqual(Array.from(c.train.x));
  });
  it('labels by quadrant with exactly 5 % flipped', () => {
    const data = generateXor({ seed: 1, trainCount: 2000, testCount: 1000 });
    for (const [split, expected] of [
      [data.train, 100],
      [data.test, 50],
    ] as const) {
      let flipped = 0;
      for (let i = 0; i < split.count; i++) {
        const clean = split.x[2 * i] > 0 !== split.x[2 * i + 1] > 0 ? 1 : 0;
        if (split.y[i] !== clean) flipped++;
        expect(Math.abs(split.x[2 * i])).toBeLessThanOrEqual(1);
      }
      expect(flipped).toBe(expected);
    }
    expect(data.inputBox).toEqual({ low: -1, high: 1 });
    expect(() => generateXor({ outlierFraction: 0.5 })).toThrow(
      'xor outlierFraction must be in [0, 0.5), got 0.5',
    );
  });
});

describe('Digit MNIST through the registry', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-mnist-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads the official split, caches it, and derives the standardised variant', () => {
    const registry = new DatasetRegistry(root);
    // Before anything is loaded, the listing already tells the documented facts.
    const listed = new Map(registry.list().map((entry) => [entry.id, entry]));
    for (const id of BUILT_IN_DATASET_IDS) expect(listed.get(id)).toMatchObject(builtInFacts(id));
    expect(listed.get('fashion')).toMatchObject({ trainCount: 59_956, testCount: 9_989 });
    expect(listed.get('mnist-std')).toMatchObject({ trainCount: 60_000, testCount: 10_000 });
    const first = registry.loadTimed('mnist', { memoise: false });
    expect(first.cache).toBe('built');
    const mnist = first.dataset;
    expect([mnist.train.count, mnist.test.count, mnist.inputDim, mnist.classCount]).toEqual([
      60_000, 10_000, 784, 10,
    ]);
    expect(Array.from(mnist.train.y.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(mnist.test.y.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const second = registry.loadTimed('mnist', { memoise: false });
    expect(second.cache).toBe('hit');
    expect(Array.from(second.dataset.test.x.subarray(150, 160))).toEqual(
      Array.from(mnist.test.x.subarray(150, 160)),
    );

    const built = registry.loadTimed('mnist-std', { memoise: false });
    expect(built.cache).toBe('built');
    const std = built.dataset;
    expect(std.inputBounds).toBeDefined();
    expect(std.inputBox).toEqual(builtInFacts('mnist-std').inputBox);
    // The cached variant is the derived one, bit for bit, statistics and bounds included.
    const hit = registry.loadTimed('mnist-std', { memoise: false });
    expect(hit.cache).toBe('hit');
    const derived = standardise(mnist);
    for (const [cached, fresh] of [
      [hit.dataset.train.x, derived.train.x],
      [hit.dataset.test.x, derived.test.x],
      [hit.dataset.inputBounds!.low, derived.inputBounds!.low],
      [hit.dataset.inputBounds!.high, derived.inputBounds!.high],
      [hit.dataset.standardisation!.mean, derived.standardisation!.mean],
      [hit.dataset.standardisation!.std, derived.standardisation!.std],
    ]) {
      const bytes = (array: Float32Array) =>
        Buffer.from(array.buffer, array.byteOffset, array.byteLength);
      expect(bytes(cached).equals(bytes(fresh))).toBe(true);
    }
    expect(Array.from(hit.dataset.test.y)).toEqual(Array.from(mnist.test.y));
    expect(hit.dataset.inputBox).toEqual(derived.inputBox);
    expect(hit.dataset.source).toBe(derived.source);
    console.log(
      `mnist-std: derived and cached ${built.milliseconds.toFixed(0)} ms, cache hit ${hit.milliseconds.toFixed(0)} ms`,
    );
    expect(readCacheMeta(registry.cachePath('mnist-std'))).toMatchObject({
      inputBox: derived.inputBox,
      trainCount: 60_000,
      testCount: 10_000,
      sourceKey: expect.stringContaining(STANDARDISATION_RULE),
    });
    // Column 350 (centre of the image): mean ≈ 0, std ≈ 1 over the training split.
    let sum = 0;
    let squares = 0;
    for (let row = 0; row < std.train.count; row++) {
      const v = std.train.x[row * 784 + 350];
      sum += v;
      squares += v * v;
    }
    expect(Math.abs(sum / std.train.count)).toBeLessThan(1e-4);
    expect(Math.abs(squares / std.train.count - 1)).toBeLessThan(1e-4);
    const entries = registry.list();
    expect(entries.find((e) => e.id === 'mnist')).toMatchObject({
      trainCount: 60_000,
      testCount: 10_000,
    });
    expect(entries.find((e) => e.id === 'mnist-std')).toMatchObject({
      inputBox: derived.inputBox,
    });
  });

  it('rebuilds the standardised cache when the base cache changes', () => {
    const registry = new DatasetRegistry(root);
    const path = registry.cachePath('mnist');
    const base = decodeCache(readFileSync(path));
    // Same pixels, other metadata: a different base cache checksum.
    writeFileSync(
      path,
      encodeCache({ ...base, meta: { ...base.meta, notes: { ...base.meta.notes, edited: 1 } } }),
    );
    const rebuilt = registry.loadTimed('mnist-std', { memoise: false });
    expect(rebuilt.cache).toBe('rebuilt');
    expect(rebuilt.reason).toMatch(
      /^built from '.*crc32 [0-9a-f]{8}', expected '.*crc32 [0-9a-f]{8}'$/,
    );
    expect(registry.loadTimed('mnist-std', { memoise: false }).cache).toBe('hit');
  });
});
