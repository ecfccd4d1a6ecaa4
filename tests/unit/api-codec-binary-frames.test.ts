import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodeMessage,
  encode,
  encodeFrame,
  encodeMessage,
  hasTypedArrays,
} from '../../src-shared/api/codec.ts';

/** A partition-shaped result with every kind of array the api sends. */
function partitionLike() {
  return {
    type: 'result',
    seq: 12,
    ok: true,
    value: {
      checkpointId: 3,
      name: 'Ankle boot · π ≈ 3.14159 · 日本',
      regionCount: 2,
      vertexOffsets: Uint32Array.of(0, 3, 7),
      vertices: Float64Array.of(0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0.5, 1e-300),
      areas: Float64Array.of(0.5, Number.MIN_VALUE),
      patterns: Uint32Array.of(0xffffffff, 5),
      regions: Uint8Array.of(1, 0, 1),
      constraints: Int32Array.of(-7, 2 ** 31 - 1),
      images: [Float32Array.of(0.25, -0.5, 3.5)],
      nested: { empty: new Float64Array(0), sixteen: Int16Array.of(-3), eight: Int8Array.of(-1) },
      layerSizes: [8, 6],
      ms: 1.5,
      missing: null,
    },
  };
}

describe('binary frames', () => {
  it('round-trip every typed array bit for bit, with its type, beside plain JSON', () => {
    const value = partitionLike();
    const frame = encodeFrame(value);
    const back = decodeFrame(frame) as ReturnType<typeof partitionLike>;
    expect(back).toEqual(value);
    expect(back.value.vertices).toBeInstanceOf(Float64Array);
    expect(back.value.vertexOffsets).toBeInstanceOf(Uint32Array);
    expect(back.value.images[0]).toBeInstanceOf(Float32Array);
    expect(back.value.nested.sixteen).toBeInstanceOf(Int16Array);
    expect(back.value.areas[1]).toBe(Number.MIN_VALUE);
    expect(back.value.name).toBe('Ankle boot · π ≈ 3.14159 · 日本');
  });

  it('carries arrays as raw bytes: a frame is the size of its arrays plus a small header', () => {
    const vertices = new Float64Array(20_000).map((_, i) => Math.sin(i));
    const frame = encodeFrame({ vertices });
    expect(frame.byteLength).toBeGreaterThanOrEqual(vertices.byteLength);
    expect(frame.byteLength).toBeLessThan(vertices.byteLength + 200);
    // The base64 text form it replaces is a third larger.
    expect(encode({ vertices }).length).toBeGreaterThan((4 / 3) * vertices.byteLength);
  });

  it('reads a frame at an unaligned offset (a pooled buffer) by copying it', () => {
    const frame = encodeFrame({ a: Float64Array.of(1.25, -2) });
    const shifted = new Uint8Array(frame.byteLength + 3);
    shifted.set(frame, 3);
    const back = decodeFrame(shifted.subarray(3)) as { a: Float64Array };
    expect(Array.from(back.a)).toEqual([1.25, -2]);
  });

  it('refuses malformed frames with one clear error each', () => {
    const frame = encodeFrame({ a: Float64Array.of(1, 2, 3) });
    expect(() => decodeFrame(frame.subarray(0, 5))).toThrow('binary message is truncated');
    expect(() => decodeFrame(frame.subarray(0, frame.byteLength - 8))).toThrow(
      'binary message is truncated',
    );
    const wrongMagic = frame.slice();
    wrongMagic[0] = 0;
    expect(() => decodeFrame(wrongMagic)).toThrow('binary message has an unknown format');
    const forge = (reference: unknown) => {
      const header = new TextEncoder().encode(JSON.stringify({ a: reference }));
      const out = new Uint8Array(8 + header.length + 64);
      const view = new DataView(out.buffer);
      view.setUint32(0, 0x4648424d, true);
      view.setUint32(4, header.length, true);
      out.set(header, 8);
      return out;
    };
    expect(() => decodeFrame(forge({ $frame: 'BigInt64Array', offset: 0, length: 1 }))).toThrow(
      'binary message has an unknown array type BigInt64Array',
    );
    expect(() => decodeFrame(forge({ $frame: 'toString', offset: 0, length: 1 }))).toThrow(
      'binary message has an unknown array type toString',
    );
    expect(() => decodeFrame(forge({ $frame: 'Float64Array', offset: 4, length: 1 }))).toThrow(
      'binary message has a malformed array reference',
    );
    expect(() => decodeFrame(forge({ $frame: 'Float64Array', offset: 0, length: 1e9 }))).toThrow(
      'binary message is truncated',
    );
  });
});

describe('encodeMessage / decodeMessage: one codec for both kinds of frame', () => {
  it('sends plain messages as JSON text and messages with typed arrays as binary', () => {
    const plain = { type: 'call', seq: 1, method: 'listProjects', params: {} };
    const text = encodeMessage(plain);
    expect(typeof text).toBe('string');
    expect(text).toBe('{"type":"call","seq":1,"method":"listProjects","params":{}}');
    expect(decodeMessage(text)).toEqual(plain);
    const heavy = partitionLike();
    const binary = encodeMessage(heavy);
    expect(binary).toBeInstanceOf(Uint8Array);
    expect(decodeMessage(binary)).toEqual(heavy);
  });

  it('finds typed arrays at any depth, and only there', () => {
    expect(hasTypedArrays({ a: [{ b: [Uint8Array.of(1)] }] })).toBe(true);
    expect(hasTypedArrays({ a: [{ b: [1, 2, 'x'] }], c: null })).toBe(false);
    expect(hasTypedArrays(new DataView(new ArrayBuffer(4)))).toBe(false);
  });
});
