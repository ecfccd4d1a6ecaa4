/**
 * Bug: a re-import under the name of an existing dataset (or any import failing after the
 * name check) deleted the existing dataset's cache file; the zoo kept an orphaned row and
 * the models trained on it could no longer be measured. Now a conflict is refused before
 * any file is touched, and the first dataset still trains and measures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';
import { snapshotLab } from './lab-snapshot.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-reimport-'));
let lab: LabService;

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  await lab.start();
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

/** Three classes in two features, separable enough to learn in a few steps. */
function csv(rows: number, edit?: (cells: string[], row: number) => void): string {
  const lines = ['x,y,label'];
  for (let row = 0; row < rows; row++) {
    const label = row % 3;
    const cells = [
      String(label + 0.1 * Math.sin(row)),
      String(0.1 * Math.cos(row * 3)),
      String(label),
    ];
    edit?.(cells, row);
    lines.push(cells.join(','));
  }
  return lines.join('\n');
}

const refusal =
  'params.name: a dataset with id \'user-kept\' exists already (from the name "KEPT"); remove it first (mbh-lab data rm user-kept) or choose another name';

describe('a failed re-import under the same name', () => {
  it('leaves the first dataset whole: the zoo and the data folder unchanged, and it still trains and measures', async () => {
    const first = await lab.importDataset({
      name: 'Kept',
      format: 'csv',
      csv: csv(60),
      testShare: 0.25,
    });
    expect(first).toMatchObject({ id: 'user-kept', classCount: 3, trainCount: 45, testCount: 15 });
    const before = snapshotLab(home);
    expect(Object.keys(before.files)).toEqual(['user-kept.bin']);

    // The same id from another spelling, with good data, with bad data, and as IDX.
    const attempts = [
      lab.importDataset({ name: 'KEPT', format: 'csv', csv: csv(30), testShare: 0.2 }),
      lab.importDataset({
        name: 'KEPT',
        format: 'csv',
        csv: csv(30, (cells, row) => {
          if (row === 4) cells[0] = 'oops';
        }),
        testShare: 0.2,
      }),
      lab.importDataset({
        name: 'KEPT',
        format: 'idx',
        images: 'AAAI',
        labels: 'AAAI',
        testShare: 0.2,
      }),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: refusal });
    }
    expect(snapshotLab(home)).toEqual(before);

    const { id: projectId } = await lab.createProject({ name: 'kept', description: '' });
    const { model, job } = await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [6],
      density: 1,
      seed: 0,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      datasetId: 'user-kept',
      iterations: 40,
    });
    await lab.idle();
    expect(lab.zoo.jobs.get(job.id).state).toBe('done');
    const planeSet = await lab.createPlaneSet({
      datasetId: 'user-kept',
      count: 2,
      seed: 1,
      clip: false,
    });
    const [measure] = await lab.measureModel({
      modelId: model.id,
      planeSetId: planeSet.id,
      allCheckpoints: false,
    });
    await lab.idle();
    expect(lab.zoo.jobs.get(measure.id)).toMatchObject({ state: 'done' });
    const regions = lab.zoo.measurements.exportRegionCounts(model.id);
    expect(regions.map((row) => row.plane).sort()).toEqual([0, 1]);
    for (const row of regions) expect(row.regions).toBeGreaterThanOrEqual(1);
    expect(lab.zoo.measurements.exportRows(model.id).length).toBeGreaterThan(0);
  });
});
