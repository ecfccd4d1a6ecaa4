import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeCache,
  encodeCache,
  loadThroughCache,
  readCacheMeta,
  type CachedData,
} from '../../src-main/data/cache.ts';

function sample(pixelType: 'u8' | 'f32', sourceKey = 'test:1'): CachedData {
  const make = (n: number) =>
    pixelType === 'u8'
      ? Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255)
      : Float32Array.from({ length: n }, (_, i) => i / 3 - 1);
  return {
    meta: {
      id: 'tiny',
      name: 'Tiny',
      sourceKey,
      source: 'test',
      inputDim: 3,
      classCount: 2,
      classNames: ['a', 'b'],
      inputBox: { low: 0, high: 1 },
      pixelType,
      trainCount: 5,
      testCount: 2,
    },
    trainX: make(15),
    trainY: Uint8Array.from([0, 1, 1, 0, 1]),
    testX: make(6),
    testY: Uint8Array.from([1, 0]),
  };
}

describe('dataset cache', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(['u8', 'f32'] as const)('round-trips %s data exactly', (type) => {
    const data = sample(type);
    const decoded = decodeCache(encodeCache(data));
    expect(decoded.meta).toEqual(data.meta);
    expect(Array.from(decoded.trainX)).toEqual(Array.from(data.trainX));
    expect(Array.from(decoded.testX)).toEqual(Array.from(data.testX));
    expect(Array.from(decoded.trainY)).toEqual(Array.from(data.trainY));
    expect(decoded.trainX.constructor).toBe(data.trainX.constructor);
  });

  it('detects corruption of every kind', () => {
    const file = encodeCache(sample('u8'));
    const flipped = file.slice();
    flipped[file.length - 3] ^= 1;
    expect(() => decodeCache(flipped)).toThrow('checksum mismatch');
    expect(() => decodeCache(file.subarray(0, file.length - 8))).toThrow(
      /truncated or padded: header says \d+ bytes, file has \d+/,
    );
    expect(() => decodeCache(file.subarray(0, 10))).toThrow(
      'truncated: 10 bytes, the header alone is 24',
    );
    const wrongMagic = file.slice();
    wrongMagic[0] = 0x41;
    expect(() => decodeCache(wrongMagic)).toThrow('wrong magic: not an MBH Lab dataset cache');
    const wrongVersion = file.slice();
    wrongVersion[8] = 99;
    expect(() => decodeCache(wrongVersion)).toThrow('format version 99, this build reads 1');
  });

  it('builds once, hits after, and rebuilds a corrupt, partial or stale file', () => {
    const path = join(root, 'datasets', 'tiny.bin');
    let builds = 0;
    const build =
      (key = 'test:1') =>
      () => {
        builds++;
        return sample('u8', key);
      };
    expect(loadThroughCache(path, 'test:1', build()).outcome).toBe('built');
    expect(loadThroughCache(path, 'test:1', build()).outcome).toBe('hit');
    expect(builds).toBe(1);
    expect(readCacheMeta(path)).toEqual(sample('u8').meta);

    const bytes = readFileSync(path);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(path, bytes);
    const corrupt = loadThroughCache(path, 'test:1', build());
    expect(corrupt).toMatchObject({ outcome: 'rebuilt', reason: 'checksum mismatch' });

    truncateSync(path, 40);
    expect(() => readCacheMeta(path)).toThrow('truncated or padded');
    expect(loadThroughCache(path, 'test:1', build())).toMatchObject({
      outcome: 'rebuilt',
      reason: expect.stringMatching(/^truncated/),
    });

    expect(loadThroughCache(path, 'test:2', build('test:2'))).toMatchObject({
      outcome: 'rebuilt',
      reason: "built from 'test:1', expected 'test:2'",
    });
    expect(loadThroughCache(path, 'test:2', build('test:2')).outcome).toBe('hit');
    expect(builds).toBe(4);
    // Only the cache itself: no temporary files left by the atomic writes.
    expect(readdirSync(join(root, 'datasets'))).toEqual(['tiny.bin']);
  });

  it('does not write anything when the build fails', () => {
    const path = join(root, 'failing', 'x.bin');
    expect(() =>
      loadThroughCache(path, 'k', () => {
        throw new Error('source missing');
      }),
    ).toThrow('source missing');
    expect(() => readdirSync(join(root, 'failing'))).toThrow();
  });
});
