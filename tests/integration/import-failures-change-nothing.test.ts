/**
 * Every import kind × every failure class leaves what is stored byte-identical: the zoo's
 * tables and the data folder. Kinds: dataset CSV, dataset IDX, model JSON, model bundle,
 * project bundle. Classes: bad magic, truncated, ragged, non-numeric, label out of range,
 * duplicate (a name or key that exists), oversized (over a limit; files over the size
 * limit through the command line). A plain model JSON has nothing that could conflict
 * (models may share names), so it has no duplicate case. Then a seeded fuzz of malformed files for every
 * importer: each is refused with one line naming the file or field, nothing changes.
 */
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { FormatError, parseModelJson } from '../../src-shared/model/format.ts';
import { DataFileError } from '../../src-main/data/idx.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import {
  type ModelBundle,
  type ProjectBundle,
  checkProjectDatasets,
  parseModelBundle,
  parseProjectBundle,
} from '../../src-main/lab/bundles.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { fuzzRandom, mutate } from './fuzz-payloads.ts';
import { snapshotLab } from './lab-snapshot.ts';

// The command line's home (MBH_LAB_HOME) and, inside it, the service's own lab.
const cliHome = tempLabHome('mbh-import-failures-');
const home = join(cliHome.dir, 'service-lab');
const inputs = join(cliHome.dir, 'inputs');
mkdirSync(inputs, { recursive: true });

const figure32 = JSON.parse(
  readFileSync(new URL('../fixtures/engine/fig32.model.json', import.meta.url), 'utf8'),
) as { layers: { weights: number[][]; bias: number[] }[] } & Record<string, unknown>;

function csvRows(rows: number): string[][] {
  return Array.from({ length: rows }, (_, row) => [
    String(row % 3),
    String(Math.cos(row)),
    String(row % 2),
  ]);
}
const csvText = (rows: string[][]) => ['a,b,label', ...rows.map((row) => row.join(','))].join('\n');

/** IDX bytes: magic 00 00 <type> <rank>, sizes, values. */
function idx(type: number, dims: number[], values: Buffer): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, values]);
}
const images = (count: number) => idx(8, [count, 2, 2], Buffer.alloc(count * 4, 7));
const labels = (count: number) =>
  idx(8, [count], Buffer.from(Array.from({ length: count }, (_, i) => i % 2)));
const b64 = (bytes: Buffer) => bytes.toString('base64');

// Set up at load time (top-level await): the table of attempts below is built from it.
const lab = await LabService.open({ home, shell: 'cli', workers: 1 });
const projectId = (await lab.createProject({ name: 'base', description: '' })).id;
await lab.importDataset({ name: 'Base', format: 'csv', csv: csvText(csvRows(30)), testShare: 0.2 });
const imported = await lab.importModel({
  projectId,
  json: JSON.stringify(figure32),
  datasetId: 'xor',
});
await lab.createPlaneSet({ datasetId: 'xor', count: 2, seed: 5, clip: false });
const modelBundle = JSON.parse((await lab.exportModel({ id: imported.id })).content) as Record<
  string,
  unknown
>;
const projectBundle = JSON.parse((await lab.exportProject({ id: projectId })).content) as Record<
  string,
  unknown
>;

afterAll(async () => {
  await lab.close({ pauseRunning: true });
});

type Attempt = () => Promise<unknown>;

const clone = <T>(value: T): T => structuredClone(value);

function modelJson(edit: (model: typeof figure32) => void): string {
  const model = clone(figure32);
  edit(model);
  return JSON.stringify(model);
}
function bundleJson(edit: (bundle: ModelBundle) => void): string {
  const bundle = clone(modelBundle) as unknown as ModelBundle;
  edit(bundle);
  return JSON.stringify(bundle);
}
/** A plane set under the key of the zoo's (xor, 2 planes, seed 5) but with other planes. */
function otherPlanes(): ProjectBundle['planeSets'][number] {
  const f64 = (values: number[]) => Buffer.from(new Float64Array(values).buffer).toString('base64');
  return {
    ref: 99,
    datasetId: 'xor',
    seed: 5,
    count: 2,
    clip: false,
    createdAt: 0,
    planes: [0, 1].map((index) => ({
      index,
      sampleIndices: [0, 1, 2] as [number, number, number],
      labels: [0, 1, 0] as [number, number, number],
      origin: f64([0, 0]),
      u: f64([1, 0]),
      v: f64([0, 1]),
      domain: f64([-1, -1, 1, -1, 1, 1, -1, 1]),
      points: f64([0, 0, 1, 0, 0, 1]),
    })),
  };
}
function projectJson(edit: (bundle: ProjectBundle) => void): string {
  const bundle = clone(projectBundle) as unknown as ProjectBundle;
  edit(bundle);
  return JSON.stringify(bundle);
}

