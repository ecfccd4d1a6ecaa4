/**
 * Trains a fused network step by step, as trainFused does (He-normal start, the seeded
 * batches, Adam at the default learning rate), for the tests that compare two networks
 * of one run bit for bit: two first-layer storages, or the WebAssembly kernels and their
 * TypeScript twins.
 */
import type { Dataset, DatasetSplit } from '../../src-main/data/dataset.ts';
import { BatchOrder } from '../../src-main/train/batches.ts';
import { storeLayer } from '../../src-main/train/fused/layer-storage.ts';
import { FusedNetwork, type FusedNetworkOptions } from '../../src-main/train/fused/network.ts';
import { initialParameters } from '../../src-main/train/init.ts';
import { TRAINING_DEFAULTS } from '../../src-main/train/spec.ts';

/**
 * `steps` Adam steps on `train` from seed `seed`; a masked first layer stored as
 * `inputNonZero` decides (maskedFirstLayerOverNonZero). Returns the network and each
 * step's mean loss.
 */
export function trainFusedSteps(options: {
  dataset: Dataset;
  train: DatasetSplit;
  hidden: number[];
  density: number;
  seed: number;
  inputNonZero: number;
  steps: number;
  network?: FusedNetworkOptions;
}): { network: FusedNetwork; losses: number[] } {
  const { dataset, train, hidden, density, seed, inputNonZero, steps } = options;
  const batch = TRAINING_DEFAULTS.batchSize;
  const start = initialParameters({
    seed,
    hidden,
    inputDim: dataset.inputDim,
    outputDim: dataset.classCount,
    density,
  });
  const layers = start.map((layer, index) =>
    storeLayer(layer, layer.mask, index === 0 ? inputNonZero : null),
  );
  const network = new FusedNetwork(layers, 250, options.network);
  const order = new BatchOrder(seed, train.count, batch);
  const rows = new Uint32Array(batch);
  const labels = new Int32Array(batch);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    order.batch(step, rows);
    for (let j = 0; j < batch; j++) labels[j] = train.y[rows[j]];
    network.input.load(train, rows, batch);
    losses.push(network.trainStep(labels, step + 1, TRAINING_DEFAULTS.learningRate));
  }
  return { network, losses };
}
