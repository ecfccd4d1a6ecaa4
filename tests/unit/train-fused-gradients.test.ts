/**
 * The fused path's gradients against central finite differences of an independent
 * Float64 reference (plain loops over the shared [outDim][inDim] layout), for every layer
 * kind: dense first layers (which skip zero pixels) and masked ones in both storages
 * (sparse rows over all pixels, and dense over the non-zero pixels with pruned gradients
 * +0), dense and masked later hidden layers, and the dense output layer with softmax
 * cross-entropy. Shapes are odd on
 * purpose (widths 13 and 14, 13 samples) so that the kernels' 12-, 8-, 4- and 1-wide
 * blocks all run; some pixels are zero in every sample and one sample is all zeros, and
 * the hidden layers' ReLU zeros are skipped as in training.
 *
 * Tolerance: the reference differences are accurate to ~1e-9 (ε = 1e-6 in Float64:
 * truncation ε² ≈ 1e-12, cancellation 1e-16/ε ≈ 1e-10). The fused gradients store
 * activations and deltas in Float32 (relative rounding 2^-24 ≈ 6e-8 per stored stage, a
 * handful of stages), so they agree to ~1e-6 of the layer's largest gradient; we allow
 * 1e-5 of it. A wrong index, a missing term or a wrong layout errs by the size of a
 * gradient entry, orders of magnitude more.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../../src-main/data/dataset.ts';
import { BYTE_TO_UNIT } from '../../src-main/data/dataset.ts';
import { adamUpdate, adamCorrections } from '../../src-main/train/fused/adam.ts';
import {
  FIRST_LAYER_SHARE_PER_DENSITY,
  maskedFirstLayerOverNonZero,
  scatterStored,
  sharedMoments,
  sharedParameters,
  storeLayer,
  type FusedLayer,
} from '../../src-main/train/fused/layer-storage.ts';
import { FusedNetwork } from '../../src-main/train/fused/network.ts';
import { initialParameters } from '../../src-main/train/init.ts';
import type { LayerParameters } from '../../src-main/train/spec.ts';
import { Random } from '../../src-shared/model/random.ts';

const INPUT = 11;
const HIDDEN = [13, 14];
const CLASSES = 4;
const SAMPLES = 13;

/** Byte images with pixels 0 and 5 always zero, sample 3 all zeros, ~40 % zeros elsewhere. */
function byteSplit(seed: number): DatasetSplit {
  const random = Random.create(seed, 'test/pixels');
  const pixels = new Uint8Array(SAMPLES * INPUT);
  const y = new Uint8Array(SAMPLES);
  for (let b = 0; b < SAMPLES; b++) {
    y[b] = random.nextInt(CLASSES);
    for (let i = 0; i < INPUT; i++) {
      if (b === 3 || i === 0 || i === 5 || random.nextFloat() < 0.4) continue;
      pixels[b * INPUT + i] = 1 + random.nextInt(255);
    }
  }
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = BYTE_TO_UNIT[pixels[i]];
  return { count: SAMPLES, x, y, pixels };
}

/** Mean softmax cross-entropy of the network on the split, all in Float64. */
function referenceLoss(
  layers: { weights: Float64Array; bias: Float64Array }[],
  split: DatasetSplit,
): number {
  let total = 0;
  for (let b = 0; b < split.count; b++) {
    let h = Float64Array.from(split.x.subarray(b * INPUT, (b + 1) * INPUT));
    layers.forEach((layer, index) => {
      const outDim = layer.bias.length;
      const inDim = h.length;
      const z = new Float64Array(outDim);
      for (let o = 0; o < outDim; o++) {
        let sum = layer.bias[o];
        for (let i = 0; i < inDim; i++) sum += layer.weights[o * inDim + i] * h[i];
        z[o] = index < layers.length - 1 ? Math.max(sum, 0) : sum;
      }
      h = z;
    });
    const max = Math.max(...h);
    let sum = 0;
    for (const value of h) sum += Math.exp(value - max);
    total += Math.log(sum) + max - h[split.y[b]];
  }
  return total / split.count;
}

/**
 * `inputNonZero` steers a masked first layer's storage (maskedFirstLayerOverNonZero): 1
 * gives sparse rows, 0 the dense form over non-zero pixels.
 */
function fusedNetwork(parameters: LayerParameters[], inputNonZero: number): FusedNetwork {
  const layers = parameters.map((layer, index) =>
    storeLayer(layer, layer.mask, index === 0 ? inputNonZero : null),
  );
  return new FusedNetwork(layers, SAMPLES);
}

