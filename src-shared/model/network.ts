/**
 * The in-memory form of a feed-forward ReLU network that every part of the lab shares:
 * the engine partitions it, training produces it, the zoo stores it. Flat Float64
 * arrays, row-major `[outDim][inDim]` like PyTorch's Linear; `weights` already have the
 * mask applied (pruned entries are exactly 0).
 */
export interface DenseLayer {
  readonly inDim: number;
  readonly outDim: number;
  /** Row-major, outDim × inDim, mask applied. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  /** 1 = kept, 0 = pruned; same shape as weights. Absent for a dense layer. */
  readonly mask?: Uint8Array;
  readonly activation: 'relu' | 'linear';
}

export interface InputBox {
  readonly low: number;
  readonly high: number;
}

export interface Network {
  readonly inputDim: number;
  /** Every layer but the last is a ReLU hidden layer; the last is the output layer. */
  readonly layers: readonly DenseLayer[];
  readonly inputBox?: InputBox;
}

/** The hidden layers: every layer but the output layer. */
export function hiddenLayers(network: Network): readonly DenseLayer[] {
  return network.layers.slice(0, -1);
}

/** Number of hidden neurons, the bits of a full activation pattern. */
export function hiddenNeuronCount(network: Network): number {
  let count = 0;
  for (let i = 0; i < network.layers.length - 1; i++) count += network.layers[i].outDim;
  return count;
}
