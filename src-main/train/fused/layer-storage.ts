/**
 * How the fused path stores a layer: its trainable weights as one flat Float32Array in the
 * order its kernels read them, with Adam's two moments and the gradient in the same order,
 * and the map back to the shared `[outDim][inDim]` layout of LayerParameters/ResumeState.
 *
 *   'input-dense'   first layer, dense: transposed, [inDim][outDim], so a non-zero pixel
 *                   adds one contiguous row to the sample's pre-activations;
 *   'dense'         later layer, dense: [outDim][inDim] as shared;
 *   'sparse', 'input-sparse'   masked layer (later or first): the kept weights only,
 *                   grouped by output neuron (compressed sparse rows: `start[o]` …
 *                   `start[o+1]`−1, `index` = the input neuron), inputs ascending within
 *                   a neuron.
 *
 * Pruned weights are not stored at all: they cannot change, so they stay +0, and their
 * Adam moments stay 0, in every state this path writes.
 */
import type { LayerParameters } from '../spec.ts';

export type LayerKind = 'input-dense' | 'input-sparse' | 'dense' | 'sparse';

export interface FusedLayer {
  readonly kind: LayerKind;
  readonly inDim: number;
  readonly outDim: number;
  /** The layer's mask as given (shared layout), kept to hand back unchanged. */
  readonly mask: Uint8Array | null;
  /** Stored weights, in kernel order. */
  readonly weights: Float32Array;
  readonly weightGradient: Float32Array;
  /** Adam's first and second moments of the stored weights. */
  readonly weightMoments: [Float32Array, Float32Array];
  readonly bias: Float32Array;
  readonly biasGradient: Float32Array;
  readonly biasMoments: [Float32Array, Float32Array];
  /** Position in the shared [outDim][inDim] layout of each stored weight; null = the same order. */
  readonly positions: Int32Array | null;
  /** Sparse kinds: offsets of each output neuron's kept weights (length outDim + 1). */
  readonly start: Int32Array | null;
  /** Sparse kinds: the input neuron of each stored weight. */
  readonly index: Int32Array | null;
}

function kindOf(isInput: boolean, mask: Uint8Array | null): LayerKind {
  if (isInput) return mask === null ? 'input-dense' : 'input-sparse';
  return mask === null ? 'dense' : 'sparse';
}

/** Storage positions → shared positions, and the sparse index arrays, for one layer shape. */
function layout(
  kind: LayerKind,
  inDim: number,
  outDim: number,
  mask: Uint8Array | null,
): { positions: Int32Array | null; start: Int32Array | null; index: Int32Array | null } {
  switch (kind) {
    case 'dense':
      return { positions: null, start: null, index: null };
    case 'input-dense': {
      const positions = new Int32Array(inDim * outDim);
      for (let i = 0, k = 0; i < inDim; i++)
        for (let o = 0; o < outDim; o++, k++) positions[k] = o * inDim + i;
      return { positions, start: null, index: null };
    }
    case 'input-sparse':
    case 'sparse': {
      const kept = mask!;
      const start = new Int32Array(outDim + 1);
      let count = 0;
      for (let o = 0; o < outDim; o++) {
        for (let i = 0; i < inDim; i++) count += kept[o * inDim + i];
        start[o + 1] = count;
      }
      const positions = new Int32Array(count);
      const index = new Int32Array(count);
      for (let o = 0, k = 0; o < outDim; o++) {
        for (let i = 0; i < inDim; i++) {
          if (kept[o * inDim + i] === 1) {
            positions[k] = o * inDim + i;
            index[k++] = i;
          }
        }
      }
      return { positions, start, index };
    }
  }
}

/** Shared [outDim][inDim] values → storage order. */
export function gatherStored(layer: FusedLayer, shared: Float32Array, out: Float32Array): void {
  const { positions } = layer;
  if (positions === null) out.set(shared);
  else for (let k = 0; k < positions.length; k++) out[k] = shared[positions[k]];
}

/** Storage order → a fresh shared [outDim][inDim] array (+0 at every pruned position). */
export function scatterStored(layer: FusedLayer, stored: Float32Array): Float32Array {
  const { positions } = layer;
  if (positions === null) return stored.slice();
  const shared = new Float32Array(layer.inDim * layer.outDim);
  for (let k = 0; k < positions.length; k++) shared[positions[k]] = stored[k];
  return shared;
}

/**
 * A layer in fused storage, from its shared parameters (and Adam moments when resuming).
 * `mask` is the run's mask for this layer (the parameters already respect it).
 */
export function storeLayer(
  parameters: LayerParameters,
  mask: Uint8Array | null,
  isInput: boolean,
  moments?: {
    readonly weights: [Float32Array, Float32Array];
    readonly bias: [Float32Array, Float32Array];
  },
): FusedLayer {
  const { inDim, outDim } = parameters;
  const kind = kindOf(isInput, mask);
  const { positions, start, index } = layout(kind, inDim, outDim, mask);
  const size = positions === null ? inDim * outDim : positions.length;
  const layer: FusedLayer = {
    kind,
    inDim,
    outDim,
    mask,
    weights: new Float32Array(size),
    weightGradient: new Float32Array(size),
    weightMoments: [new Float32Array(size), new Float32Array(size)],
    bias: parameters.bias.slice(),
    biasGradient: new Float32Array(outDim),
    biasMoments: [new Float32Array(outDim), new Float32Array(outDim)],
    positions,
    start,
    index,
  };
  gatherStored(layer, parameters.weights, layer.weights);
  if (moments !== undefined) {
    gatherStored(layer, moments.weights[0], layer.weightMoments[0]);
    gatherStored(layer, moments.weights[1], layer.weightMoments[1]);
    layer.biasMoments[0].set(moments.bias[0]);
    layer.biasMoments[1].set(moments.bias[1]);
  }
  return layer;
}

/** The layer's parameters in the shared layout (fresh arrays). */
export function sharedParameters(layer: FusedLayer): LayerParameters {
  return {
    inDim: layer.inDim,
    outDim: layer.outDim,
    weights: scatterStored(layer, layer.weights),
    bias: layer.bias.slice(),
    mask: layer.mask === null ? null : layer.mask.slice(),
  };
}

/** The layer's Adam moments in the shared layout (fresh arrays), as ResumeState holds them. */
export function sharedMoments(layer: FusedLayer): {
  weights: [Float32Array, Float32Array];
  bias: [Float32Array, Float32Array];
} {
  return {
    weights: [
      scatterStored(layer, layer.weightMoments[0]),
      scatterStored(layer, layer.weightMoments[1]),
    ],
    bias: [layer.biasMoments[0].slice(), layer.biasMoments[1].slice()],
  };
}
