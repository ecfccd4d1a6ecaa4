/**
 * Validation edges (issue 7 §4): error messages quote at most ~80 characters of a bad
 * value; unknown-field checks use own properties ('__proto__', 'constructor', 'toString'
 * are unknown fields); plane points that overflow are named as overflow; a bow-tie domain
 * as self-intersecting; an IDX labels file with the images magic says so; the api and the
 * bundles share one pruning schema and one set of limits; a file over its size limit (or
 * a device such as /dev/zero) is refused at once with its size.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseParams } from '../../src-shared/api/contract.ts';
import { LIMITS } from '../../src-shared/api/limits.ts';
import { QUOTE_LIMIT, ValidationError } from '../../src-shared/api/validate.ts';
import { normaliseConvexPolygon, planeFromPoints } from '../../src-shared/mbh/plane.ts';
import { parseCsv } from '../../src-main/data/csv.ts';
import { combineIdx, parseIdx } from '../../src-main/data/idx.ts';
import {
  FileSizeError,
  readFileBounded,
  readTextBounded,
} from '../../src-main/data/read-bounded.ts';
import { parseModelBundle } from '../../src-main/lab/bundles.ts';

const folder = mkdtempSync(join(tmpdir(), 'mbh-validation-edges-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function refusal(work: () => unknown): ValidationError {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('error messages quote at most ~80 characters', () => {
  const huge = 'x'.repeat(1_000_000);

  it('cuts a huge text value and says its length', () => {
    const error = refusal(() => parseParams('getModel', { id: huge }));
    expect(error.message).toBe(
      `params.id: must be a finite number, got string "${'x'.repeat(QUOTE_LIMIT)}"… (1000000 characters)`,
    );
  });

  it('cuts a huge unknown field name', () => {
    const error = refusal(() => parseParams('getModel', { id: 1, [huge]: 1 }));
    expect(error.message).toBe(
      `params["${'x'.repeat(QUOTE_LIMIT)}"… (1000000 characters)]: is not a known field`,
    );
  });

  it('cuts a long repeated list item', () => {
    const name = 'y'.repeat(150);
    const error = refusal(() =>
      parseParams('getBlankets', {
        checkpointId: 1,
        planeSetId: 1,
        plane: 0,
        phenomena: [name, name],
        cps: [1],
      }),
    );
    expect(error.message).toBe(
      `params.phenomena[1]: repeats "${'y'.repeat(QUOTE_LIMIT - 1)}… (152 characters)`,
    );
  });
});

describe('CSV errors quote at most 80 characters of a cell or a column name', () => {
  it('cuts a huge cell and a huge column name', () => {
    const column = 'c'.repeat(500);
    const cell = 'v'.repeat(5_000);
    expect(() => parseCsv(`${column},label\n1,0\n${cell},1\n`, 'wide.csv')).toThrow(
      `wide.csv: row 3, column '${'c'.repeat(80)}… (500 characters)': '${'v'.repeat(80)}… (5000 characters)' is not a number`,
    );
  });
});

describe('unknown fields are own properties', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`refuses ${key} like any other unknown field`, () => {
      // JSON.parse makes '__proto__' an own key, as a payload off the wire has it.
      const params = JSON.parse(`{"name": "p", "${key}": {"polluted": true}}`) as unknown;
      const error = refusal(() => parseParams('createProject', params));
      expect(error.message).toBe(`params.${key}: is not a known field`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});

describe('one pruning schema and one set of limits for the api and the bundles', () => {
  const bundle = (pruning: unknown, hidden = [3]) => ({
    format: 'mbh-model-bundle',
    version: 1,
    model: {
      name: 'm',
      family: 'custom',
      hidden,
      inputDim: 2,
      classCount: 2,
      density: 1,
      hnps: 9,
      hnpLevel: null,
      seed: 0,
      pruning,
      datasetId: 'xor',
      backend: null,
      iterations: 0,
      notes: '',
      tags: [],
      createdAt: 0,
    },
    checkpoints: [],
    metrics: [],
  });

  it('refuses a pruning rate of 1 in both, with the same words', () => {
    const api = refusal(() =>
      parseParams('trainModel', {
        projectId: 1,
        family: 'custom',
        hidden: [3],
        datasetId: 'xor',
        iterations: 1,
        pruning: { kind: 'one-shot', rate: 1 },
      }),
    );
    const file = refusal(() => parseModelBundle(bundle({ kind: 'one-shot', rate: 1 }), 'bundle'));
    expect(api.message).toBe(`params.pruning.rate: must be at most ${LIMITS.pruningRate}, got 1`);
    expect(file.message).toBe(
      `bundle.model.pruning.rate: must be at most ${LIMITS.pruningRate}, got 1`,
    );
  });

  it('refuses more rounds or wider layers than the api allows', () => {
    expect(
      refusal(() =>
        parseModelBundle(bundle({ kind: 'iterative', rate: 0.5, rounds: 51 }), 'bundle'),
      ).message,
    ).toBe(`bundle.model.pruning.rounds: must be at most ${LIMITS.pruningRounds}, got 51`);
    expect(
      refusal(() => parseModelBundle(bundle({ kind: 'random' }, [LIMITS.layerWidth + 1]), 'bundle'))
        .message,
    ).toBe(
      `bundle.model.hidden[0]: must be at most ${LIMITS.layerWidth}, got ${LIMITS.layerWidth + 1}`,
    );
    expect(refusal(() => parseModelBundle(bundle({ kind: 'lottery' }), 'bundle')).message).toBe(
      'bundle.model.pruning.kind: must be one of random, one-shot, iterative, got string "lottery"',
    );
  });
});

describe('planes', () => {
  it('names points that overflow as overflow, not as collinear', () => {
    expect(() => planeFromPoints([0, 0], [1e200, 0], [0, 1e200])).toThrow(
      /^plane points overflow: their distances \(coordinates up to 1\.00e\+200\) exceed the double-precision range/,
    );
    expect(() => planeFromPoints([-1.7e308, 0], [1.7e308, 0], [0, 1])).toThrow(
      /^plane points overflow/,
    );
    // Large but representable points still make a plane.
    expect(planeFromPoints([0, 0], [1e100, 0], [0, 1e100]).dim).toBe(2);
    expect(() => planeFromPoints([0, 0], [1, 1], [2, 2])).toThrow(/collinear/);
  });

  it('names a bow-tie domain as self-intersecting', () => {
    // Symmetric: zero signed area; asymmetric: turns both ways. Both cross themselves.
    expect(() => normaliseConvexPolygon([0, 0, 1, 1, 1, 0, 0, 1])).toThrow(
      'plane domain is self-intersecting (edges 0 and 2 cross, a bow-tie or star); it must be a convex polygon',
    );
    expect(() => normaliseConvexPolygon([0, 0, 2, 2, 2, 0, 0, 1])).toThrow(/self-intersecting/);
    // A pentagram winds twice and crosses itself.
    const star = [0, 1, 0.588, -0.809, -0.951, 0.309, 0.951, 0.309, -0.588, -0.809];
    expect(() => normaliseConvexPolygon(star)).toThrow(/self-intersecting/);
    // A simple concave polygon is still "not convex".
    expect(() => normaliseConvexPolygon([0, 0, 2, 0, 1, 0.5, 2, 2, 0, 2])).toThrow(
      /^plane domain is not convex at vertex/,
    );
  });
});

describe('IDX files', () => {
  const header = (type: number, dims: number[]) => {
    const bytes = Buffer.alloc(4 + 4 * dims.length);
    bytes[2] = type;
    bytes[3] = dims.length;
    dims.forEach((size, i) => bytes.writeUInt32BE(size, 4 + 4 * i));
    return bytes;
  };
  const images = parseIdx(Buffer.concat([header(8, [2, 2, 2]), Buffer.alloc(8)]), 'images.idx');
  const labels = parseIdx(Buffer.concat([header(8, [2]), Buffer.from([0, 1])]), 'labels.idx');

  it('says a labels file with the images magic is an images file', () => {
    expect(() => combineIdx(images, images, 'images.idx', 'train-images.idx')).toThrow(
      'train-images.idx: this is an images file (magic 00 00 08 03, 3-D: 2 × 2 × 2), not a labels file (magic 00 00 08 01, 1-D)',
    );
  });

  it('says the two files look swapped', () => {
    expect(() => combineIdx(labels, images, 'labels.idx', 'images.idx')).toThrow(
      'images.idx and labels.idx look swapped: images.idx has the magic of an images file (00 00 08 03, 3-D) and labels.idx that of a labels file (00 00 08 01, 1-D)',
    );
  });
});

describe('files over their size limit', () => {
  it('refuses a regular file at once, naming its size', () => {
    const path = join(folder, 'big.csv');
    writeFileSync(path, Buffer.alloc(3000, 0x31));
    expect(() => readFileBounded(path, 2048)).toThrow(FileSizeError);
    expect(() => readFileBounded(path, 2048)).toThrow(
      `${path} is 2.9 KiB (3000 bytes), over the limit of 2 KiB`,
    );
    expect(readFileBounded(path, 3000).length).toBe(3000);
  });

  it('refuses /dev/zero, a device that says size 0 and never ends, at once', () => {
    expect(() => readFileBounded('/dev/zero', 4096)).toThrow(
      '/dev/zero is a device, not a file (its size is unbounded)',
    );
  });

  it('drops a UTF-8 byte-order mark from text', () => {
    const path = join(folder, 'bom.json');
    writeFileSync(path, '\uFEFF{"a": 1}');
    expect(JSON.parse(readTextBounded(path))).toEqual({ a: 1 });
  });
});
