/**
 * Bug: the model JSON that `zoo export ID --out FILE` (exportModel) wrote had no inputBox,
 * so `partition --clip` on it failed asking for --box. The export now carries the box of the
 * model's dataset (DESIGN §4 `"inputBox": {"low", "high"}`), and the engine's parser
 * round-trips it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { networkToModelJson, parseModelJson } from '../../src-shared/model/format.ts';

const { dir, zoo } = tempLabHome('mbh-cli-export-box-');
const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/engine/${name}`, import.meta.url));

describe('zoo export writes the dataset input box', () => {
  it('exports inputBox, which partition --clip uses without --box', async () => {
    const imported = await mbh(
      'zoo',
      'import',
      fixture('fig32.model.json'),
      '--dataset',
      'xor',
      '--zoo',
      zoo,
      '--json',
    );
    expect(imported.status, imported.stderr).toBe(0);
    const id = String((JSON.parse(imported.stdout) as { id: number }).id);
    const out = join(dir, 'model.json');
    const exported = await mbh('zoo', 'export', id, '--out', out, '--zoo', zoo);
    expect(exported.status, exported.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as unknown;
    expect(json).toMatchObject({ inputBox: { low: -1, high: 1 } });

    // The parser round-trips the box.
    const network = parseModelJson(json);
    expect(network.inputBox).toEqual({ low: -1, high: 1 });
    expect(networkToModelJson(network)).toEqual(json);

    // The plane [0,4]² clipped to the xor box [-1,1]² keeps [0,1]².
    const clipped = await mbh(
      'partition',
      '--model',
      out,
      '--plane',
      fixture('square-0-4.plane.json'),
      '--clip',
      '--json',
    );
    expect(clipped.status, clipped.stderr).toBe(0);
    const withBox = await mbh(
      'partition',
      '--model',
      out,
      '--plane',
      fixture('square-0-4.plane.json'),
      '--clip',
      '--box=-1,1',
      '--json',
    );
    expect(withBox.status, withBox.stderr).toBe(0);
    const { ms: _clippedMs, ...clippedResult } = JSON.parse(clipped.stdout) as { ms: number };
    const { ms: _boxMs, ...boxResult } = JSON.parse(withBox.stdout) as { ms: number };
    expect(clippedResult).toMatchObject({ domainArea: 1, areaSum: 1 });
    expect(clippedResult).toEqual(boxResult);

    // Without the box the same file still needs --box.
    const bare = { ...(json as Record<string, unknown>) };
    delete bare.inputBox;
    const bareFile = join(dir, 'bare.json');
    writeFileSync(bareFile, JSON.stringify(bare));
    const refused = await mbh(
      'partition',
      '--model',
      bareFile,
      '--plane',
      fixture('square-0-4.plane.json'),
      '--clip',
    );
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/--box/);
  });
});
