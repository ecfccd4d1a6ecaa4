/**
 * The lab's limits are settings: `mbh-lab limits` shows and changes them, and the lab
 * uses them — a partition past the stored region budget stops with the budget error,
 * while a call's own maxRegions overrides the setting.
 */
import { describe, expect, it } from 'vitest';
import { networkToModelJson } from '../../src-shared/model/format.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { heNetwork } from '../unit/engine-support.ts';

const home = tempLabHome('mbh-lab-limits-');

describe('mbh-lab limits', () => {
  it('shows the defaults, stores changes, and refuses values out of range', async () => {
    const shown = await mbh('limits', '--json');
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({
      regionBudget: 200_000,
      workerMemoryMb: 2048,
      maxExperimentModels: 10_000,
    });
    const changed = await mbh('limits', '--region-budget', '30', '--json');
    expect(JSON.parse(changed.stdout)).toMatchObject({ regionBudget: 30, workerMemoryMb: 2048 });
    expect((await mbh('limits')).stdout).toBe(
      'region budget:      30 regions per partition\n' +
        'worker heap limit:  2,048 MB per measure worker\n' +
        'experiment size:    10,000 models at most\n',
    );
    const bad = await mbh('limits', '--worker-memory', '64');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toBe(
      'mbh-lab limits: --worker-memory: must be from 128 to 65,536, got 64\n',
    );
    const huge = await mbh('limits', '--region-budget', '20000000');
    expect(huge.stderr).toBe(
      'mbh-lab limits: --region-budget: must be from 1 to 10,000,000, got 20000000\n',
    );
    expect(JSON.parse((await mbh('limits', '--json')).stdout).regionBudget).toBe(30);
  });

  it('the lab partitions under the stored budget unless a call gives its own', async () => {
    const lab = await LabService.open({ home: home.dir, shell: 'cli', workers: 1 });
    try {
      const projectId = (await lab.createProject({ name: 'limits', description: '' })).id;
      const network = heNetwork(2, [12, 12], 2, { seed: 4, biasStd: 0.3 });
      const model = await lab.importModel({
        projectId,
        json: JSON.stringify(networkToModelJson(network)),
        datasetId: 'xor',
      } as never);
      const checkpointId = (await lab.getModel({ id: model.id })).checkpoints.at(-1)!.id;
      const planeSetId = (
        await lab.createPlaneSet({ datasetId: 'xor', count: 1, seed: 2 } as never)
      ).id;
      const where = { checkpointId, planeSetId, plane: 0 };
      const full = await lab.getPartition({ ...where, maxRegions: 10_000 });
      expect(full.regionCount).toBeGreaterThan(30);
      await lab.setLimits({ regionBudget: full.regionCount });
      expect((await lab.getLimits({})).regionBudget).toBe(full.regionCount);
      // A cached partition is complete whatever the budget; a fresh plane is checked.
      await lab.setLimits({ regionBudget: 30 });
      const other = await lab.createPlaneSet({ datasetId: 'xor', count: 1, seed: 3 } as never);
      await expect(
        lab.getPartition({ checkpointId, planeSetId: other.id, plane: 0 }),
      ).rejects.toMatchObject({
        name: 'RegionBudgetError',
        message:
          'this plane has more than 30 regions (the region budget); raise the limit or zoom into a smaller domain',
      });
      const own = await lab.getPartition({
        checkpointId,
        planeSetId: other.id,
        plane: 0,
        maxRegions: 10_000,
      });
      expect(own.regionCount).toBeGreaterThan(30);
    } finally {
      await lab.close({ pauseRunning: true });
    }
  });
});
