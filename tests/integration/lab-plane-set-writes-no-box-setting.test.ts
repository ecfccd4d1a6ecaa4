/**
 * Bug: creating a plane set wrote a `box:<datasetId>` setting into the zoo that nothing
 * read (the box comes from the dataset registry). It is no longer written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-plane-set-box-'));
let lab: LabService;
beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

describe('createPlaneSet', () => {
  it('writes no box:<dataset> setting', async () => {
    const set = await lab.createPlaneSet({ datasetId: 'xor', count: 2, seed: 3, clip: false });
    expect(set.id).toBeGreaterThan(0);
    const keys = (lab.zoo.db.prepare('SELECT key FROM settings').all() as { key: string }[]).map(
      (row) => row.key,
    );
    expect(keys.filter((key) => key.startsWith('box:'))).toEqual([]);
  });
});
