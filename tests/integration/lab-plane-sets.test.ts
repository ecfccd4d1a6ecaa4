/**
 * Plane sets through the service: drawn once (in a worker) per dataset, count, seed and
 * clip, so every model measured on "10 planes, seed 3" is measured on the same planes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-plane-sets-'));
let lab: LabService;
beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

describe('createPlaneSet', () => {
  it('draws a set once per dataset, count, seed and clip', async () => {
    const set = await lab.createPlaneSet({ datasetId: 'xor', count: 2, seed: 3, clip: false });
    expect(set).toMatchObject({ datasetId: 'xor', seed: 3, clip: false });
    expect(set.planes).toHaveLength(2);
    // Asked again: the same set, not a second draw.
    expect(await lab.createPlaneSet({ datasetId: 'xor', count: 2, seed: 3, clip: false })).toEqual(
      set,
    );
    const other = await lab.createPlaneSet({ datasetId: 'xor', count: 2, seed: 4, clip: false });
    expect(other.id).not.toBe(set.id);
    expect(other.planes).not.toEqual(set.planes);
    expect((await lab.listPlaneSets({ datasetId: 'xor' })).map((s) => s.id)).toEqual([
      set.id,
      other.id,
    ]);
  });

  it('refuses an unknown dataset, naming the field, and stores nothing', async () => {
    const before = await lab.listPlaneSets({});
    await expect(
      lab.createPlaneSet({ datasetId: 'nope', count: 2, seed: 3, clip: false }),
    ).rejects.toThrow(/params\.datasetId/);
    expect(await lab.listPlaneSets({})).toEqual(before);
  });
});
