/**
 * The lab service's model-file api (issue 12): importModelFile reads the file in a worker
 * thread and stores any format with its source (format, file name, SHA-256, notes) in one
 * transaction, takes a tfjs model.json's
 * shards as companions, routes bundles to importModel, refuses bad files naming the place
 * and writes nothing; exportModelFile writes a checkpoint as ONNX or safetensors.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { readOnnx } from '../../src-shared/model/formats/onnx.ts';
import { readSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { expected, fixture, FORMATS } from '../unit/model-formats-support.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-import-model-file-'));
let lab: LabService;
let projectId: number;
beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  projectId = (await lab.createProject({ name: 'formats', description: '' })).id;
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

const tfjsDir = join(FORMATS, 'tfjs-dense-relu');
const modelJson = new Uint8Array(readFileSync(join(tfjsDir, 'model.json')));
const shard = new Uint8Array(readFileSync(join(tfjsDir, 'group1-shard1of1.bin')));

async function refusal(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as Error).message;
}

describe('importModelFile', () => {
  it('stores a tfjs model with its shard, its source and the reader notes', async () => {
    const { model, source } = await lab.importModelFile({
      projectId,
      fileName: 'model.json',
      bytes: modelJson,
      companions: [{ fileName: 'group1-shard1of1.bin', bytes: shard }],
      maskZeros: false,
    });
    expect(model).toMatchObject({ datasetId: 'xor', hidden: [5, 4], checkpointCount: 1 });
    expect(source).toMatchObject({
      format: 'tfjs',
      fileName: 'model.json',
      sha256: createHash('sha256').update(modelJson).digest('hex'),
    });
    expect(source.notes).toContain('layer "drop" (Dropout) passes through (inference)');
    expect(await lab.getModelSource({ id: model.id })).toEqual(source);

    // The stored checkpoint is the file's network (float32 numbers as tfjs saved them).
    const onnx = await lab.exportModelFile({ id: model.id, format: 'onnx' });
    expect(onnx.fileName).toBe('model.iter0.onnx');
    const want = expected('tfjs-dense-relu');
    readOnnx(onnx.bytes).network.layers.forEach((layer, l) => {
      expect(Array.from(layer.weights)).toEqual(want.layers[l].weights.flat());
    });
  });

  it('imports a bundle through importModel and records it as one', async () => {
    const first = await lab.importModelFile({
      projectId,
      fileName: 'checkpoint.pt',
      bytes: fixture('pytorch-checkpoint-model-state-dict.pt'),
      name: 'torch',
      maskZeros: false,
    });
    const bundle = await lab.exportModel({ id: first.model.id });
    const bytes = new TextEncoder().encode(bundle.content);
    const { model, source } = await lab.importModelFile({
      projectId,
      fileName: 'torch.mbh-bundle.json',
      bytes,
      maskZeros: false,
    });
    expect(model.name).toBe('torch');
    expect(source).toMatchObject({ format: 'mbh-model-bundle', notes: [] });
    expect(
      await refusal(lab.importModelFile({ projectId, fileName: 'b.json', bytes, maskZeros: true })),
    ).toBe('params.maskZeros: applies to a single model, not a bundle');
  });

  it('refuses bad files naming the place, and writes nothing', async () => {
    const before = await lab.listModels({});
    expect(
      await refusal(
        lab.importModelFile({
          projectId,
          fileName: 'model.json',
          bytes: modelJson,
          maskZeros: false,
        }),
      ),
    ).toBe(
      'params.bytes: tfjs: weight file group1-shard1of1.bin is missing: give it with model.json',
    );
    expect(
      await refusal(
        lab.importModelFile({
          projectId,
          fileName: 'evil.pt',
          bytes: fixture('pytorch-os-system-refused.pt'),
          maskZeros: false,
        }),
      ),
    ).toBe('params.bytes: pickle global os.system is not allowed in a state_dict');
    expect(
      await refusal(
        lab.importModelFile({
          projectId,
          fileName: 'net.onnx',
          bytes: fixture('onnx-gemm-transb-flatten-softmax.onnx'),
          datasetId: 'xor',
          maskZeros: false,
        }),
      ),
    ).toBe(
      'params.datasetId: dataset xor has 2 inputs and 2 classes, the model 4 inputs and 2 classes',
    );
    expect(
      await refusal(
        lab.importModelFile({
          projectId,
          fileName: 'x.onnx',
          bytes: new Uint8Array(0),
          maskZeros: false,
        }),
      ),
    ).toBe('params.bytes: the file is empty');
    expect(await lab.listModels({})).toEqual(before);
  });
});

describe('exportModelFile', () => {
  it('writes the last or a named checkpoint and refuses one that is not stored', async () => {
    const { model } = await lab.importModelFile({
      projectId,
      fileName: 'columns.onnx',
      bytes: fixture('onnx-gemm-column-layout.onnx'),
      maskZeros: false,
    });
    const file = await lab.exportModelFile({ id: model.id, format: 'safetensors', iteration: 0 });
    expect(file.fileName).toBe('columns.iter0.safetensors');
    const want = expected('onnx-gemm-column-layout');
    readSafetensors(file.bytes).network.layers.forEach((layer, l) => {
      expect(Array.from(layer.weights)).toEqual(want.layers[l].weights.flat());
      expect(Array.from(layer.bias)).toEqual(want.layers[l].bias);
    });
    expect(await refusal(lab.exportModelFile({ id: model.id, format: 'onnx', iteration: 7 }))).toBe(
      `params.iteration: model ${model.id} has no checkpoint at 7 (stored: 0)`,
    );
  });
});
