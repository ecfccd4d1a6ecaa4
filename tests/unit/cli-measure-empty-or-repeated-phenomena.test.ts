/**
 * Bugs of the file-based `mbh-lab measure`: a phenomenon without samples in the data (e.g.
 * `--classes all` on a file holding only class 0) was reported with s = 0 and coverage 0 <
 * cP and averaged into the summary; a cP or a phenomenon listed twice (`--cp 0.8,0.8`,
 * `--classes 0,1+0,0+1`) gave duplicate rows and weighed twice in the summary. Each is now
 * refused with one line naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src-main/cli/commands/measure.ts';

const fixtures = fileURLToPath(new URL('../fixtures/engine/', import.meta.url));
const model = join(fixtures, 'fig32.model.json');
const plane = join(fixtures, 'square-0-4.plane.json');
const data = join(fixtures, 'fig32.data.csv');
const scratch = mkdtempSync(join(tmpdir(), 'mbh-measure-phenomena-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function measure(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(['--model', model, '--plane', plane, ...args], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { code, stdout, stderr };
}

describe('mbh-lab measure phenomena and cP lists', () => {
  it('refuses a phenomenon without samples, naming it', async () => {
    const onlyZero = join(scratch, 'only-zero.csv');
    writeFileSync(onlyZero, 'a,b,label\n1,2,0\n3,1,0\n');
    const refused = await measure('--data', onlyZero, '--json');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `mbh-lab measure: ${onlyZero}: no sample of phenomenon "1" (choose others with --classes)\n`,
    );
    const chosen = await measure('--data', onlyZero, '--classes', '0', '--cp', '0.8', '--json');
    expect(chosen.code, chosen.stderr).toBe(0);
    const report = JSON.parse(chosen.stdout) as { results: { coverage: number; cp: number }[] };
    for (const row of report.results) expect(row.coverage).toBeGreaterThanOrEqual(row.cp);
  });

  it('refuses a cP or a phenomenon listed twice', async () => {
    const cases: [string[], string][] = [
      [['--cp', '0.8,0.80'], '--cp: 0.8 is listed twice'],
      [['--classes', '0,0'], 'classes: phenomenon "0" is listed twice in "0,0"'],
      [['--classes', '0,1+0,0+1'], 'classes: phenomenon "0+1" is listed twice in "0,1+0,0+1"'],
    ];
    for (const [args, message] of cases) {
      const result = await measure('--data', data, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`mbh-lab measure: ${message}\n`);
    }
    const distinct = await measure('--data', data, '--classes', '0,1,0+1', '--cp', '0.8,1');
    expect(distinct.code, distinct.stderr).toBe(0);
  });
});
