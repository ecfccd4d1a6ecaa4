/**
 * Decision patterns of data samples (thesis algorithm 3, lines 4–5): the on/off states of
 * the scope neurons when the network processes each sample, packed as bitsets.
 */
import { compressedColumns } from './columns.ts';
import type { Network } from '../model/network.ts';

/** Which hidden neurons a pattern observes: the last hidden layer (default), one, or all. */
export type Scope = { kind: 'last' } | { kind: 'all' } | { kind: 'layer'; index: number };

export const DEFAULT_SCOPE: Scope = { kind: 'last' };

/** Packed decision patterns of `count` samples over the scope neurons. */
export interface SamplePatterns {
  count: number;
  /** Uint32 words per sample. */
  words: number;
  /** count × words; bit j = the j-th scope neuron, 1 = on (pre-activation > 0). */
  bits: Uint32Array;
  /** Global hidden-neuron index (the partition's numbering) of each scope neuron. */
  neurons: Int32Array;
}

/** The scope's hidden-neuron indices, in layer order, for hidden layers of these widths. */
export function scopeNeuronsForSizes(layerSizes: readonly number[], scope: Scope): Int32Array {
  const hidden = layerSizes.length;
  if (hidden === 0) throw new Error('the network has no hidden layer to observe');
  const offsets: number[] = [0];
  for (let l = 0; l < hidden; l++) offsets.push(offsets[l] + layerSizes[l]);
  let first: number;
  let last: number;
  if (scope.kind === 'all') {
    first = 0;
    last = hidden - 1;
  } else if (scope.kind === 'last') {
    first = last = hidden - 1;
  } else {
    if (!Number.isInteger(scope.index) || scope.index < 0 || scope.index >= hidden) {
      throw new Error(
        `scope layer ${scope.index} does not exist: hidden layers are 0..${hidden - 1}`,
      );
    }
    first = last = scope.index;
  }
  const out = new Int32Array(offsets[last + 1] - offsets[first]);
  for (let i = 0; i < out.length; i++) out[i] = offsets[first] + i;
  return out;
}

/** Which hidden-neuron indices (the partition's numbering) the scope covers. */
export function scopeNeurons(network: Network, scope: Scope = DEFAULT_SCOPE): Int32Array {
  const sizes: number[] = [];
  for (let l = 0; l + 1 < network.layers.length; l++) sizes.push(network.layers[l].outDim);
  return scopeNeuronsForSizes(sizes, scope);
}

/**
 * A layer's weights grouped by input (column), so a forward pass can skip zero inputs:
 * column-major dense values when most weights are kept, compressed non-zeros otherwise.
 */
interface Columns {
  dense: Float64Array | null;
  start: Int32Array;
  row: Int32Array;
  value: Float64Array;
}

/** Density above which a dense column-major copy beats compressed columns. */
const DENSE_COLUMNS = 0.3;

function columns(weights: Float64Array, outDim: number, inDim: number): Columns {
  let nonZero = 0;
  for (let q = 0; q < weights.length; q++) if (weights[q] !== 0) nonZero++;
  if (nonZero > DENSE_COLUMNS * weights.length) {
    const dense = new Float64Array(weights.length);
    for (let j = 0; j < outDim; j++) {
      for (let i = 0; i < inDim; i++) dense[i * outDim + j] = weights[j * inDim + i];
    }
    return { dense, start: new Int32Array(0), row: new Int32Array(0), value: new Float64Array(0) };
  }
  return { dense: null, ...compressedColumns(weights, outDim, inDim) };
}

/**
 * Decision patterns of n samples (row-major n × inputDim). The forward pass runs column by
 * column over the non-zero inputs and activations only: images are mostly zero, half the
 * hidden units are off, and pruned weights are skipped, which together make it several
 * times cheaper than a row-by-row matrix product.
 */
export function decisionPatterns(
  network: Network,
  x: Float32Array | Float64Array,
  n: number,
  scope: Scope = DEFAULT_SCOPE,
): SamplePatterns {
  const inputDim = network.inputDim;
  if (!Number.isInteger(n) || n < 0 || x.length < n * inputDim) {
    throw new Error(
      `decisionPatterns: ${n} samples of dimension ${inputDim} need ${n * inputDim} numbers, got ${x.length}`,
    );
  }
  const neurons = scopeNeurons(network, scope);
  const hidden = network.layers.length - 1;
  const scopeFirst = neurons.length > 0 ? neurons[0] : 0;
  const scopeEnd = scopeFirst + neurons.length;
  // Layers beyond the scope's last neuron do not need to run.
  let layersNeeded = 0;
  for (let l = 0, offset = 0; l < hidden; l++) {
    if (offset < scopeEnd) layersNeeded = l + 1;
    offset += network.layers[l].outDim;
  }
  const cols = [];
  let widest = inputDim;
  for (let l = 0; l < layersNeeded; l++) {
    const layer = network.layers[l];
    cols.push(columns(layer.weights, layer.outDim, layer.inDim));
    widest = Math.max(widest, layer.outDim);
  }
  const words = (neurons.length + 31) >>> 5;
  const bits = new Uint32Array(n * words);
  let input = new Float64Array(widest);
  let output = new Float64Array(widest);
  for (let s = 0; s < n; s++) {
    let width = inputDim;
    const base = s * inputDim;
    for (let i = 0; i < inputDim; i++) input[i] = x[base + i];
    let offset = 0;
    for (let l = 0; l < layersNeeded; l++) {
      const layer = network.layers[l];
      const { dense, start, row, value } = cols[l];
      const bias = layer.bias;
      const outDim = layer.outDim;
      for (let j = 0; j < outDim; j++) output[j] = bias[j];
      for (let i = 0; i < width; i++) {
        const a = input[i];
        if (a === 0) continue;
        if (dense !== null) {
          const base = i * outDim;
          for (let j = 0; j < outDim; j++) output[j] += dense[base + j] * a;
        } else {
          for (let q = start[i]; q < start[i + 1]; q++) output[row[q]] += value[q] * a;
        }
      }
      width = layer.outDim;
      for (let j = 0; j < width; j++) {
        const z = output[j];
        const global = offset + j;
        if (z > 0 && global >= scopeFirst && global < scopeEnd) {
          const local = global - scopeFirst;
          bits[s * words + (local >>> 5)] |= 1 << (local & 31);
        }
        output[j] = z > 0 ? z : 0;
      }
      offset += width;
      const swap = input;
      input = output;
      output = swap;
    }
  }
  return { count: n, words, bits, neurons };
}
