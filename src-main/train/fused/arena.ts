/**
 * Where a fused network keeps its buffers. On the WebAssembly kernels every buffer a
 * kernel reads or writes must lie in the module's linear memory, and a memory cannot grow
 * under live views (growing detaches its ArrayBuffer), so a network sizes its memory once:
 * it allocates everything through an ArenaPlan, which only counts bytes, then through an
 * Arena over a memory of exactly that size. The TypeScript kernels take the same buffers
 * from the ordinary heap (HEAP).
 */

/** Hands out zero-filled typed arrays. */
export interface Allocator {
  f32(length: number): Float32Array;
  f64(length: number): Float64Array;
  i32(length: number): Int32Array;
}

/** Plain heap arrays, for the TypeScript kernels. */
export const HEAP: Allocator = {
  f32: (length) => new Float32Array(length),
  f64: (length) => new Float64Array(length),
  i32: (length) => new Int32Array(length),
};

/** Every buffer starts on a 16-byte boundary (a SIMD vector's width). */
const ALIGN = 16;

function aligned(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/** Counts the bytes an allocation sequence needs; the arrays it returns are empty. */
export class ArenaPlan implements Allocator {
  bytes = 0;
  f32(length: number): Float32Array {
    this.bytes += aligned(length * 4);
    return new Float32Array(0);
  }
  f64(length: number): Float64Array {
    this.bytes += aligned(length * 8);
    return new Float64Array(0);
  }
  i32(length: number): Int32Array {
    this.bytes += aligned(length * 4);
    return new Int32Array(0);
  }
}

/** Views into one memory, from `start` on, each 16-byte aligned; never more than it holds. */
export class Arena implements Allocator {
  private next: number;

  constructor(
    private readonly buffer: ArrayBuffer,
    start: number,
  ) {
    this.next = aligned(start);
  }

  private take(bytes: number): number {
    const at = this.next;
    if (at + bytes > this.buffer.byteLength) {
      throw new RangeError(`Arena: ${bytes} bytes at ${at} overflow its ${this.buffer.byteLength}`);
    }
    this.next = aligned(at + bytes);
    return at;
  }

  f32(length: number): Float32Array {
    return new Float32Array(this.buffer, this.take(length * 4), length);
  }
  f64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(length * 8), length);
  }
  i32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(length * 4), length);
  }
}
