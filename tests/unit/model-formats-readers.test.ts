import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOnnx } from '../../src-shared/model/formats/onnx.ts';
import { readPytorch } from '../../src-shared/model/formats/pytorch.ts';
import { readSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import { readTfjs } from '../../src-shared/model/formats/tfjs.ts';
import { naturalCompare } from '../../src-shared/model/formats/tensor.ts';
import { openZip } from '../../src-main/model-files/zip.ts';
import { expected, expectMatches, fixture, FORMATS, formatError } from './model-formats-support.ts';

describe('ONNX reader (graphs built by the onnx package)', () => {
  it('reads Flatten, Identity, Gemm(transB=1) + Relu with raw_data float32 and drops a final Softmax', () => {
    const model = readOnnx(fixture('onnx-gemm-transb-flatten-softmax.onnx'));
    expect(model.format).toBe('onnx');
    expectMatches(model.network, expected('onnx-gemm-transb-flatten-softmax'));
    expect(model.notes).toEqual([
      'node 7 (Softmax) dropped: it does not change the regions or the predicted class',
    ]);
  });

  it('reads MatMul + Add with float64 weights in double_data, a Reshape by a Constant and a final LogSoftmax', () => {
    const model = readOnnx(fixture('onnx-matmul-add-float64-reshape-logsoftmax.onnx'));
    expectMatches(model.network, expected('onnx-matmul-add-float64-reshape-logsoftmax'));
    expect(model.notes[0]).toMatch(/^node \d+ \(LogSoftmax\) dropped/);
  });

  it('applies Gemm alpha and beta to weights in float_data stored [in, out] (transB=0) and a [1, out] bias', () => {
    const model = readOnnx(fixture('onnx-gemm-alpha-beta-float-data.onnx'));
    expectMatches(model.network, expected('onnx-gemm-alpha-beta-float-data'));
  });

  it('reads a column-per-sample graph: Gemm(W, x, transB=1) then Gemm(W2, h) with [out, 1] biases', () => {
    const model = readOnnx(fixture('onnx-gemm-column-layout.onnx'));
    expectMatches(model.network, expected('onnx-gemm-column-layout'));
  });

  it('passes a Dropout through (inference) when its mask is unused', () => {
    const model = readOnnx(fixture('onnx-dropout-passes-through.onnx'));
    expectMatches(model.network, expected('onnx-dropout-passes-through'));
    expect(model.notes).toEqual(['node 2 (Dropout) passes through (inference)']);
  });

  it('refuses a Sigmoid naming the node', () => {
    expect(formatError(() => readOnnx(fixture('onnx-sigmoid-refused.onnx')))).toBe(
      'node 1 (Sigmoid): only Relu activations are supported',
    );
  });

  it('refuses every truncation of a valid file with one line and never returns a network', () => {
    const bytes = fixture('onnx-gemm-transb-flatten-softmax.onnx');
    for (const length of [1, 7, 40, 200, bytes.length - 60, bytes.length - 1]) {
      const message = formatError(() => readOnnx(bytes.subarray(0, length)));
      expect(message).not.toContain('\n');
      expect(message).toMatch(/^(onnx|node \d+|initializer)/);
    }
    expect(formatError(() => readOnnx(bytes.subarray(0, 200)))).toMatch(
      /^onnx: not a readable ONNX model \(index out of range/,
    );
  });
});

describe('safetensors reader', () => {
  for (const dtype of ['f32', 'f64', 'f16', 'bf16']) {
    it(`reads a state_dict in ${dtype.toUpperCase()} (values exactly as stored)`, () => {
      const model = readSafetensors(fixture(`safetensors-${dtype}.safetensors`));
      expect(model.format).toBe('safetensors');
      expectMatches(model.network, expected(`safetensors-${dtype}`));
    });
  }

  it('orders layers by natural name order (net.2 before net.10), whatever the header order', () => {
    const model = readSafetensors(fixture('safetensors-natural-order.safetensors'));
    expectMatches(model.network, expected('safetensors-natural-order'));
    expect(model.notes).toContain(
      '3 nn.Linear layers in name order (net.0, net.2, net.10), ReLU between them: a state_dict stores no activations',
    );
  });

  it('turns torch.nn.utils.prune weight_orig + weight_mask into masked weights', () => {
    const model = readSafetensors(fixture('safetensors-pruned-weight-orig-mask.safetensors'));
    expectMatches(model.network, expected('safetensors-pruned-weight-orig-mask'));
    expect(model.notes).toContain('1 torch.nn.utils.prune masks (weight_mask)');
  });

  it('refuses shapes that do not chain, naming both tensors', () => {
    expect(
      formatError(() => readSafetensors(fixture('safetensors-wrong-shapes.safetensors'))),
    ).toBe(
      'tensor "layers.2.weight": takes 5 inputs, but tensor "layers.0.weight" gives 4 outputs',
    );
  });

  it('refuses a header size past the end of the file before reading it', () => {
    const bytes = new Uint8Array(64);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(formatError(() => readSafetensors(bytes))).toBe(
      'safetensors: the header declares 4611686018427387904 bytes, the file has 56 after the size',
    );
  });

  it('refuses a tensor whose declared shape does not match its bytes, without allocating it', () => {
    const header = JSON.stringify({
      'layers.0.weight': { dtype: 'F32', shape: [1000000, 1000000], data_offsets: [0, 8] },
    });
    const text = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + text.length + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
    bytes.set(text, 8);
    expect(formatError(() => readSafetensors(bytes))).toBe(
      'tensor "layers.0.weight": 8 bytes of data, its shape [1000000, 1000000] in F32 needs 4000000000000',
    );
  });

  it('refuses offsets outside the data and non-float dtypes', () => {
    const make = (entry: unknown) => {
      const text = new TextEncoder().encode(JSON.stringify({ 'fc.weight': entry }));
      const bytes = new Uint8Array(8 + text.length + 16);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
      bytes.set(text, 8);
      return bytes;
    };
    expect(
      formatError(() =>
        readSafetensors(make({ dtype: 'F32', shape: [2, 4], data_offsets: [0, 32] })),
      ),
    ).toBe('tensor "fc.weight": data_offsets [0, 32] lie outside the 16 bytes of data');
    expect(
      formatError(() => readSafetensors(make({ dtype: 'I64', shape: [2], data_offsets: [0, 16] }))),
    ).toBe('tensor "fc.weight": dtype "I64" is not a float type (F32, F64, F16 or BF16)');
  });
});

describe('PyTorch reader (torch.save zip layout, safe pickle)', () => {
  const read = (name: string) => readPytorch(openZip(fixture(name)));

  it('reads a stored-zip state_dict of Linear layers', () => {
    const model = read('pytorch-state-dict-stored.pt');
    expect(model.format).toBe('pytorch');
    expectMatches(model.network, expected('pytorch-state-dict-stored'));
  });

  it('reads float64 Parameters from a deflated archive with another folder name', () => {
    expectMatches(
      read('pytorch-float64-parameters-deflated.pth').network,
      expected('pytorch-float64-parameters-deflated'),
    );
  });

  it('gathers a tensor saved as a transposed view by its strides', () => {
    expectMatches(
      read('pytorch-strided-transposed-view.pt').network,
      expected('pytorch-strided-transposed-view'),
    );
  });

  it('finds the state_dict inside a training checkpoint dict', () => {
    const model = read('pytorch-checkpoint-model-state-dict.pt');
    expectMatches(model.network, expected('pytorch-checkpoint-model-state-dict'));
    expect(model.notes[0]).toBe('the state_dict is the checkpoint\'s "model_state_dict" entry');
  });

  it('reads torch.nn.utils.prune masks', () => {
    expectMatches(
      read('pytorch-pruned-weight-orig-mask.pt').network,
      expected('pytorch-pruned-weight-orig-mask'),
    );
  });

  it('refuses a pickle that names os.system before anything could run', () => {
    expect(formatError(() => read('pytorch-os-system-refused.pt'))).toBe(
      'pickle global os.system is not allowed in a state_dict',
    );
  });

  it('refuses a state_dict with a BatchNorm buffer naming the tensor', () => {
    expect(formatError(() => read('pytorch-batchnorm-refused.pt'))).toBe(
      'tensor "bn.running_mean": not a weight or bias of an nn.Linear layer (expected names ending in .weight or .bias)',
    );
  });

  it('refuses a truncated archive and a truncated pickle', () => {
    const bytes = fixture('pytorch-state-dict-stored.pt');
    expect(formatError(() => openZip(bytes.subarray(0, bytes.length - 30)))).toBe(
      'zip: no end of central directory (the file is truncated or not a zip)',
    );
    const archive = openZip(bytes);
    const pickle = archive.read('archive/data.pkl');
    const cut = {
      names: archive.names,
      read: (name: string) =>
        name.endsWith('data.pkl') ? pickle.subarray(0, 100) : archive.read(name),
    };
    expect(formatError(() => readPytorch(cut))).toMatch(
      /^pickle: (truncated at byte \d+|stack underflow)/,
    );
  });

  it('refuses a deflated entry that claims more than deflate can give (a zip bomb) before inflating', () => {
    const bytes = Uint8Array.from(fixture('pytorch-float64-parameters-deflated.pth'));
    const view = new DataView(bytes.buffer);
    // Central directory entries start with PK\x01\x02; their uncompressed size is at +24.
    let patched = 0;
    for (let at = 0; at + 46 <= bytes.length; at++) {
      if (view.getUint32(at, true) === 0x02014b50 && view.getUint16(at + 10, true) === 8) {
        view.setUint32(at + 24, 0xfffffff0, true);
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    expect(formatError(() => readPytorch(openZip(bytes)))).toMatch(
      /^zip: model\/(data\.pkl|byteorder) claims 4294967280 bytes from \d+ compressed$/,
    );
  });

  it('refuses a pickle string that declares more bytes than the file has', () => {
    const archive = openZip(fixture('pytorch-state-dict-stored.pt'));
    // PROTO 2, BINUNICODE of 0xffffffff bytes.
    const hostile = Uint8Array.of(0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0xff, 0x41);
    const patched = {
      names: archive.names,
      read: (name: string) => (name.endsWith('data.pkl') ? hostile : archive.read(name)),
    };
    expect(formatError(() => readPytorch(patched))).toBe(
      'pickle: truncated at byte 7 (wants 4294967295 more bytes)',
    );
  });

  it('refuses opcodes a state_dict never needs', () => {
    const archive = openZip(fixture('pytorch-state-dict-stored.pt'));
    // PROTO 2, EMPTY_DICT, NEWOBJ (0x81), STOP
    const hostile = Uint8Array.of(0x80, 0x02, 0x7d, 0x81, 0x2e);
    const patched = {
      names: archive.names,
      read: (name: string) => (name.endsWith('data.pkl') ? hostile : archive.read(name)),
    };
    expect(formatError(() => readPytorch(patched))).toBe(
      'pickle: opcode 0x81 (NEWOBJ) at byte 3 is not allowed in a state_dict',
    );
  });
});

describe('TensorFlow.js reader (model saved by tfjs)', () => {
  const dir = join(FORMATS, 'tfjs-dense-relu');
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as unknown;
  const shard = (path: string) => new Uint8Array(readFileSync(join(dir, path)));

  it('reads Dense relu layers, transposes kernels, passes Dropout and drops the final softmax', () => {
    const model = readTfjs(modelJson, shard);
    expect(model.format).toBe('tfjs');
    const want = expected('tfjs-dense-relu');
    // tfjs computes in float32: compare its logits to 5 digits, the weights exactly.
    const exact = { ...want, inputs: [], outputs: [] };
    expectMatches(model.network, exact);
    want.inputs.forEach((x, k) => {
      const network = model.network;
      let h = x;
      network.layers.forEach((layer) => {
        h = Array.from({ length: layer.outDim }, (_, j) => {
          let sum = layer.bias[j];
          for (let i = 0; i < layer.inDim; i++) sum += layer.weights[j * layer.inDim + i] * h[i];
          return layer.activation === 'relu' ? Math.max(0, sum) : sum;
        });
      });
      h.forEach((value, j) => expect(value).toBeCloseTo(want.outputs[k][j], 5));
    });
    expect(model.notes).toEqual([
      'layer "drop" (Dropout) passes through (inference)',
      'layer "logits" (Dense): its softmax is dropped (it does not change the regions or the predicted class)',
    ]);
  });

  it('refuses a shard shorter than the manifest says', () => {
    expect(formatError(() => readTfjs(modelJson, (path) => shard(path).subarray(0, 100)))).toMatch(
      /^weight "[\w/]+": shape \[\d+(, \d+)*\] runs past the 100 bytes of group1-shard1of1\.bin$/,
    );
  });

  it('refuses shard paths that leave the model folder', () => {
    const hostile = structuredClone(modelJson) as { weightsManifest: { paths: string[] }[] };
    hostile.weightsManifest[0].paths = ['../../etc/passwd'];
    expect(formatError(() => readTfjs(hostile, shard))).toBe(
      'weightsManifest[0].paths[0]: "../../etc/passwd" is not a file beside model.json',
    );
  });
});

describe('natural name order', () => {
  it('compares digit runs as numbers', () => {
    expect(
      ['layers.10', 'layers.2', 'layers.0', 'fc1', 'fc10', 'fc2'].sort(naturalCompare),
    ).toEqual(['fc1', 'fc2', 'fc10', 'layers.0', 'layers.2', 'layers.10']);
  });
});
