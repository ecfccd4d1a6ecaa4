/**
 * A whole fused training run on the WebAssembly kernels equals the same run on their
 * TypeScript twins, bit for bit: 40 Adam steps of every layer kind — dense and masked
 * first layers in all three storages ('input-dense', 'input-masked', 'input-sparse'),
 * dense and masked hidden layers, the dense output layer — then a validation pass. The
 * per-kernel tests (tests/unit/train-fused-wasm-*.test.ts) hold each kernel to its twin on
 * random arrays; this holds the kernels together, in the buffers and order training uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { byteImageSplit, type Dataset } from '../../src-main/data/dataset.ts';
import { nonZeroShare } from '../../src-main/data/non-zero-share.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import type { KernelName } from '../../src-main/train/fused/kernel-set.ts';
import { sharedMoments, sharedParameters } from '../../src-main/train/fused/layer-storage.ts';
import { trainFusedSteps } from './fused-steps.ts';

const STEPS = 40;

const home = mkdtempSync(join(tmpdir(), 'mbh-wasm-twins-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const registry = new DatasetRegistry(home);
const datasets = new Map<string, Dataset>();
const dataset = (id: string): Dataset => {
  if (!datasets.has(id)) datasets.set(id, registry.load(id));
  return datasets.get(id)!;
};

function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

function trainNetwork(dataset: Dataset, hidden: number[], density: number, kernels: KernelName) {
  const { train } = dataset;
  const inputNonZero = nonZeroShare(train, dataset.inputDim);
  const { network, losses } = trainFusedSteps({
    dataset,
    train,
    hidden,
    density,
    seed: 11,
    inputNonZero,
    steps: STEPS,
    network: { kernels },
  });
  expect(network.kernels.name).toBe(kernels);
  const test = byteImageSplit(
    700,
    dataset.test.pixels!.subarray(0, 700 * dataset.inputDim),
    dataset.test.y.subarray(0, 700),
  );
  return {
    kinds: network.layers.map((layer) => layer.kind),
    losses,
    parameters: network.layers.map(sharedParameters),
    moments: network.layers.map(sharedMoments),
    evaluation: network.evaluate(test, 250),
  };
}

describe('the fused network on WebAssembly equals it on TypeScript', () => {
  const cases = [
    { dataset: 'fashion', hidden: [30, 12], density: 1, first: 'input-dense' },
    { dataset: 'fashion', hidden: [37, 11], density: 0.3, first: 'input-sparse' },
    { dataset: 'mnist', hidden: [12, 4], density: 0.5, first: 'input-masked' },
    { dataset: 'mnist', hidden: [21, 9, 6], density: 0.2, first: 'input-sparse' },
  ] as const;
  for (const { dataset: id, hidden, density, first } of cases) {
    it(`${id} (${hidden.join(',')})@${density}: losses, parameters, moments, evaluation`, () => {
      const wasm = trainNetwork(dataset(id), [...hidden], density, 'wasm');
      const typescript = trainNetwork(dataset(id), [...hidden], density, 'js');
      expect(wasm.kinds[0]).toBe(first);
      expect(wasm.kinds.slice(1)).toEqual(
        hidden
          .map(() => (density < 1 ? 'sparse' : 'dense'))
          .slice(1)
          .concat('dense'),
      );
      // toEqual compares numbers with Object.is: the same double, bit for bit.
      expect(wasm.losses).toEqual(typescript.losses);
      expect(wasm.evaluation).toEqual(typescript.evaluation);
      wasm.parameters.forEach((layer, index) => {
        const other = typescript.parameters[index];
        expect(bits(layer.weights), `layer ${index} weights`).toEqual(bits(other.weights));
        expect(bits(layer.bias), `layer ${index} bias`).toEqual(bits(other.bias));
        for (const j of [0, 1] as const) {
          expect(bits(wasm.moments[index].weights[j]), `layer ${index} moment ${j}`).toEqual(
            bits(typescript.moments[index].weights[j]),
          );
        }
      });
      // Training moved: the loss fell from its start.
      expect(wasm.losses[STEPS - 1]).toBeLessThan(wasm.losses[0]);
    });
  }
});
