/**
 * Datasets through the lab service: listings that tell counts and boxes without loading
 * anything, and user imports parsed in a worker thread, all or nothing.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BUILT_IN_DATASET_IDS,
  builtInFacts,
  DatasetRegistry,
} from '../../src-main/data/registry.ts';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-datasets-'));
const datasets = join(home, 'datasets');
let lab: LabService;

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

function csv(rows: number, edit?: (cells: string[], row: number) => void): string {
  const lines = ['a,label,b'];
  for (let row = 0; row < rows; row++) {
    const cells = [String(row * 0.5 - 3), String(row % 2), String(Math.cos(row))];
    edit?.(cells, row);
    lines.push(cells.join(','));
  }
  return lines.join('\n');
}

/** Everything of a dataset id on disk: its cache and any temporary of the atomic write. */
const filesOf = (id: string) =>
  existsSync(datasets) ? readdirSync(datasets).filter((name) => name.startsWith(id)) : [];
const zooRows = (id: string) => lab.zoo.datasets.list().filter((row) => row.id === id);

describe('dataset listing', () => {
  it('tells every built-in dataset its counts and box before any is loaded', async () => {
    expect(existsSync(join(datasets, 'mnist.bin'))).toBe(false);
    const listed = await lab.listDatasets({});
    for (const id of BUILT_IN_DATASET_IDS) {
      const { trainCount, testCount, inputBox } = builtInFacts(id);
      expect(listed.find((entry) => entry.id === id)).toMatchObject({
        trainCount,
        testCount,
        inputBox,
        builtin: true,
      });
    }
    expect(listed.find((entry) => entry.id === 'fashion')).toMatchObject({
      trainCount: 59_956,
      testCount: 9_989,
    });
    expect(listed.find((entry) => entry.id === 'mnist-std')!.inputBox.high).toBeGreaterThan(1);
    // Nothing was loaded or built to answer.
    expect(existsSync(datasets) ? readdirSync(datasets) : []).toEqual([]);
  });
});

describe('dataset import', () => {
  it('imports in a worker and lists the counts and the data box it recorded', async () => {
    // Parsing and validation run in the worker's own copy of the registry, never here.
    const onMainThread = vi.spyOn(DatasetRegistry.prototype, 'importDataset');
    const summary = await lab.importDataset({
      name: 'Wide CSV',
      format: 'csv',
      csv: csv(40),
      testShare: 0.25,
    });
    expect(onMainThread).not.toHaveBeenCalled();
    onMainThread.mockRestore();
    expect(summary).toMatchObject({
      id: 'user-wide-csv',
      inputDim: 2,
      classCount: 2,
      trainCount: 30,
      testCount: 10,
      builtin: false,
      inputBox: { low: -3, high: 16.5 },
    });
    expect((await lab.listDatasets({})).find((d) => d.id === 'user-wide-csv')).toEqual(summary);
    expect(zooRows('user-wide-csv')).toEqual([summary]);
    expect(filesOf('user-wide-csv')).toEqual(['user-wide-csv.bin']);
  });

  it('names the file, row and column of a bad cell and leaves nothing behind', async () => {
    const text = csv(40, (cells, row) => {
      if (row === 30) cells[2] = 'oops';
    });
    await expect(
      lab.importDataset({ name: 'Broken CSV', format: 'csv', csv: text, testShare: 0.2 }),
    ).rejects.toMatchObject({
      name: 'DataFileError',
      message: "data.csv: row 32, column 'b': 'oops' is not a number",
    });
    expect(filesOf('user-broken-csv')).toEqual([]);
    expect(zooRows('user-broken-csv')).toEqual([]);
    expect((await lab.listDatasets({})).map((d) => d.id)).not.toContain('user-broken-csv');
  });

  it('names a truncated IDX file and leaves nothing behind', async () => {
    // Magic 0x00000803 (u8, 3 dims), 2 images of 2 × 2, but only 5 of their 8 bytes.
    const images = Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5]);
    const labels = Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 0, 1]);
    const error = await lab
      .importDataset({
        name: 'Broken IDX',
        format: 'idx',
        images: images.toString('base64'),
        labels: labels.toString('base64'),
        testShare: 0.5,
      })
      .then(
        () => null,
        (caught: Error) => caught,
      );
    expect(error?.name).toBe('DataFileError');
    expect(error?.message).toMatch(/^images\.idx: /);
    expect(filesOf('user-broken-idx')).toEqual([]);
    expect(zooRows('user-broken-idx')).toEqual([]);
  });

  it('removes the written cache when the zoo row cannot be written', async () => {
    const put = lab.zoo.datasets.put.bind(lab.zoo.datasets);
    lab.zoo.datasets.put = () => {
      throw new Error('zoo write failed');
    };
    try {
      await expect(
        lab.importDataset({ name: 'Orphan', format: 'csv', csv: csv(12), testShare: 0.25 }),
      ).rejects.toThrow('zoo write failed');
    } finally {
      lab.zoo.datasets.put = put;
    }
    expect(filesOf('user-orphan')).toEqual([]);
    expect(zooRows('user-orphan')).toEqual([]);
    // The same import goes through once the zoo can be written.
    const summary = await lab.importDataset({
      name: 'Orphan',
      format: 'csv',
      csv: csv(12),
      testShare: 0.25,
    });
    expect(summary.id).toBe('user-orphan');
  });
});
