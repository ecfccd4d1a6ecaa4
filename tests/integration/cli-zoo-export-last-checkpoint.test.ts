/**
 * Bug: `mbh-lab zoo export ID --out FILE` wrote a model bundle, but the contract (issue 3)
 * is the model JSON of the last checkpoint, which `partition` and `measure` read; the
 * bundle now needs --bundle. The model here is imported, so no training is needed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';

const { dir, zoo } = tempLabHome('mbh-cli-export-');
const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/engine/${name}`, import.meta.url));

describe('mbh-lab zoo export', () => {
  it('writes the last checkpoint as model JSON, or a bundle with --bundle', async () => {
    const model = fixture('fig32.model.json');
    const imported = await mbh('zoo', 'import', model, '--dataset', 'xor', '--zoo', zoo, '--json');
    expect(imported.status, imported.stderr).toBe(0);
    const id = String((JSON.parse(imported.stdout) as { id: number }).id);

    const last = join(dir, 'last.json');
    expect((await mbh('zoo', 'export', id, '--out', last, '--zoo', zoo)).status).toBe(0);
    expect(JSON.parse(readFileSync(last, 'utf8'))).toEqual({
      ...(JSON.parse(readFileSync(model, 'utf8')) as object),
      inputBox: { low: -1, high: 1 }, // the xor dataset's box
    });
    const at = join(dir, 'at-0.json');
    expect(
      (await mbh('zoo', 'export', id, '--out', at, '--iteration', '0', '--zoo', zoo)).status,
    ).toBe(0);
    expect(readFileSync(at, 'utf8')).toBe(readFileSync(last, 'utf8'));
    const partition = await mbh(
      'partition',
      '--model',
      last,
      '--plane',
      fixture('square-0-4.plane.json'),
      '--json',
    );
    expect(partition.status, partition.stderr).toBe(0);
    expect(JSON.parse(partition.stdout)).toMatchObject({ regions: 18 });

    const bundle = join(dir, 'bundle.json');
    expect((await mbh('zoo', 'export', id, '--out', bundle, '--bundle', '--zoo', zoo)).status).toBe(
      0,
    );
    expect(JSON.parse(readFileSync(bundle, 'utf8'))).toMatchObject({
      format: 'mbh-model-bundle',
      checkpoints: [{ iteration: 0 }],
    });
    const both = await mbh(
      'zoo',
      'export',
      id,
      '--out',
      bundle,
      '--bundle',
      '--iteration',
      '0',
      '--zoo',
      zoo,
    );
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--iteration N or --bundle, not both/);
  });
});

describe('mbh-lab zoo export --out', () => {
  it('names the file it cannot write, not its temporary (bug: the .PID.tmp path was shown)', async () => {
    const model = fixture('fig32.model.json');
    await mbh('zoo', 'import', model, '--dataset', 'xor', '--zoo', zoo);
    const missing = join(dir, 'no-such-folder', 'x.json');
    const result = await mbh('zoo', 'export', '1', '--out', missing, '--zoo', zoo);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`mbh-lab zoo: --out: cannot write ${missing}: no such folder\n`);
    const folder = await mbh('zoo', 'export', '1', '--out', dir, '--zoo', zoo);
    expect(folder.stderr).toBe(`mbh-lab zoo: --out: cannot write ${dir}: it is a folder\n`);
  });
});
