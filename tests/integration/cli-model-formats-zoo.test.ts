/**
 * Issue 12 on the command line: `zoo import` stores ONNX, safetensors and PyTorch files
 * with their source format and SHA-256, `zoo export --format onnx|safetensors` writes them
 * back, and hostile or unsupported files are refused with one line while the zoo stays
 * unchanged.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOnnx, writeOnnx } from '../../src-shared/model/formats/onnx.ts';
import { readSafetensors, writeSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import { Random } from '../../src-shared/model/random.ts';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { FORMATS } from '../unit/model-formats-support.ts';

const { dir, zoo } = tempLabHome('mbh-cli-formats-zoo-');

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
  onnx: join(dir, 'net.onnx'),
  safetensors: join(dir, 'net.safetensors'),
};
writeFileSync(files.onnx, writeOnnx(net));
writeFileSync(files.safetensors, writeSafetensors(net));

async function modelCount(): Promise<number> {
  const listed = await mbh('zoo', 'ls', '--zoo', zoo, '--json');
  return (JSON.parse(listed.stdout) as unknown[]).length;
}

describe('zoo import and export of model files', () => {
  it('imports ONNX with its format and SHA-256 and exports byte-identical ONNX and safetensors', async () => {
    const imported = await mbh(
      'zoo',
      'import',
      files.onnx,
      '--dataset',
      'xor',
      '--zoo',
      zoo,
      '--json',
    );
    expect(imported.status, imported.stderr).toBe(0);
    const model = JSON.parse(imported.stdout) as {
      id: number;
      checkpointCount: number;
      source: { format: string; sha256: string; fileName: string };
    };
    const sha = createHash('sha256').update(readFileSync(files.onnx)).digest('hex');
    expect(model.checkpointCount).toBe(1);
    expect(model.source).toMatchObject({ format: 'onnx', sha256: sha, fileName: 'net.onnx' });

    const shown = await mbh('zoo', 'show', String(model.id), '--zoo', zoo);
    expect(shown.stdout).toContain(`  imported from net.onnx (onnx, sha256 ${sha})\n`);

    const onnxOut = join(dir, 'out.onnx');
    const exported = await mbh('zoo', 'export', String(model.id), '--out', onnxOut, '--zoo', zoo);
    expect(exported.stdout).toBe(`model ${model.id} written to ${onnxOut} (onnx)\n`);
    // The zoo keeps float32 numbers and the writer is canonical: the same bytes come back.
    expect(new Uint8Array(readFileSync(onnxOut))).toEqual(new Uint8Array(readFileSync(files.onnx)));

    const safeOut = join(dir, 'out.bin');
    const safe = await mbh(
      'zoo',
      'export',
      String(model.id),
      '--format',
      'safetensors',
      '--out',
      safeOut,
      '--iteration',
      '0',
      '--zoo',
      zoo,
    );
    expect(safe.status, safe.stderr).toBe(0);
    expect(new Uint8Array(readFileSync(safeOut))).toEqual(
      new Uint8Array(readFileSync(files.safetensors)),
    );
    expect(
      readSafetensors(new Uint8Array(readFileSync(safeOut))).network.layers.map((l) =>
        Array.from(l.weights),
      ),
    ).toEqual(
      readOnnx(new Uint8Array(readFileSync(onnxOut))).network.layers.map((l) =>
        Array.from(l.weights),
      ),
    );
  });

  it('imports a PyTorch checkpoint and a pruned safetensors file with --mask-zeros', async () => {
    const pt = join(FORMATS, 'pytorch-checkpoint-model-state-dict.pt');
    const imported = await mbh(
      'zoo',
      'import',
      pt,
      '--dataset',
      'xor',
      '--name',
      'from torch',
      '--zoo',
      zoo,
    );
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(
      /^imported model \d+: from torch \(pytorch, 1 checkpoint\)\n {2}sha256 [0-9a-f]{64}\n {2}note: the state_dict is the checkpoint's "model_state_dict" entry\n/,
    );

    const masked = await mbh(
      'zoo',
      'import',
      files.safetensors,
      '--dataset',
      'xor',
      '--mask-zeros',
      '--zoo',
      zoo,
      '--json',
    );
    expect(masked.status, masked.stderr).toBe(0);
    const { id, source } = JSON.parse(masked.stdout) as { id: number; source: { notes: string[] } };
    const zeros = net.layers[1].weights.filter((w) => w === 0).length;
    expect(source.notes).toContain(`${zeros} weights are masked (pruned)`);
    const detail = JSON.parse(
      (await mbh('zoo', 'show', String(id), '--zoo', zoo, '--json')).stdout,
    ) as { density: number };
    expect(detail.density).toBeCloseTo((2 * 16 + 16 * 12 - zeros) / (2 * 16 + 16 * 12), 12);
  });

  it('imports a tfjs model.json with the shard beside it, and names a missing shard', async () => {
    const model = join(FORMATS, 'tfjs-dense-relu', 'model.json');
    const imported = await mbh('zoo', 'import', model, '--dataset', 'xor', '--zoo', zoo, '--json');
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      name: 'model',
      hidden: [5, 4],
      source: { format: 'tfjs', fileName: 'model.json' },
    });
    const alone = join(dir, 'alone');
    mkdirSync(alone);
    copyFileSync(model, join(alone, 'model.json'));
    const missing = await mbh('zoo', 'import', join(alone, 'model.json'), '--zoo', zoo);
    expect(missing.stderr).toBe(
      `mbh-lab zoo: zoo import: cannot read weight file ${join(alone, 'group1-shard1of1.bin')}: no such file\n`,
    );
  });

  it('refuses hostile and unsupported files with one line and stores nothing', async () => {
    const before = await modelCount();
    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(files.onnx).subarray(0, 300));
    const huge = join(dir, 'huge.safetensors');
    const header = new Uint8Array(16);
    new DataView(header.buffer).setBigUint64(0, 2n ** 60n, true);
    writeFileSync(huge, header);
    const cases: [string, string][] = [
      [
        join(FORMATS, 'pytorch-os-system-refused.pt'),
        'pickle global os.system is not allowed in a state_dict',
      ],
      [
        join(FORMATS, 'onnx-sigmoid-refused.onnx'),
        'node 1 (Sigmoid): only Relu activations are supported',
      ],
      [
        join(FORMATS, 'safetensors-wrong-shapes.safetensors'),
        'tensor "layers.2.weight": takes 5 inputs, but tensor "layers.0.weight" gives 4 outputs',
      ],
      [
        huge,
        'safetensors: the header declares 1152921504606846976 bytes, the file has 8 after the size',
      ],
    ];
    for (const [file, message] of cases) {
      const result = await mbh('zoo', 'import', file, '--dataset', 'xor', '--zoo', zoo);
      expect(result.status, file).toBe(2);
      expect(result.stderr, file).toBe(`mbh-lab zoo: ${file}: ${message}\n`);
    }
    const cut = await mbh('zoo', 'import', truncated, '--dataset', 'xor', '--zoo', zoo);
    expect(cut.stderr).toMatch(
      /^mbh-lab zoo: .*truncated\.onnx: onnx: not a readable ONNX model \(index out of range[^)]*\)\n$/,
    );
    const shape = await mbh(
      'zoo',
      'import',
      join(FORMATS, 'safetensors-f32.safetensors'),
      '--dataset',
      'xor',
      '--zoo',
      zoo,
    );
    expect(shape.stderr).toBe(
      'mbh-lab zoo: --dataset: dataset xor has 2 inputs and 2 classes, the model 3 inputs and 2 classes\n',
    );
    expect(await modelCount()).toBe(before);
  });
});
