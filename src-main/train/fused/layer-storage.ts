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
 *                   a neuron;
 *   'input-masked'  first layer, masked, on inputs sparser than its mask (the rule
 *                   `maskedFirstLayerOverNonZero`): stored as 'input-dense', pruned
 *                   weights included at +0, so it walks the batch's non-zero pixels; the
 *                   gradient of each pruned weight (`pruned`, storage positions) is set to
 *                   +0 before Adam.
 *
 * Pruned weights stay +0, and their Adam moments 0, in every state this path writes: the
 * sparse kinds do not store them at all, and 'input-masked' gives them a +0 gradient, which
 * Adam turns into a +0 step (m = v = +0, so p − stepSize · 0 / (0 + ε) = +0).
 */
import type { LayerParameters } from '../spec.ts';

export type LayerKind = 'input-dense' | 'input-masked' | 'input-sparse' | 'dense' | 'sparse';

/**
 * How much sparser than a masked first layer's mask its inputs must be for the layer to be
 * stored densely over the non-zero pixels ('input-masked') instead of as sparse rows over
 * all pixels ('input-sparse'). Per sample, the sparse rows visit density × inDim × outDim
 * (weight, pixel) pairs, the dense form non-zero share × inDim × outDim, but the dense
 * form's pairs are dearer (a sample's pixels pick scattered rows of the weights), so it
 * pays only well below the density. Measured per step on the WebAssembly kernels, both
 * forms alternating in one process (15 rounds of 20 steps each), share / density →
 * sparse-row time over dense-form time:
 *   Digit MNIST (share 0.19): (12,4)@0.5 0.38 → 2.9; (300,100)@0.3136 0.61 → 0.99;
 *     (12,4)@0.3136 0.61 → 0.73; (35,11)@0.3388 0.56 → 0.78; (300,100)@0.1036 1.8 → 0.57;
 *   Fashion MNIST (share 0.50): (12,4)@0.5 1.0 → 0.61; (300,100)@0.3136 1.6 → 0.53;
 *     (300,100)@0.1036 4.8 → 0.21.
 * The break-even is near 0.6 and moves with the width; 0.5 takes the clear wins only (of
 * the thesis' 14 setups, (12,4)@0.5 on Digit MNIST). The TypeScript kernels measured
 * alike (Digit (12,4)@0.5 1.43, Fashion (12,4)@0.5 0.81).
 */
export const FIRST_LAYER_SHARE_PER_DENSITY = 0.5;

/**
 * The storage rule of a masked first layer, used by the trainer (storeLayer) and by the
 * cost model (train/cost-model.ts) alike: true when the layer is stored densely over the
 * non-zero pixels, i.e. when the inputs' non-zero share is at most
 * FIRST_LAYER_SHARE_PER_DENSITY × the layer's density (kept weights over all). The choice
 * changes speed only: both forms give bit-identical results (the terms they skip are ±0
 * and the rest are summed in the same order) while the values are finite; only a run that
 * has diverged can differ (0 · ∞ = NaN is a term of one form and skipped by the other).
 */
export function maskedFirstLayerOverNonZero(density: number, inputNonZero: number): boolean {
  return inputNonZero <= FIRST_LAYER_SHARE_PER_DENSITY * density;
}

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
  /** 'input-masked': storage positions of the pruned weights (their gradient is set to +0). */
  readonly pruned: Int32Array | null;
}

function kindOf(inputNonZero: number | null, mask: Uint8Array | null): LayerKind {
  if (inputNonZero === null) return mask === null ? 'dense' : 'sparse';
  if (mask === null) return 'input-dense';
  let kept = 0;
  for (let i = 0; i < mask.length; i++) kept += mask[i];
  const density = mask.length === 0 ? 1 : kept / mask.length;
  return maskedFirstLayerOverNonZero(density, inputNonZero) ? 'input-masked' : 'input-sparse';
}

/** Storage positions → shared positions, and the sparse index arrays, for one layer shape. */
function layout(
  kind: LayerKind,
  inDim: number,
  outDim: number,
  mask: Uint8Array | null,
): {
  positions: Int32Array | null;
  start: Int32Array | null;
  index: Int32Array | null;
  pruned: Int32Array | null;
} {
  switch (kind) {
    case 'dense':
      return { positions: null, start: null, index: null, pruned: null };
    case 'input-dense':
    case 'input-masked': {
      const positions = new Int32Array(inDim * outDim);
      for (let i = 0, k = 0; i < inDim; i++)
        for (let o = 0; o < outDim; o++, k++) positions[k] = o * inDim + i;
      if (kind === 'input-dense') return { positions, start: null, index: null, pruned: null };
      const kept = mask!;
      const pruned: number[] = [];
      for (let k = 0; k < positions.length; k++) if (kept[positions[k]] === 0) pruned.push(k);
      return { positions, start: null, index: null, pruned: Int32Array.from(pruned) };
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
      return { positions, start, index, pruned: null };
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
 * `inputNonZero` is null for a layer after the first; for the first layer, the share of
 * non-zero values in the training inputs (data/non-zero-share.ts), which decides how a
 * masked first layer is stored (maskedFirstLayerOverNonZero).
 */
export function storeLayer(
  parameters: LayerParameters,
  mask: Uint8Array | null,
  inputNonZero: number | null,
  moments?: {
    readonly weights: [Float32Array, Float32Array];
    readonly bias: [Float32Array, Float32Array];
  },
): FusedLayer {
  const { inDim, outDim } = parameters;
  const kind = kindOf(inputNonZero, mask);
  const { positions, start, index, pruned } = layout(kind, inDim, outDim, mask);
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
    pruned,
  };
  gatherStored(layer, parameters.weights, layer.weights);
  if (moments !== undefined) {
    gatherStored(layer, moments.weights[0], layer.weightMoments[0]);
    gatherStored(layer, moments.weights[1], layer.weightMoments[1]);
    layer.biasMoments[0].set(moments.bias[0]);
    layer.biasMoments[1].set(moments.bias[1]);
  }
  if (pruned !== null) {
    // As the sparse kinds, which do not store them: +0 (not a given −0) with zero moments,
    // whatever a resume state from another path holds there.
    for (let j = 0; j < pruned.length; j++) {
      const k = pruned[j];
      layer.weights[k] = 0;
      layer.weightMoments[0][k] = 0;
      layer.weightMoments[1][k] = 0;
    }
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
