/**
 * An import killed mid-way (the process gone) leaves its staging file in the data folder;
 * the next lab to open removes it, and only it: a staging file of a live process (an
 * import still running elsewhere) and the datasets themselves stay.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-staging-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('stale staging files', () => {
  it('are removed when a lab opens, when their process is gone', async () => {
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
    );
    const datasets = join(home, 'datasets');
    mkdirSync(datasets, { recursive: true });
    const names = {
      killed: `user-a.bin.${dead}.k1x2.staging`,
      running: `user-b.bin.${process.pid}.r3y4.staging`,
      dataset: 'user-c.bin',
    };
    for (const name of Object.values(names)) writeFileSync(join(datasets, name), 'x');
    const lab = await LabService.open({ home, shell: 'cli', workers: 1 });
    try {
      expect(readdirSync(datasets).sort()).toEqual([names.running, names.dataset].sort());
    } finally {
      await lab.close({ pauseRunning: true });
    }
  });
});