describe('every import kind × every failure class changes nothing', () => {
  const csv =
    (text: string, name = 'Fresh CSV') =>
    () =>
      lab.importDataset({ name, format: 'csv', csv: text, testShare: 0.2 });
  const idxImport =
    (imagesFile: Buffer, labelsFile: Buffer, name = 'Fresh IDX') =>
    () =>
      lab.importDataset({
        name,
        format: 'idx',
        images: b64(imagesFile),
        labels: b64(labelsFile),
        testShare: 0.25,
      });
  const model = (json: string) => () => lab.importModel({ projectId, json, datasetId: 'xor' });
  const bundle = (json: string) => () => lab.importModel({ projectId, json });
  const project = (json: string) => () => lab.importProject({ json });
  const rows = () => csvRows(30);
  const text = csvText(rows());

  const table: [string, string, Attempt, RegExp][] = [
    // Dataset CSV.
    ['csv', 'bad magic', csv(images(4).toString('latin1')), /^data\.csv: /],
    ['csv', 'truncated', csv(text.slice(0, text.lastIndexOf(',') + 1)), /^data\.csv: row 31/],
    [
      'csv',
      'ragged',
      csv(csvText(rows().map((row, i) => (i === 7 ? [...row, '1'] : row)))),
      /^data\.csv: row 9 has 4 cells, the header has 3 columns$/,
    ],
    [
      'csv',
      'non-numeric',
      csv(csvText(rows().map((row, i) => (i === 3 ? ['x', row[1], row[2]] : row)))),
      /^data\.csv: row 5, column 'a': 'x' is not a number$/,
    ],
    [
      'csv',
      'label out of range',
      csv(csvText(rows().map((row, i) => (i === 2 ? [row[0], row[1], '300'] : row)))),
      /^data\.csv: row 4/,
    ],
    [
      'csv',
      'duplicate name',
      csv(text, 'base'),
      /^params\.name: a dataset with id 'user-base' exists already/,
    ],
    [
      'csv',
      'oversized',
      csv(csvText(rows().map((row, i) => [row[0], row[1], String(i * 9)]))),
      /^data\.csv: row \d+.*label/,
    ],
    // Dataset IDX.
    [
      'idx',
      'bad magic',
      idxImport(Buffer.concat([Buffer.from([1]), images(4).subarray(1)]), labels(4)),
      /^images\.idx: wrong magic number 01 00 08 03/,
    ],
    [
      'idx',
      'truncated',
      idxImport(images(4).subarray(0, 25), labels(4)),
      /^images\.idx: truncated/,
    ],
    [
      'idx',
      'ragged',
      idxImport(images(4), labels(3)),
      /^count mismatch: images\.idx holds 4 images but labels\.idx holds 3 labels$/,
    ],
    [
      'idx',
      'non-numeric',
      idxImport(
        idx(
          0x0d,
          [2, 2],
          Buffer.from(new Uint8Array(new Float32Array([1, Number.NaN, 0, 1]).buffer).reverse()),
        ),
        labels(2),
      ),
      /^images\.idx: value \d is not a finite number/,
    ],
    [
      'idx',
      'label out of range',
      idxImport(images(4), images(4)),
      /^labels\.idx: this is an images file/,
    ],
    [
      'idx',
      'duplicate name',
      idxImport(images(4), labels(4), 'BASE'),
      /^params\.name: a dataset with id 'user-base' exists already/,
    ],
    [
      'idx',
      'oversized',
      idxImport(idx(8, [65_536, 65_536, 65_536], Buffer.alloc(8)), labels(4)),
      /^images\.idx: truncated: the header promises 65536 × 65536 × 65536/,
    ],
    // Model JSON.
    [
      'model',
      'bad magic',
      model(modelJson((m) => (m.format = 'mbh-modle'))),
      /^params\.json\.format: must be "mbh-model" or "mbh-model-bundle"$/,
    ],
    [
      'model',
      'truncated',
      model(JSON.stringify(figure32).slice(0, 80)),
      /^params\.json: is not valid JSON/,
    ],
    [
      'model',
      'ragged',
      model(modelJson((m) => m.layers[1].weights[0].pop())),
      /^params\.json: layers\[1\]\.weights/,
    ],
    [
      'model',
      'non-numeric',
      model(modelJson((m) => ((m.layers[0].weights[1] as unknown[])[0] = 'x'))),
      /^params\.json: layers\[0\]\.weights\[1\]\[0\]: expected a number, got "x"$/,
    ],
    [
      'model',
      'label out of range',
      model(
        modelJson((m) => {
          m.layers[3].weights.push([1, 1]);
          m.layers[3].bias.push(0);
        }),
      ),
      /^params\.datasetId: dataset xor has 2 inputs and 2 classes, the model 2 inputs and 3 classes$/,
    ],
    [
      'model',
      'oversized',
      () => lab.importModel({ projectId, json: JSON.stringify(figure32), name: 'n'.repeat(201) }),
      /^params\.name: must have at most 200 characters$/,
    ],
    // Model bundle.
    [
      'bundle',
      'bad magic',
      bundle(bundleJson((b) => ((b as { format: string }).format = 'mbh-model-bundel'))),
      /^params\.json\.format: must be "mbh-model" or "mbh-model-bundle"$/,
    ],
    [
      'bundle',
      'truncated',
      bundle(JSON.stringify(modelBundle).slice(0, 200)),
      /^params\.json: is not valid JSON/,
    ],
    [
      'bundle',
      'ragged',
      bundle(bundleJson((b) => b.checkpoints[0].model.layers[0].weights[0].push(1))),
      /^params\.json\.checkpoints\[0\]\.model: /,
    ],
    [
      'bundle',
      'non-numeric',
      bundle(
        bundleJson((b) => (b.metrics as unknown[]).push({ iteration: 0, accuracy: 'x', loss: 1 })),
      ),
      /^params\.json\.metrics\[\d\]\.accuracy: must be a finite number, got string "x"$/,
    ],
    [
      'bundle',
      'label out of range',
      bundle(bundleJson((b) => (b.model.classCount = 3))),
      /^params\.json\.checkpoints\[0\]\.model: has layer widths 2,2,2,2,2, the model's metadata says 2,2,2,2,3$/,
    ],
    [
      'bundle',
      'duplicate',
      bundle(bundleJson((b) => b.checkpoints.push(clone(b.checkpoints[0])))),
      /^params\.json\.checkpoints\[1\]\.iteration: repeats iteration 0$/,
    ],
    [
      'bundle',
      'oversized',
      bundle(bundleJson((b) => (b.model.hidden = [100_001, 2, 2]))),
      /^params\.json\.model\.hidden\[0\]: must be at most 100000, got 100001$/,
    ],
    // Project bundle.
    [
      'project',
      'bad magic',
      project(projectJson((p) => ((p as { format: string }).format = 'mbh-projekt'))),
      /^project\.format: must be "mbh-project-bundle"$/,
    ],
    [
      'project',
      'truncated',
      project(JSON.stringify(projectBundle).slice(0, 300)),
      /^params\.json: is not valid JSON/,
    ],
    [
      'project',
      'ragged',
      project(projectJson((p) => p.models[0].bundle.checkpoints[0].model.layers[2].bias.pop())),
      /^project\.models\[0\]\.bundle\.checkpoints\[0\]\.model: /,
    ],
    [
      'project',
      'non-numeric',
      project(projectJson((p) => ((p.project as { createdAt: unknown }).createdAt = 'yesterday'))),
      /^project\.project\.createdAt: must be a finite number, got string "yesterday"$/,
    ],
    [
      'project',
      'label out of range',
      project(
        projectJson((p) => {
          const m = p.models[0].bundle;
          m.model.classCount = 3;
          const last = m.checkpoints[0].model.layers[3];
          last.weights.push([0, 0]);
          last.bias.push(0);
        }),
      ),
      /^project\.models\[0\]\.bundle\.model\.datasetId: model "imported FC\(2,2,2\)" has 2 inputs and 3 classes, its dataset xor 2 inputs and 2 classes$/,
    ],
    [
      'project',
      'duplicate',
      project(projectJson((p) => p.planeSets.push(otherPlanes()))),
      /^project\.planeSets\[0\]: plane set \{"datasetId":"xor","count":2,"seed":5,"clip":false,"rule":"random-classes"\} exists in this zoo \(id \d+\) with other planes$/,
    ],
    [
      'project',
      'oversized',
      project(projectJson((p) => (p.project.description = 'd'.repeat(10_001)))),
      /^project\.project\.description: must have at most 10000 characters$/,
    ],
  ];

  it.each(table)('%s, %s', async (_kind, _failure, attempt, message) => {
    const before = snapshotLab(home);
    const error = await attempt().then(
      () => null,
      (caught: unknown) => caught as Error,
    );
    expect(error).not.toBeNull();
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain('\n');
    expect(snapshotLab(home)).toEqual(before);
  });

  it('refuses files over the size limit at once through the command line, naming their size', async () => {
    expect((await mbh('data', 'import', writeCsv('ok.csv', 20), '--name', 'ok')).status).toBe(0);
    const before = snapshotLab(cliHome.dir);
    const big = join(inputs, 'big.csv');
    writeFileSync(big, 'a,label\n');
    truncateSync(big, 257 * 1024 * 1024); // sparse: no 257 MiB are written or read
    expect(await mbh('data', 'import', big, '--name', 'big')).toEqual({
      status: 2,
      stdout: '',
      stderr: `mbh-lab data: FILE: ${big} is 257 MiB (269484032 bytes), over the limit of 256 MiB\n`,
    });
    const huge = join(inputs, 'huge.json');
    writeFileSync(huge, '{');
    truncateSync(huge, 2 * 1024 ** 3 + 1);
    const refused = await mbh('zoo', 'import', huge, '--dataset', 'xor');
    expect(refused.status).toBe(2);
    // Either reader names the size: the text reader's or the model-file reader's words.
    expect(refused.stderr).toMatch(/2147483649 bytes\)?, over the limit/);
    expect(refused.stderr.split('\n')).toHaveLength(2);
    expect(snapshotLab(cliHome.dir)).toEqual(before);
  });
});

