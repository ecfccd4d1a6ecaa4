import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src-main/data/csv.ts';
import { combineIdx, parseIdx } from '../../src-main/data/idx.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';

/** An IDX file: 00 00 type rank, big-endian dims, then the payload bytes. */
function idx(type: number, dims: number[], payload: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  bytes.set(payload, 4 + 4 * dims.length);
  return bytes;
}

const images = (count: number, rows = 2, cols = 2): Uint8Array =>
  idx(
    0x08,
    [count, rows, cols],
    Array.from({ length: count * rows * cols }, (_, i) => (i * 37) & 255),
  );
const labels = (values: number[]): Uint8Array => idx(0x08, [values.length], values);

describe('IDX reader', () => {
  it('reads 3-D u8 images and 1-D labels', () => {
    const samples = combineIdx(
      parseIdx(images(3), 'img'),
      parseIdx(labels([0, 2, 1]), 'lab'),
      'img',
      'lab',
      3,
    );
    expect(samples.count).toBe(3);
    expect(samples.inputDim).toBe(4);
    expect(Array.from(samples.pixels.subarray(0, 4))).toEqual([0, 37, 74, 111]);
    expect(Array.from(samples.labels)).toEqual([0, 2, 1]);
  });
  it('reads big-endian float images', () => {
    const bytes = idx(0x0d, [1, 2], [0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]);
    const parsed = parseIdx(bytes, 'f');
    expect(Array.from(parsed.values!)).toEqual([1, -2]);
  });
  it.each([
    ['an empty file', new Uint8Array(0), 'bad.idx: the file is empty'],
    [
      'a wrong magic number',
      Uint8Array.from([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0]),
      'bad.idx: wrong magic number 12 34 08 01',
    ],
    [
      'an unknown type',
      Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 0]),
      'bad.idx: unknown IDX element type 0x07',
    ],
    [
      'a truncated header',
      Uint8Array.from([0, 0, 0x08, 3, 0, 0, 0, 2]),
      'bad.idx: truncated IDX header (8 bytes, the 3 dimensions need 16)',
    ],
    [
      'truncated data',
      images(3).subarray(0, 20),
      'bad.idx: truncated: the header promises 3 × 2 × 2 u8 values (28 bytes), the file has 20 bytes',
    ],
    [
      'trailing bytes',
      Uint8Array.from([...labels([1, 2]), 9]),
      'bad.idx: 1 unexpected bytes after the 2 values the header declares',
    ],
    [
      'no dimensions',
      Uint8Array.from([0, 0, 0x08, 0]),
      'bad.idx: an IDX file needs at least one dimension',
    ],
  ])('rejects %s', (_, bytes, message) => {
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(message);
  });
  it('rejects mismatched pairs', () => {
    const img = parseIdx(images(3), 'img.idx');
    expect(() =>
      combineIdx(img, parseIdx(labels([0, 1]), 'lab.idx'), 'img.idx', 'lab.idx'),
    ).toThrow('count mismatch: img.idx holds 3 images but lab.idx holds 2 labels');
    expect(() =>
      combineIdx(img, parseIdx(labels([0, 1, 5]), 'lab.idx'), 'img.idx', 'lab.idx', 3),
    ).toThrow('lab.idx: label 2 is 5, outside [0, 3)');
    expect(() => combineIdx(img, img, 'img.idx', 'img2.idx')).toThrow(
      'img2.idx: this is an images file (magic 00 00 08 03, 3-D: 3 × 2 × 2), not a labels file (magic 00 00 08 01, 1-D)',
    );
    const flat = parseIdx(labels([1, 2, 3]), 'flat.idx');
    expect(() => combineIdx(flat, flat, 'flat.idx', 'lab.idx')).toThrow(
      'flat.idx: this is a labels file (magic 00 00 08 01, 1-D), not an images file (2-D or 3-D, e.g. magic 00 00 08 03)',
    );
    const floatLabels = parseIdx(idx(0x0d, [1], [0, 0, 0, 0]), 'fl.idx');
    expect(() => combineIdx(parseIdx(images(1), 'i'), floatLabels, 'i', 'fl.idx')).toThrow(
      'fl.idx: labels must be unsigned bytes (type 0x08), got f32',
    );
  });
});

