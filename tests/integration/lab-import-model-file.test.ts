/**
 * The lab service's model-file api (issue 12), in process: importModelFile reads the
 * files it names by path in a worker thread and stores any format with its source
 * (format, file name, SHA-256, notes) in one transaction, takes a tfjs model.json's
 * shards as further files, stores bundles with their history, refuses bad files naming
 * the file and the problem, and writes nothing then; exportModelFile writes a checkpoint
 * as ONNX or safetensors.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { readOnnx } from '../../src-shared/model/formats/onnx.ts';
import { readSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { expected, FORMATS } from '../unit/model-formats-support.ts';

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
const byPath = (path: string, name = path.split('/').pop()!) => ({ name, source: { path } });
const formats = (name: string) => byPath(join(FORMATS, name));
const scratch = join(home, 'files');
mkdirSync(scratch);
/** A file of the test's own, written to disk. */
function written(name: string, bytes: Uint8Array | string) {
  writeFileSync(join(scratch, name), bytes);
  return byPath(join(scratch, name));
}

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
      files: [byPath(join(tfjsDir, 'model.json')), byPath(join(tfjsDir, 'group1-shard1of1.bin'))],
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
      files: [formats('pytorch-checkpoint-model-state-dict.pt')],
      name: 'torch',
      maskZeros: false,
    });
    const bundle = await lab.exportModel({ id: first.model.id });
    const file = written('torch.mbh-bundle.json', bundle.content);
    const { model, source } = await lab.importModelFile({
      projectId,
      files: [file],
      maskZeros: false,
    });
    expect(model.name).toBe('torch');
    expect(source).toMatchObject({ format: 'mbh-model-bundle', notes: [] });
    expect(await lab.getModelSource({ id: model.id })).toEqual(source);
    expect(await refusal(lab.importModelFile({ projectId, files: [file], maskZeros: true }))).toBe(
      'params.maskZeros: applies to a single model, not a bundle',
    );
    const broken = JSON.parse(bundle.content) as { checkpoints: { iteration: unknown }[] };
    broken.checkpoints[0].iteration = 'first';
    expect(
      await refusal(
        lab.importModelFile({
          projectId,
          files: [written('broken.mbh-bundle.json', JSON.stringify(broken))],
          maskZeros: false,
        }),
      ),
    ).toBe(
      'params.files[0]: broken.mbh-bundle.json: checkpoints[0].iteration: must be a finite number, got string "first"',
    );
  });

  it('refuses bad files naming the file and the problem, and writes nothing', async () => {
    const before = await lab.listModels({});
    const onnx = formats('onnx-gemm-transb-flatten-softmax.onnx');
    const cases: [Parameters<typeof lab.importModelFile>[0]['files'], string][] = [
      [
        [byPath(join(tfjsDir, 'model.json'))],
        'params.files[0]: model.json: tfjs: weight file group1-shard1of1.bin is missing: give it with model.json',
      ],
      [
        [formats('pytorch-os-system-refused.pt')],
        'params.files[0]: pytorch-os-system-refused.pt: pickle global os.system is not allowed in a state_dict',
      ],
      [[written('x.onnx', new Uint8Array(0))], 'params.files[0]: x.onnx: the file is empty'],
      [
        [byPath(join(scratch, 'none.onnx'))],
        `params.files[0]: none.onnx: cannot read ${join(scratch, 'none.onnx')}: no such file`,
      ],
      [
        [byPath(scratch, 'folder.onnx')],
        'params.files[0]: folder.onnx: it is a folder, not a file',
      ],
      [[byPath('/dev/zero', 'zero.onnx')], 'params.files[0]: zero.onnx: not a regular file'],
      [
        [onnx, written('extra.bin', new Uint8Array(4))],
        'params.files[1]: extra.bin: onnx-gemm-transb-flatten-softmax.onnx is a ONNX file, which comes alone (only a tfjs model.json comes with weight files); import it on its own',
      ],
      [
        [
          byPath(join(tfjsDir, 'model.json')),
          byPath(join(tfjsDir, 'group1-shard1of1.bin')),
          written('stray.bin', new Uint8Array(4)),
        ],
        'params.files[2]: stray.bin: model.json names no weight file of this name; leave it out',
      ],
      [
        [onnx, { ...onnx }],
        'params.files[1].name: "onnx-gemm-transb-flatten-softmax.onnx" is given twice (also params.files[0])',
      ],
      [
        [{ name: '../escape.onnx', source: onnx.source }],
        'params.files[0].name: must be a file name without folders, got "../escape.onnx"',
      ],
      [
        [{ name: 'net.onnx', source: { path: 'relative/net.onnx' } }],
        'params.files[0].source.path: must be absolute, got "relative/net.onnx"',
      ],
      [
        [{ name: 'net.onnx', source: 'inline bytes' as never }],
        'params.files[0].source: must be { upload: id } (POST /upload) or { path: absolute path }; model files are not sent inline',
      ],
      [
        [{ name: 'net.onnx', source: { upload: 'a'.repeat(32) } }],
        `params.files[0].source.upload: no upload ${'a'.repeat(32)}: it was used by an earlier import or expired; upload the file again`,
      ],
      [[], 'params.files: must not be empty'],
    ];
    for (const [files, message] of cases) {
      expect(await refusal(lab.importModelFile({ projectId, files, maskZeros: false }))).toBe(
        message,
      );
    }
    expect(
      await refusal(
        lab.importModelFile({ projectId, files: [onnx], datasetId: 'xor', maskZeros: false }),
      ),
    ).toBe(
      'params.datasetId: dataset xor has 2 inputs and 2 classes, the model 4 inputs and 2 classes',
    );
    expect(await lab.listModels({})).toEqual(before);
  });

  it('refuses files over the byte limit by their size, before reading them', async () => {
    const { readImportFiles } = await import('../../src-main/model-files/read-import.ts');
    const a = written('a.bin', new Uint8Array(600));
    const b = written('b.bin', new Uint8Array(500));
    const files = [a, b].map((file) => ({
      name: file.name,
      path: file.source.path,
      given: 'path' as const,
    }));
    expect(() => readImportFiles(files, 550)).toThrow(
      'params.files[0]: a.bin: 600 bytes, over the limit of 550 bytes for a model file',
    );
    expect(() => readImportFiles(files, 1000)).toThrow(
      'params.files: the 2 files have 1100 bytes together, over the limit of 1000 bytes for a model',
    );
    expect(readImportFiles(files, 1100).map((bytes) => bytes.length)).toEqual([600, 500]);
  });
});

describe('exportModelFile', () => {
  it('writes the last or a named checkpoint and refuses one that is not stored', async () => {
    const { model } = await lab.importModelFile({
      projectId,
      files: [byPath(join(FORMATS, 'onnx-gemm-column-layout.onnx'), 'columns.onnx')],
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
