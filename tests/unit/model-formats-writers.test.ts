import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { partitionPlane } from '../../src-shared/mbh/partition.ts';
import { planeFromPoints } from '../../src-shared/mbh/plane.ts';
import { networkToModelJson, parseModelJson } from '../../src-shared/model/format.ts';
import { readOnnx, writeOnnx } from '../../src-shared/model/formats/onnx.ts';
import { readPytorch } from '../../src-shared/model/formats/pytorch.ts';
import { readSafetensors, writeSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import { readTfjs } from '../../src-shared/model/formats/tfjs.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import { Random } from '../../src-shared/model/random.ts';
import { openZip } from '../../src-main/model-files/zip.ts';
import { expected, fixture, FORMATS, forward } from './model-formats-support.ts';

const labExport = parseModelJson(
  JSON.parse(readFileSync(join(FORMATS, 'lab-export.mbh-model.json'), 'utf8')),
);
const checked = JSON.parse(readFileSync(join(FORMATS, 'lab-export.expected.json'), 'utf8')) as {
  inputs: number[][];
  onnxOutputs: number[][];
  safetensorsOutputs: number[][];
  weights: Record<string, number[]>;
};

/** The network with every weight and bias rounded to float32, masks kept. */
function toFloat32(network: Network): Network {
  return {
    inputDim: network.inputDim,
    layers: network.layers.map((layer): DenseLayer => ({
      ...layer,
      weights: Float64Array.from(Float32Array.from(layer.weights)),
      bias: Float64Array.from(Float32Array.from(layer.bias)),
    })),
  };
}

function expectSameNetwork(got: Network, want: Network): void {
  expect(got.inputDim).toBe(want.inputDim);
  expect(got.layers.map((l) => [l.inDim, l.outDim, l.activation])).toEqual(
    want.layers.map((l) => [l.inDim, l.outDim, l.activation]),
  );
  got.layers.forEach((layer, l) => {
    expect(Array.from(layer.weights, (v) => v + 0)).toEqual(
      Array.from(want.layers[l].weights, (v) => v + 0),
    );
    expect(Array.from(layer.bias)).toEqual(Array.from(want.layers[l].bias));
    expect(layer.mask ? Array.from(layer.mask) : null).toEqual(
      want.layers[l].mask ? Array.from(want.layers[l].mask) : null,
    );
  });
}

describe('ONNX and safetensors writers', () => {
  it('write the bytes that onnx.checker accepted and numpy evaluated (check-lab-exports.py)', () => {
    expect(writeOnnx(labExport)).toEqual(fixture('lab-export.onnx'));
    expect(writeSafetensors(labExport)).toEqual(fixture('lab-export.safetensors'));
  });

  it('hold float32 weights with PyTorch names that compute the outputs the tools computed', () => {
    const float32 = toFloat32(labExport);
    float32.layers.forEach((layer, l) => {
      expect(checked.weights[`layers.${2 * l}.weight`]).toEqual(
        Array.from(layer.weights, (v) => v + 0),
      );
      expect(checked.weights[`layers.${2 * l}.bias`]).toEqual(Array.from(layer.bias));
    });
    checked.inputs.forEach((x, k) => {
      const mine = forward(float32, x);
      // numpy evaluated the ONNX graph in float32 and the safetensors file in float64.
      mine.forEach((value, j) => {
        expect(value).toBeCloseTo(checked.onnxOutputs[k][j], 5);
        expect(value).toBeCloseTo(checked.safetensorsOutputs[k][j], 12);
      });
    });
  });

  it('round trip JSON → ONNX → JSON and JSON → safetensors → JSON to identical float32 weights', () => {
    const want = toFloat32(labExport);
    for (const bytes of [writeOnnx(labExport), writeSafetensors(labExport)]) {
      const read =
        bytes[0] === 0x08
          ? readOnnx(bytes, { maskZeros: true })
          : readSafetensors(bytes, { maskZeros: true });
      expectSameNetwork(read.network, want);
      // And through the Model JSON text the CLI writes.
      expectSameNetwork(
        parseModelJson(JSON.parse(JSON.stringify(networkToModelJson(read.network)))),
        want,
      );
    }
    // Without --mask-zeros the pruned weights come back as plain zeros.
    const dense = readOnnx(writeOnnx(labExport)).network;
    expect(dense.layers.every((layer) => layer.mask === undefined)).toBe(true);
    expect(Array.from(dense.layers[0].weights)).toEqual(Array.from(want.layers[0].weights));
  });
});

describe('the region count of a plane is the same for every format', () => {
  function randomNetwork(widths: number[], seed: number): Network {
    const random = Random.create(seed);
    const layers = widths.slice(1).map((outDim, l): DenseLayer => ({
      inDim: widths[l],
      outDim,
      weights: Float64Array.from(
        Float32Array.from(
          { length: outDim * widths[l] },
          () => random.nextNormal() / Math.sqrt(widths[l]),
        ),
      ),
      bias: Float64Array.from(
        Float32Array.from({ length: outDim }, () => 0.1 * random.nextNormal()),
      ),
      activation: l === widths.length - 2 ? 'linear' : 'relu',
    }));
    return { inputDim: widths[0], layers };
  }

  function regions(network: Network, seed: number): number {
    const random = Random.create(seed, 'plane');
    const point = () => Float64Array.from({ length: network.inputDim }, () => random.nextNormal());
    return partitionPlane(network, planeFromPoints(point(), point(), point())).regionCount;
  }

  it('JSON, ONNX and safetensors of one network partition a plane into the same regions', () => {
    const network = randomNetwork([6, 24, 16, 4], 3);
    const viaJson = parseModelJson(JSON.parse(JSON.stringify(networkToModelJson(network))));
    const viaOnnx = readOnnx(writeOnnx(network)).network;
    const viaSafetensors = readSafetensors(writeSafetensors(network)).network;
    for (const seed of [1, 2, 3]) {
      const count = regions(network, seed);
      expect(count).toBeGreaterThan(20);
      expect([
        regions(viaJson, seed),
        regions(viaOnnx, seed),
        regions(viaSafetensors, seed),
      ]).toEqual([count, count, count]);
    }
  });

  it('every fixture read from its file partitions like its Model JSON twin', () => {
    const twin = (stem: string): Network =>
      parseModelJson({
        format: 'mbh-model',
        version: 1,
        inputDim: expected(stem).inputDim,
        layers: expected(stem).layers.map((layer, l, all) => ({
          ...layer,
          activation: l === all.length - 1 ? 'linear' : 'relu',
        })),
      });
    const tfjsDir = join(FORMATS, 'tfjs-dense-relu');
    const cases: [string, Network][] = [
      [
        'onnx-gemm-transb-flatten-softmax',
        readOnnx(fixture('onnx-gemm-transb-flatten-softmax.onnx')).network,
      ],
      [
        'onnx-matmul-add-float64-reshape-logsoftmax',
        readOnnx(fixture('onnx-matmul-add-float64-reshape-logsoftmax.onnx')).network,
      ],
      ['safetensors-bf16', readSafetensors(fixture('safetensors-bf16.safetensors')).network],
      [
        'safetensors-natural-order',
        readSafetensors(fixture('safetensors-natural-order.safetensors')).network,
      ],
      [
        'pytorch-state-dict-stored',
        readPytorch(openZip(fixture('pytorch-state-dict-stored.pt'))).network,
      ],
      [
        'pytorch-pruned-weight-orig-mask',
        readPytorch(openZip(fixture('pytorch-pruned-weight-orig-mask.pt'))).network,
      ],
      [
        'tfjs-dense-relu',
        readTfjs(
          JSON.parse(readFileSync(join(tfjsDir, 'model.json'), 'utf8')),
          (path) => new Uint8Array(readFileSync(join(tfjsDir, path))),
        ).network,
      ],
    ];
    for (const [stem, network] of cases) {
      const reference = twin(stem);
      expect([stem, regions(network, 7)]).toEqual([stem, regions(reference, 7)]);
      expect(regions(network, 7)).toBeGreaterThan(1);
    }
  });
});