function checkGradients(
  density: number,
  split: DatasetSplit,
  seed: number,
  inputNonZero = 1,
): FusedLayer[] {
  const parameters = initialParameters({
    seed,
    hidden: HIDDEN,
    inputDim: INPUT,
    outputDim: CLASSES,
    density,
  });
  // Biases away from 0: on the all-zero sample a first-layer pre-activation is its bias, and
  // no ReLU may sit at its kink.
  for (const layer of parameters)
    for (let o = 0; o < layer.outDim; o++) layer.bias[o] = 0.05 * ((o % 3) - 1) + 0.02;
  const network = fusedNetwork(parameters, inputNonZero);
  network.input.load(
    split,
    Uint32Array.from({ length: SAMPLES }, (_, b) => b),
    SAMPLES,
  );
  const loss = network.lossAndGradients(split.y);
  const reference = parameters.map((layer) => ({
    weights: Float64Array.from(layer.weights),
    bias: Float64Array.from(layer.bias),
  }));
  expect(loss).toBeCloseTo(referenceLoss(reference, split), 6);
  const epsilon = 1e-6;
  const numeric = (values: Float64Array, at: number): number => {
    const saved = values[at];
    values[at] = saved + epsilon;
    const plus = referenceLoss(reference, split);
    values[at] = saved - epsilon;
    const minus = referenceLoss(reference, split);
    values[at] = saved;
    return (plus - minus) / (2 * epsilon);
  };
  network.layers.forEach((layer, index) => {
    const analytic = scatterStored(layer, layer.weightGradient);
    const expected = new Float64Array(analytic.length);
    const mask = parameters[index].mask;
    for (let p = 0; p < analytic.length; p++) {
      // A pruned weight has no gradient: it is not stored, and its shared slot reads +0.
      if (mask !== null && mask[p] === 0) expect(Object.is(analytic[p], 0)).toBe(true);
      else expected[p] = numeric(reference[index].weights, p);
    }
    const biasExpected = Float64Array.from(layer.biasGradient, (_, o) =>
      numeric(reference[index].bias, o),
    );
    const scale = Math.max(...expected.map(Math.abs), ...biasExpected.map(Math.abs));
    expect(scale).toBeGreaterThan(1e-3);
    for (let p = 0; p < analytic.length; p++)
      expect(
        Math.abs(analytic[p] - expected[p]),
        `layer ${index} (${layer.kind}) weight ${p}`,
      ).toBeLessThanOrEqual(1e-5 * scale);
    for (let o = 0; o < layer.outDim; o++)
      expect(
        Math.abs(layer.biasGradient[o] - biasExpected[o]),
        `layer ${index} bias ${o}`,
      ).toBeLessThanOrEqual(1e-5 * scale);
  });
  return [...network.layers];
}

describe('fused gradients against finite differences', () => {
  it('dense first layer, dense hidden layer, output layer (byte images)', () => {
    const kinds = checkGradients(1, byteSplit(1), 7).map((layer) => layer.kind);
    expect(kinds).toEqual(['input-dense', 'dense', 'dense']);
  });

  it('masked first layer, masked hidden layer, output layer (byte images)', () => {
    const kinds = checkGradients(0.45, byteSplit(2), 8).map((layer) => layer.kind);
    expect(kinds).toEqual(['input-sparse', 'sparse', 'dense']);
  });

  it('masked first layer stored densely over the non-zero pixels (inputs sparser than the mask)', () => {
    const kinds = checkGradients(0.45, byteSplit(2), 8, 0.2).map((layer) => layer.kind);
    expect(kinds).toEqual(['input-masked', 'sparse', 'dense']);
  });

  it('the same from float rows without bytes (e.g. a standardised dataset, negative inputs)', () => {
    const bytes = byteSplit(3);
    const x = Float32Array.from(bytes.x, (value, i) => (i % 4 === 1 ? value - 0.5 : value));
    const floats: DatasetSplit = { count: SAMPLES, x, y: bytes.y };
    checkGradients(1, floats, 9);
    checkGradients(0.45, floats, 10);
    expect(checkGradients(0.45, floats, 11, 0)[0].kind).toBe('input-masked');
  });
});