describe('CSV reader', () => {
  it('reads a header with a label column anywhere, quotes and CRLF', () => {
    const samples = parseCsv('a,label,"b"\r\n0.5,1,2\r\n"-1",0,3e2\r\n', 'ok.csv');
    expect(samples.featureNames).toEqual(['a', 'b']);
    expect(Array.from(samples.x)).toEqual([0.5, 2, -1, 300]);
    expect(Array.from(samples.labels)).toEqual([1, 0]);
  });
  it.each([
    ['an empty file', '', undefined, 'bad.csv: the file is empty'],
    [
      'no label column',
      'a,b\n1,2\n',
      undefined,
      "bad.csv: the header has no 'label' column (columns: a, b)",
    ],
    [
      'two label columns',
      'label,label\n1,2\n',
      undefined,
      "bad.csv: the header has 2 'label' columns",
    ],
    [
      'only a header',
      'a,label\n',
      undefined,
      'bad.csv: the header is there but no data rows follow',
    ],
    [
      'a ragged row',
      'a,b,label\n1,2,0\n1,0\n',
      undefined,
      'bad.csv: row 3 has 2 cells, the header has 3 columns',
    ],
    [
      'a non-numeric cell',
      'a,b,label\n1,2,0\n1,x,0\n',
      undefined,
      "bad.csv: row 3, column 'b': 'x' is not a number",
    ],
    [
      'a blank cell',
      'a,b,label\n1,,0\n',
      undefined,
      "bad.csv: row 2, column 'b': '' is not a number",
    ],
    [
      'a fractional label',
      'a,label\n1,0.5\n',
      undefined,
      "bad.csv: row 2, column 'label': '0.5' is not a non-negative integer",
    ],
    [
      'a negative label',
      'a,label\n1,-1\n',
      undefined,
      "bad.csv: row 2, column 'label': '-1' is not a non-negative integer",
    ],
    [
      'a label out of range',
      'a,label\n1,3\n',
      3,
      "bad.csv: row 2, column 'label': 3 is outside [0, 3)",
    ],
    ['an empty row in the middle', 'a,label\n1,0\n\n2,1\n', undefined, 'bad.csv: row 3 is empty'],
    [
      'an unterminated quote',
      'a,label\n"1,0\n',
      undefined,
      'bad.csv: row 2: unterminated quoted field',
    ],
    [
      'a value too large for float32',
      'a,label\n1e39,0\n',
      undefined,
      "bad.csv: row 2, column 'a': 1e+39 does not fit a 32-bit float",
    ],
  ])('rejects %s', (_, text, classes, message) => {
    expect(() => parseCsv(text, 'bad.csv', classes)).toThrow(message);
  });
});

