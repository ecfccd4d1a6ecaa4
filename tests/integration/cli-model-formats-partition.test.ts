/**
 * Issue 12 on the command line: `partition --model` reads every model format directly
 * (by magic and extension) and partitions a plane identically whatever the format.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkToModelJson } from '../../src-shared/model/format.ts';
import { writeOnnx } from '../../src-shared/model/formats/onnx.ts';
import { writeSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import { Random } from '../../src-shared/model/random.ts';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { expected, FORMATS } from '../unit/model-formats-support.ts';

const { dir } = tempLabHome('mbh-cli-formats-partition-');

/** A 2-16-12-2 network (the xor dataset's shape), float32 numbers, some exact zeros. */
function network(): Network {
  const random = Random.create(21);
  const widths = [2, 16, 12, 2];
  const layers = widths.slice(1).map((outDim, l): DenseLayer => ({
    inDim: widths[l],
    outDim,
    weights: Float64Array.from(
      Float32Array.from({ length: outDim * widths[l] }, (_, q) =>
        l === 1 && q % 3 === 0 ? 0 : random.nextNormal() / Math.sqrt(widths[l]),
      ),
    ),
    bias: Float64Array.from(Float32Array.from({ length: outDim }, () => 0.2 * random.nextNormal())),
    activation: l === widths.length - 2 ? 'linear' : 'relu',
  }));
  return { inputDim: 2, layers };
}

const net = network();
const files = {
  json: join(dir, 'net.json'),
  onnx: join(dir, 'net.onnx'),
  safetensors: join(dir, 'net.safetensors'),
  plane: join(dir, 'plane.json'),
};
writeFileSync(files.json, JSON.stringify(networkToModelJson(net)));
writeFileSync(files.onnx, writeOnnx(net));
writeFileSync(files.safetensors, writeSafetensors(net));
writeFileSync(
  files.plane,
  JSON.stringify({
    points: [
      [-1, -1],
      [1, -0.5],
      [0.2, 1],
    ],
  }),
);

async function regions(model: string, plane = files.plane): Promise<number> {
  const result = await mbh('partition', '--model', model, '--plane', plane, '--json');
  expect(result.status, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { regions: number }).regions;
}

describe('partition --model reads every format', () => {
  it('gives the same region count for Model JSON, ONNX, safetensors and PyTorch', async () => {
    const count = await regions(files.json);
    expect(count).toBeGreaterThan(10);
    expect(await regions(files.onnx)).toBe(count);
    expect(await regions(files.safetensors)).toBe(count);

    // The PyTorch fixture against its Model JSON twin (weights from numpy).
    const twin = join(dir, 'twin.json');
    const want = expected('pytorch-checkpoint-model-state-dict');
    writeFileSync(
      twin,
      JSON.stringify({
        format: 'mbh-model',
        version: 1,
        inputDim: want.inputDim,
        layers: want.layers.map((layer, l) => ({
          ...layer,
          activation: l === 0 ? 'relu' : 'linear',
        })),
      }),
    );
    expect(await regions(join(FORMATS, 'pytorch-checkpoint-model-state-dict.pt'))).toBe(
      await regions(twin),
    );
  });

  it('reads a tfjs model.json with its shard beside it', async () => {
    const plane = join(dir, 'plane-tfjs.json');
    writeFileSync(
      plane,
      JSON.stringify({
        points: [
          [1.5, 0],
          [-1, 1.2],
          [0, -1.4],
        ],
      }),
    );
    expect(await regions(join(FORMATS, 'tfjs-dense-relu', 'model.json'), plane)).toBeGreaterThan(1);
  });

  it('refuses an unsupported graph naming the node, in one line', async () => {
    const result = await mbh(
      'partition',
      '--model',
      join(FORMATS, 'onnx-sigmoid-refused.onnx'),
      '--plane',
      files.plane,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `mbh-lab partition: ${join(FORMATS, 'onnx-sigmoid-refused.onnx')}: node 1 (Sigmoid): only Relu activations are supported\n`,
    );
  });
});