describe('fused storage and Adam', () => {
  it('stores masked layers without their pruned weights and hands them back exactly', () => {
    const parameters = initialParameters({
      seed: 4,
      hidden: HIDDEN,
      inputDim: INPUT,
      outputDim: CLASSES,
      density: 0.3,
    });
    parameters.forEach((layer, index) => {
      const stored = storeLayer(layer, layer.mask, index === 0 ? 1 : null);
      const kept =
        layer.mask === null ? layer.weights.length : layer.mask.reduce((sum, bit) => sum + bit, 0);
      expect(stored.weights.length).toBe(kept);
      const back = sharedParameters(stored);
      expect(new Uint32Array(back.weights.buffer)).toEqual(new Uint32Array(layer.weights.buffer));
      expect(back.bias).toEqual(layer.bias);
      expect(back.mask).toEqual(layer.mask);
    });
  });

  it("chooses a masked first layer's storage by one rule: non-zero share ≤ 0.5 × density", () => {
    expect(FIRST_LAYER_SHARE_PER_DENSITY).toBe(0.5);
    expect(maskedFirstLayerOverNonZero(0.5, 0.19)).toBe(true); // Digit MNIST (12,4)@0.5
    expect(maskedFirstLayerOverNonZero(0.5, 0.25)).toBe(true); // at the boundary
    expect(maskedFirstLayerOverNonZero(0.5, 0.2501)).toBe(false);
    expect(maskedFirstLayerOverNonZero(0.5, 0.5)).toBe(false); // Fashion MNIST (12,4)@0.5
    expect(maskedFirstLayerOverNonZero(0.3136, 0.19)).toBe(false);
    const [first, second] = initialParameters({
      seed: 5,
      hidden: HIDDEN,
      inputDim: INPUT,
      outputDim: CLASSES,
      density: 0.5,
    });
    // The layer's own density (kept over all) is what the rule sees.
    const density = first.mask!.reduce((sum, bit) => sum + bit, 0) / first.mask!.length;
    expect(storeLayer(first, first.mask, 0.5 * density).kind).toBe('input-masked');
    expect(storeLayer(first, first.mask, 0.5 * density + 1e-9).kind).toBe('input-sparse');
    expect(storeLayer(second, second.mask, null).kind).toBe('sparse'); // later layers: no rule
    expect(storeLayer({ ...first, mask: null }, null, 0).kind).toBe('input-dense');
  });

  it('stores a masked first layer densely with its pruned weights +0 and their moments 0', () => {
    const [layer] = initialParameters({
      seed: 6,
      hidden: HIDDEN,
      inputDim: INPUT,
      outputDim: CLASSES,
      density: 0.4,
    });
    const mask = layer.mask!;
    const size = layer.weights.length;
    // A resume state from elsewhere holding −0 weights and stray moments at pruned positions.
    const weights = layer.weights.slice();
    const moments: [Float32Array, Float32Array] = [new Float32Array(size), new Float32Array(size)];
    for (let p = 0; p < size; p++) {
      moments[0][p] = 0.01 * (p + 1);
      moments[1][p] = 0.02 * (p + 1);
      if (mask[p] === 0) weights[p] = -0;
    }
    const stored = storeLayer({ ...layer, weights }, mask, 0, {
      weights: moments,
      bias: [new Float32Array(layer.outDim), new Float32Array(layer.outDim)],
    });
    expect(stored.kind).toBe('input-masked');
    expect(stored.weights.length).toBe(size);
    expect(stored.pruned!.length).toBe(mask.length - mask.reduce((sum, bit) => sum + bit, 0));
    const back = sharedParameters(stored);
    expect(new Uint32Array(back.weights.buffer)).toEqual(new Uint32Array(layer.weights.buffer));
    expect(back.mask).toEqual(mask);
    const backMoments = sharedMoments(stored);
    for (let p = 0; p < size; p++) {
      for (const j of [0, 1] as const) {
        const expected = mask[p] === 1 ? moments[j][p] : 0;
        expect(Object.is(backMoments.weights[j][p], expected), `moment ${j} at ${p}`).toBe(true);
      }
    }
  });

  it("takes PyTorch's first Adam step: every parameter moves by lr · g / (|g| + ε)", () => {
    const gradient = Float32Array.from([0.5, -2e-3, 0, 3e-9, -7]);
    const parameters = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]);
    const moments = [new Float32Array(5), new Float32Array(5)];
    const { stepSize, correction2 } = adamCorrections(1.2e-3, 1);
    adamUpdate(parameters, gradient, moments[0], moments[1], stepSize, correction2);
    [0.1, 0.2, 0.3, 0.4, 0.5].forEach((start, j) => {
      const g = gradient[j];
      const expected = start - (1.2e-3 * g) / (Math.abs(g) + 1e-8);
      expect(parameters[j]).toBeCloseTo(expected, 6);
      expect(moments[0][j]).toBe(Math.fround(0.1 * g));
      expect(moments[1][j]).toBe(Math.fround(0.001 * g * g));
    });
    expect(parameters[2]).toBe(Math.fround(0.3)); // a zero gradient moves nothing
  });
});