describe('user dataset import', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-import-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const file = (name: string, content: Uint8Array | string): string => {
    const path = join(root, name);
    writeFileSync(path, content);
    return path;
  };

  it('imports an IDX pair, holds out a seeded test split, and lists it', () => {
    const registry = new DatasetRegistry(join(root, 'lab1'));
    const entry = registry.importDataset({
      name: 'Tiny Digits',
      train: {
        format: 'idx',
        images: file('ti.idx', images(12)),
        labels: file('tl.idx', labels([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])),
      },
      testFraction: 0.25,
      seed: 5,
      classNames: ['zero', 'one', 'two'],
    });
    expect(entry).toMatchObject({
      id: 'user-tiny-digits',
      trainCount: 9,
      testCount: 3,
      classCount: 3,
      builtIn: false,
    });
    const dataset = registry.load('user-tiny-digits');
    expect(dataset.inputBox).toEqual({ low: 0, high: 1 });
    // Byte pixels scale to [0, 1]: every value is k / 255.
    for (const value of dataset.train.x)
      expect(Math.fround(Math.round(value * 255) / 255)).toBe(value);
    expect(dataset.train.pixels).toBeInstanceOf(Uint8Array);
    // Same seed, same split.
    const again = new DatasetRegistry(join(root, 'lab1b'));
    again.importDataset({
      name: 'Tiny Digits',
      train: { format: 'idx', images: join(root, 'ti.idx'), labels: join(root, 'tl.idx') },
      testFraction: 0.25,
      seed: 5,
      classNames: ['zero', 'one', 'two'],
    });
    expect(Array.from(again.load('user-tiny-digits').test.y)).toEqual(Array.from(dataset.test.y));
    expect(registry.list().map((e) => e.id)).toContain('user-tiny-digits');
    expect(() =>
      registry.importDataset({ name: 'tiny digits', train: { format: 'csv', path: 'x' } }),
    ).toThrow("a dataset with id 'user-tiny-digits' already exists");
    registry.remove('user-tiny-digits');
    expect(registry.has('user-tiny-digits')).toBe(false);
  });

  it('imports CSV train and test files with a data-derived input box', () => {
    const registry = new DatasetRegistry(join(root, 'lab2'));
    registry.importDataset({
      name: 'points',
      train: { format: 'csv', path: file('tr.csv', 'x,y,label\n-2,1,0\n3,0.5,1\n0,0,1\n') },
      test: { format: 'csv', path: file('te.csv', 'x,y,label\n1,1,0\n') },
    });
    const dataset = registry.load('user-points');
    expect(dataset.inputBox).toEqual({ low: -2, high: 3 });
    expect(dataset.classNames).toEqual(['0', '1']);
    expect(dataset.test.count).toBe(1);
  });

  it('leaves nothing behind when a file is broken', () => {
    const lab = join(root, 'lab3');
    const registry = new DatasetRegistry(lab);
    expect(() =>
      registry.importDataset({
        name: 'broken',
        train: { format: 'csv', path: file('b.csv', 'x,label\n1,0\n2,zero\n') },
      }),
    ).toThrow("b.csv: row 3, column 'label': 'zero' is not a non-negative integer");
    expect(() =>
      registry.importDataset({
        name: 'broken',
        train: {
          format: 'idx',
          images: file('bi.idx', images(3)),
          labels: file('bl.idx', labels([0, 1])),
        },
      }),
    ).toThrow('count mismatch: bi.idx holds 3 images but bl.idx holds 2 labels');
    expect(() =>
      registry.importDataset({
        name: 'broken',
        train: { format: 'csv', path: file('c1.csv', 'x,label\n1,0\n2,1\n') },
        test: { format: 'csv', path: file('c2.csv', 'x,z,label\n1,2,0\n') },
      }),
    ).toThrow('import: train samples have 1 features but test samples have 2');
    expect(() =>
      registry.importDataset({
        name: 'one class',
        train: { format: 'csv', path: file('c3.csv', 'x,label\n1,0\n2,0\n3,0\n') },
        testFraction: 0.34,
      }),
    ).toThrow('the labels name only one class');
    expect(() =>
      registry.importDataset({
        name: 'missing',
        train: { format: 'csv', path: join(root, 'nope.csv') },
      }),
    ).toThrow(/nope\.csv: cannot read/);
    expect(existsSync(join(lab, 'datasets')) ? readdirSync(join(lab, 'datasets')) : []).toEqual([]);
  });

  it('rejects unknown dataset ids clearly', () => {
    const registry = new DatasetRegistry(join(root, 'lab4'));
    expect(() => registry.load('cifar')).toThrow(
      "unknown dataset 'cifar' (built-in: mnist, fashion, mnist-std, fashion-std, xor;",
    );
    expect(() => registry.load('user-nothing')).toThrow(
      "unknown dataset 'user-nothing': no user dataset with that id",
    );
  });
});
