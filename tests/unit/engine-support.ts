/** Seeded networks and planes for the engine's tests and benchmark. */
import { Random } from '../../src-shared/model/random.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';

/**
 * A network at He-normal initialisation (variance 2 / fan_in; biases N(0, biasStd²)).
 * Hidden layers keep round(density × weights) weights under a random mask; the output
 * layer is dense.
 */
export function heNetwork(
  inputDim: number,
  hidden: readonly number[],
  outputs: number,
  options: { seed?: number; density?: number; biasStd?: number } = {},
): Network {
  const random = Random.create(options.seed ?? 1, 'engine-test');
  const density = options.density ?? 1;
  const biasStd = options.biasStd ?? 1e-6;
  const sizes = [...hidden, outputs];
  const layers: DenseLayer[] = [];
  let inDim = inputDim;
  sizes.forEach((outDim, l) => {
    const isHidden = l < hidden.length;
    const count = outDim * inDim;
    const std = Math.sqrt(2 / inDim);
    const weights = new Float64Array(count);
    for (let q = 0; q < count; q++) weights[q] = std * random.nextNormal();
    let mask: Uint8Array | undefined;
    if (isHidden && density < 1) {
      mask = random.subsetMask(count, Math.round(density * count));
      for (let q = 0; q < count; q++) if (mask[q] === 0) weights[q] = 0;
    }
    const bias = new Float64Array(outDim);
    for (let j = 0; j < outDim; j++) bias[j] = biasStd * random.nextNormal();
    layers.push({ inDim, outDim, weights, bias, mask, activation: isHidden ? 'relu' : 'linear' });
    inDim = outDim;
  });
  return { inputDim, layers };
}

/** Numbers of a seeded generator, for fixtures that need plain values. */
export function seededRandom(seed: number, stream = 'engine-fixture'): Random {
  return Random.create(seed, stream);
}

/** The network of thesis figure 3.2 (one 2-unit output layer added). */
export function figure32Network(): Network {
  const layer = (w: number[][], b: number[], activation: 'relu' | 'linear'): DenseLayer => ({
    inDim: w[0].length,
    outDim: w.length,
    weights: Float64Array.from(w.flat()),
    bias: Float64Array.from(b),
    activation,
  });
  return {
    inputDim: 2,
    layers: [
      layer(
        [
          [-1, 1],
          [1, 1],
        ],
        [0, -4],
        'relu',
      ),
      layer(
        [
          [-1, -3],
          [-3, -1],
        ],
        [4, 4],
        'relu',
      ),
      layer(
        [
          [1, 3],
          [3, 1],
        ],
        [-4, -4],
        'relu',
      ),
      layer(
        [
          [1, 0],
          [0, 1],
        ],
        [0, 0],
        'linear',
      ),
    ],
  };
}

/** Pre-activations of every hidden neuron at one input point, in layer order. */
export function hiddenPreActivations(network: Network, input: ArrayLike<number>): Float64Array {
  const hidden = network.layers.length - 1;
  let count = 0;
  for (let l = 0; l < hidden; l++) count += network.layers[l].outDim;
  const out = new Float64Array(count);
  let activation = Float64Array.from(input);
  let offset = 0;
  for (let l = 0; l < hidden; l++) {
    const layer = network.layers[l];
    const next = new Float64Array(layer.outDim);
    for (let j = 0; j < layer.outDim; j++) {
      let z = layer.bias[j];
      for (let i = 0; i < layer.inDim; i++) z += layer.weights[j * layer.inDim + i] * activation[i];
      out[offset + j] = z;
      next[j] = Math.max(0, z);
    }
    activation = next;
    offset += layer.outDim;
  }
  return out;
}

/** A random small network: depth 1–4, widths 1–8, random density, biases of size ~0.5. */
export function randomSmallNetwork(random: Random, inputDim: number): Network {
  const depth = 1 + random.nextInt(4);
  const widths = Array.from({ length: depth }, () => 1 + random.nextInt(8));
  const densities = [1, 1, 0.6, 0.3];
  return heNetwork(inputDim, widths, 1 + random.nextInt(3), {
    seed: random.nextUint32(),
    density: densities[random.nextInt(densities.length)],
    biasStd: 0.5,
  });
}
