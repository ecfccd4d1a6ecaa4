/**
 * Unique activation and layer patterns (thesis appendix E, figures E.1 and E.2): how many
 * distinct on/off patterns the samples of a data split produce over the whole hidden
 * network and over each hidden layer, overall and per phenomenon. Exact: every sample's
 * pattern is computed, none sampled.
 */
import type { Network } from '../model/network.ts';
import type { Phenomenon } from '../model/phenomena.ts';
import { decisionPatterns, type SamplePatterns } from './patterns.ts';

export interface UniqueCounts {
  network: number;
  layers: number[];
}

export interface UniquePatternReport {
  samples: number;
  unique: UniqueCounts;
  perPhenomenon: ({ phenomenon: string } & UniqueCounts)[];
}

/**
 * A string key per sample for the bits [first, first + width) of its pattern: the bits
 * shifted to start at 0, as 16-bit characters (a string is the cheapest hashable key).
 */
function bitKeys(patterns: SamplePatterns, first: number, width: number): string[] {
  const keys = new Array<string>(patterns.count);
  const chunks = (width + 15) >>> 4;
  const codes = new Array<number>(chunks);
  for (let s = 0; s < patterns.count; s++) {
    const base = s * patterns.words;
    codes.fill(0);
    for (let b = 0; b < width; b++) {
      const bit = first + b;
      if ((patterns.bits[base + (bit >>> 5)] >>> (bit & 31)) & 1) codes[b >>> 4] |= 1 << (b & 15);
    }
    keys[s] = String.fromCharCode(...codes);
  }
  return keys;
}

function distinct(keys: readonly string[], members: ArrayLike<number> | null): number {
  const seen = new Set<string>();
  if (members === null) for (const key of keys) seen.add(key);
  else for (let m = 0; m < members.length; m++) seen.add(keys[members[m]]);
  return seen.size;
}

/** Counts unique network and layer patterns of n samples (row-major x) for each phenomenon. */
export function uniquePatterns(
  network: Network,
  x: Float32Array | Float64Array,
  labels: ArrayLike<number>,
  n: number,
  phenomena: readonly Phenomenon[],
): UniquePatternReport {
  if (labels.length < n) throw new Error(`${labels.length} labels for ${n} samples`);
  const patterns = decisionPatterns(network, x, n, { kind: 'all' });
  const widths: number[] = [];
  for (let l = 0; l + 1 < network.layers.length; l++) widths.push(network.layers[l].outDim);
  const networkKeys = bitKeys(patterns, 0, patterns.neurons.length);
  const layerKeys: string[][] = [];
  let first = 0;
  for (const width of widths) {
    layerKeys.push(bitKeys(patterns, first, width));
    first += width;
  }
  const counts = (members: ArrayLike<number> | null): UniqueCounts => ({
    network: distinct(networkKeys, members),
    layers: layerKeys.map((keys) => distinct(keys, members)),
  });
  return {
    samples: n,
    unique: counts(null),
    perPhenomenon: phenomena.map((phenomenon) => {
      const wanted = new Set(phenomenon.labels);
      const members: number[] = [];
      for (let s = 0; s < n; s++) if (wanted.has(labels[s])) members.push(s);
      return { phenomenon: phenomenon.name, ...counts(members) };
    }),
  };
}
