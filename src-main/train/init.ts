/**
 * Seeded initialisation (appendix A.1): weights normal with variance 2 / fan_in (He),
 * biases normal with std 1e-6, and a random unstructured mask per hidden layer that
 * keeps exactly `keptWeightCount(n, density)` weights (src-shared/model/hnp.ts).
 *
 * Three independent streams of the seed: 'init/weights' (every layer's weights, in
 * layer order, row-major), 'init/biases', and 'masks' (hidden layers in order). So the
 * dense initial weights of a seed are the same at every density, and only the mask
 * changes with the density.
 */
import { keptWeightCount } from '../../src-shared/model/hnp.ts';
import { Random } from '../../src-shared/model/random.ts';
import { TRAINING_DEFAULTS, type LayerParameters } from './spec.ts';

export interface InitOptions {
  readonly seed: number;
  readonly hidden: readonly number[];
  readonly inputDim: number;
  readonly outputDim: number;
  /** Hidden-layer density in (0, 1]; 1 gives dense layers (mask null). */
  readonly density: number;
}

export function initialParameters(options: InitOptions): LayerParameters[] {
  const { seed, hidden, inputDim, outputDim, density } = options;
  const weightStream = Random.create(seed, 'init/weights');
  const biasStream = Random.create(seed, 'init/biases');
  const maskStream = Random.create(seed, 'masks');
  const widths = [...hidden, outputDim];
  const layers: LayerParameters[] = [];
  let inDim = inputDim;
  widths.forEach((outDim, index) => {
    const count = inDim * outDim;
    const weights = new Float32Array(count);
    const scale = Math.sqrt(2 / inDim);
    for (let i = 0; i < count; i++) weights[i] = weightStream.nextNormal() * scale;
    const bias = new Float32Array(outDim);
    for (let i = 0; i < outDim; i++) bias[i] = biasStream.nextNormal() * TRAINING_DEFAULTS.biasStd;
    let mask: Uint8Array | null = null;
    const isHidden = index < hidden.length;
    if (isHidden && density < 1) {
      const kept = keptWeightCount(count, density);
      if (kept === 0) {
        throw new RangeError(
          `density ${density} keeps no weight of hidden layer ${index + 1} (${outDim} × ${inDim})`,
        );
      }
      mask = maskStream.subsetMask(count, kept);
      for (let i = 0; i < count; i++) if (mask[i] === 0) weights[i] = 0;
    }
    layers.push({ inDim, outDim, weights, bias, mask });
    inDim = outDim;
  });
  return layers;
}
