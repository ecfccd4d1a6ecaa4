/**
 * Seeded pseudo-random numbers for everything that must be reproducible: weight
 * initialisation, pruning masks, batch order, toy data, plane draws.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit
 * state, passes PractRand to 2^42 bytes) seeded through splitmix32. A `stream` name
 * derives independent generators from one user seed, so that e.g. the mask of a model
 * does not change when its weight initialisation draws one more number.
 *
 * Same seed and stream → the same sequence on every platform: only 32-bit integer
 * arithmetic is involved. `nextNormal` uses Math.log/Math.sqrt/Math.cos/Math.sin, which
 * V8 computes identically everywhere the lab runs (one engine, fdlibm ports).
 */

/** Everything needed to continue a generator exactly where it stopped. */
export interface RandomState {
  readonly words: readonly [number, number, number, number];
  /** The second Box–Muller value, kept for the next `nextNormal` call, or null. */
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** Checks that a seed is an integer in [0, 2^32); returns it as an unsigned 32-bit value. */
export function validateSeed(seed: unknown, name = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
    throw new RangeError(`${name} must be an integer in [0, 4294967295], got ${String(seed)}`);
  }
  return seed >>> 0;
}

/** FNV-1a over the UTF-16 code units of a stream name. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** One splitmix32 step: returns [output, next state]. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, next];
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
  }

  /**
   * A generator for `seed` and a named stream. Different streams of one seed are
   * statistically independent; the empty stream is the seed's default.
   */
  static create(seed: number, stream = ''): Random {
    let state = validateSeed(seed) ^ hashString(stream);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [value, next] = splitmix32(state);
      words.push(value);
      state = next;
    }
    const random = new Random(words[0], words[1], words[2], words[3]);
    // Discard the first outputs: sfc32's state needs a few rounds to mix.
    for (let i = 0; i < 12; i++) random.nextUint32();
    return random;
  }

  static restore(state: RandomState): Random {
    const words = state.words;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w))) {
      throw new TypeError('random state: words must be four integers');
    }
    const random = new Random(words[0], words[1], words[2], words[3]);
    random.spare = state.spareNormal;
    return random;
  }

  state(): RandomState {
    return { words: [this.a, this.b, this.c, this.d], spareNormal: this.spare };
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let value = this.nextUint32();
    while (value >= limit) value = this.nextUint32();
    return value % n;
  }

  /** Standard normal deviate (Box–Muller; the second value of each pair is kept). */
  nextNormal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    // 1 − u lies in (0, 1], so the logarithm is finite.
    const u1 = 1 - this.nextFloat();
    const u2 = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Shuffles `values` in place (Fisher–Yates). */
  shuffle<T extends { length: number; [index: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = values[i];
      values[i] = values[j];
      values[j] = held;
    }
    return values;
  }

  /** A uniformly random permutation of 0 … n − 1. */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }

  /**
   * A uniformly random `count`-subset of 0 … n − 1 as a 0/1 mask of length n, with exactly
   * `count` ones (partial Fisher–Yates).
   */
  subsetMask(n: number, count: number): Uint8Array {
    if (!Number.isInteger(count) || count < 0 || count > n) {
      throw new RangeError(`subsetMask: count must be an integer in [0, ${n}], got ${count}`);
    }
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const mask = new Uint8Array(n);
    for (let i = 0; i < count; i++) {
      const j = i + this.nextInt(n - i);
      const held = order[i];
      order[i] = order[j];
      order[j] = held;
      mask[order[i]] = 1;
    }
    return mask;
  }
}
