/**
 * getBlankets: every phenomenon × cP of a plane in one call agrees exactly with the
 * single getBlanket answers, and bad params are refused naming the field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-lab-blankets-'));
let lab: LabService;
let checkpointId: number;
let planeSetId: number;
let classes: string[];

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 2, snapshotEvery: 100 });
  await lab.start();
  const projectId = (await lab.createProject({ name: 'p', description: '' })).id;
  const created = await lab.createExperiment({
    projectId,
    spec: {
      name: 'grid',
      family: 'custom',
      hiddenNeurons: [14],
      customWidths: [[8, 6]],
      seeds: [3],
      datasets: ['xor'],
      iterations: 300,
      planeCount: 2,
    },
    launch: true,
  } as never);
  await lab.idle();
  const [model] = await lab.listModels({ experimentId: created.experiment.id });
  const detail = await lab.getModel({ id: model.id });
  checkpointId = detail.checkpoints.at(-1)!.id;
  planeSetId = detail.measurements[0].planeSetId;
  classes = (await lab.listDatasets({})).find((d) => d.id === 'xor')!.classNames;
});

afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

describe('getBlankets', () => {
  const cps = [0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1];

  it('agrees exactly with getBlanket for every phenomenon × cP', async () => {
    for (const plane of [0, 1]) {
      const grid = await lab.getBlankets({ checkpointId, planeSetId, plane, cps } as never);
      expect(grid).toMatchObject({ checkpointId, planeSetId, plane, cps });
      expect(grid.phenomena).toEqual(classes); // default: the model's phenomena
      expect(grid.blankets).toHaveLength(classes.length * cps.length);
      const partition = await lab.getPartition({ checkpointId, planeSetId, plane });
      expect(partition.regionCount).toBeGreaterThan(3);
      let k = 0;
      let nonTrivial = 0;
      for (const phenomenon of classes) {
        for (const cp of cps) {
          const single = await lab.getBlanket({
            checkpointId,
            planeSetId,
            plane,
            phenomenon,
            cp,
            scope: 'last',
          });
          const entry = grid.blankets[k++];
          expect(entry.phenomenon).toBe(phenomenon);
          expect(entry.cp).toBe(cp);
          expect(entry.regions).toEqual(single.regions);
          expect(entry.s).toBe(single.s);
          expect(entry.blanketArea).toBe(single.blanketArea);
          expect(entry.domainArea).toBe(single.domainArea);
          expect(entry.constraints).toBe(single.constraints);
          expect(entry.coverage).toBe(single.coverage);
          if (entry.s > 0 && entry.s < 1) nonTrivial++;
        }
      }
      expect(nonTrivial).toBeGreaterThan(0);
    }
    // A chosen subset, by class index, in the asked order.
    const some = await lab.getBlankets({
      checkpointId,
      planeSetId,
      plane: 1,
      phenomena: ['1', classes[0]],
      cps: [1, 0.8],
      scope: 'last',
    });
    expect(some.phenomena).toEqual([classes[1], classes[0]]);
    expect(some.blankets.map((b) => [b.phenomenon, b.cp])).toEqual([
      [classes[1], 1],
      [classes[1], 0.8],
      [classes[0], 1],
      [classes[0], 0.8],
    ]);
    const single = await lab.getBlanket({
      checkpointId,
      planeSetId,
      plane: 1,
      phenomenon: classes[0],
      cp: 0.8,
      scope: 'last',
    });
    expect(some.blankets[3].regions).toEqual(single.regions);
  });

  it('refuses bad params naming the field', async () => {
    const base = { checkpointId, planeSetId, plane: 0, cps: [0.8], scope: 'last' };
    const refuse = (params: object, pattern: RegExp) =>
      expect(lab.getBlankets(params as never)).rejects.toThrow(pattern);
    await refuse({ ...base, cps: [] }, /params\.cps: must not be empty/);
    await refuse({ ...base, cps: [0.8, 1.5] }, /params\.cps\[1\]/);
    await refuse({ ...base, cps: [0.8, 0.8] }, /params\.cps\[1\]: repeats/);
    await refuse({ ...base, cps: undefined }, /params\.cps/);
    await refuse({ ...base, phenomena: [] }, /params\.phenomena: must not be empty/);
    await refuse(
      { ...base, phenomena: ['0', 'nope'] },
      /params\.phenomena\[1\]: unknown phenomenon/,
    );
    await refuse({ ...base, phenomena: ['0', '0'] }, /params\.phenomena\[1\]: repeats/);
    await refuse({ ...base, plane: 99 }, /params\.plane/);
    await refuse({ ...base, scope: 'first' }, /params\.scope/);
    await refuse({ ...base, checkpointId: 0 }, /params\.checkpointId/);
  });
});