function writeCsv(name: string, rows: number): string {
  const path = join(inputs, name);
  writeFileSync(path, csvText(csvRows(rows)));
  return path;
}

describe('importer fuzz: malformed files for every importer', () => {
  it('refuses malformed CSV and IDX files with one line naming the file, writing nothing', () => {
    const random = fuzzRandom('dataset-files');
    const registry = new DatasetRegistry(home);
    const before = snapshotLab(home);
    const folder = join(inputs, 'fuzz');
    mkdirSync(folder, { recursive: true });
    const tokens = ['x', '', ' ', 'NaN', 'Infinity', '1e', '--1', '0x1g', '"', '1,2'];
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const rows = csvRows(12);
      const row = random.nextInt(rows.length);
      const kind = random.nextInt(5);
      if (kind === 0) rows[row][random.nextInt(2)] = tokens[random.nextInt(tokens.length)];
      else if (kind === 1) rows[row].pop();
      else if (kind === 2) rows[row].push('0');
      else if (kind === 3) rows[row][2] = ['-1', '1.5', '256', 'a', ''][random.nextInt(5)];
      else rows[row] = [rows[row][0], `"${rows[row][1]}`, rows[row][2]];
      const path = join(folder, `fuzz-${i}.csv`);
      writeFileSync(path, csvText(rows));
      const error = thrown(() =>
        registry.importDataset({ name: `fuzz ${i}`, train: { format: 'csv', path } }),
      );
      expect(error, `csv case ${i} (kind ${kind})`).toBeInstanceOf(DataFileError);
      expect(error.message).toMatch(new RegExp(`^fuzz-${i}\\.csv: `));
      expect(error.message).not.toContain('\n');
      expect(error.message.length).toBeLessThanOrEqual(400);
      refused++;
    }
    for (let i = 0; i < 150; i++) {
      let imagesFile = images(6);
      let labelsFile = labels(6);
      const kind = random.nextInt(6);
      const cut = 1 + random.nextInt(8);
      if (kind === 0)
        imagesFile = Buffer.concat([
          Buffer.from([1 + random.nextInt(255)]),
          imagesFile.subarray(1),
        ]);
      else if (kind === 1) imagesFile = imagesFile.subarray(0, imagesFile.length - cut);
      else if (kind === 2) labelsFile = Buffer.concat([labelsFile, Buffer.alloc(cut)]);
      else if (kind === 3) labelsFile = labels(6 - cut > 0 ? 6 - cut : 7);
      else if (kind === 4) imagesFile[2] = [0x00, 0x01, 0x0a, 0x0f, 0xff][random.nextInt(5)];
      else labelsFile = imagesFile;
      const imagesPath = join(folder, `images-${i}.idx`);
      const labelsPath = join(folder, `labels-${i}.idx`);
      writeFileSync(imagesPath, imagesFile);
      writeFileSync(labelsPath, labelsFile);
      const error = thrown(() =>
        registry.importDataset({
          name: `fuzz idx ${i}`,
          train: { format: 'idx', images: imagesPath, labels: labelsPath },
        }),
      );
      expect(error, `idx case ${i} (kind ${kind})`).toBeInstanceOf(DataFileError);
      expect(error.message).toMatch(
        new RegExp(`^(images|labels)-${i}\\.idx|^count mismatch: images-${i}\\.idx`),
      );
      expect(error.message).not.toContain('\n');
      refused++;
    }
    expect(refused).toBe(300);
    expect(snapshotLab(home)).toEqual(before);
  });

  it('refuses malformed model JSON, model bundles and project bundles through the service, changing nothing', async () => {
    const random = fuzzRandom('model-files');
    const before = snapshotLab(home);
    const kinds: [string, unknown, (value: unknown) => void, (json: string) => Promise<unknown>][] =
      [
        [
          'model JSON',
          figure32,
          (value) => parseModelJson(value),
          (json) => lab.importModel({ projectId, json, datasetId: 'xor' }),
        ],
        [
          'model bundle',
          modelBundle,
          (value) => parseModelBundle(value, 'params.json'),
          (json) => lab.importModel({ projectId, json }),
        ],
        [
          'project bundle',
          projectBundle,
          (value) =>
            checkProjectDatasets(parseProjectBundle(value), [
              { id: 'xor', inputDim: 2, classCount: 2 },
              { id: 'user-base', inputDim: 2, classCount: 2 },
            ]),
          (json) => lab.importProject({ json }),
        ],
      ];
    for (const [kind, base, parse, store] of kinds) {
      let refused = 0;
      for (let i = 0; i < 120; i++) {
        const mutation = mutate(random, base);
        // JSON carries no NaN or Infinity: the file is what JSON.stringify makes of it.
        const text =
          random.nextInt(6) === 0
            ? JSON.stringify(base).slice(0, 1 + random.nextInt(JSON.stringify(base).length - 2))
            : (JSON.stringify(mutation.value) ?? 'undefined');
        let valid = true;
        try {
          parse(JSON.parse(text));
        } catch (error) {
          if (!(
            error instanceof ValidationError ||
            error instanceof FormatError ||
            error instanceof SyntaxError
          ))
            throw error;
          valid = false;
        }
        // A mutation that left a valid file (an optional field dropped) is no malformed file.
        if (valid) continue;
        const label = `${kind}: ${mutation.label}`;
        const error = await store(text).then(
          () => null,
          (caught: unknown) => caught as Error,
        );
        expect(error, label).not.toBeNull();
        expect(error!.message, label).toMatch(/^(params\.json|project)(\.|\[|:)/);
        expect(error!.message, label).not.toContain('\n');
        expect(error!.message.length, label).toBeLessThanOrEqual(400);
        refused++;
      }
      expect(refused, kind).toBeGreaterThanOrEqual(60);
    }
    expect(snapshotLab(home)).toEqual(before);
  });
});

function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('a UTF-8 byte-order mark', () => {
  it('is accepted in JSON as in CSV: model JSON, model and project bundles import with one', async () => {
    const bom = '\uFEFF';
    const model = await lab.importModel({
      projectId,
      json: bom + JSON.stringify(figure32),
      datasetId: 'xor',
    });
    expect(model).toMatchObject({ datasetId: 'xor', checkpointCount: 1 });
    const bundle = await lab.importModel({ projectId, json: bom + JSON.stringify(modelBundle) });
    expect(bundle.checkpointCount).toBe(1);
    const project = await lab.importProject({ json: bom + JSON.stringify(projectBundle) });
    expect(project.name).toBe('base');
    const dataset = await lab.importDataset({
      name: 'With BOM',
      format: 'csv',
      csv: bom + csvText(csvRows(20)),
      testShare: 0.25,
    });
    expect(dataset).toMatchObject({ id: 'user-with-bom', inputDim: 2, trainCount: 15 });
  });
});
