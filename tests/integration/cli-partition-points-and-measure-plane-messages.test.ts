/**
 * Bugs: `mbh-lab partition --points` without --svg was silently ignored (and so was --points
 * with a plane given as origin/u/v, which has no points to mark); `mbh-lab measure --model
 * ID --plane F` said only "Unknown option '--plane'". Each now gets a message that says
 * what the flag needs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';

const { dir, zoo } = tempLabHome('mbh-cli-points-plane-');
const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/engine/${name}`, import.meta.url));

describe('partition --points', () => {
  const model = fixture('fig32.model.json');
  it('is refused without --svg', async () => {
    const result = await mbh(
      'partition',
      '--model',
      model,
      '--plane',
      fixture('points.plane.json'),
      '--points',
    );
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--points .*--svg FILE/);
  });

  it('is refused for a plane without points', async () => {
    const svg = join(dir, 'square.svg');
    const result = await mbh(
      'partition',
      '--model',
      model,
      '--plane',
      fixture('square-0-4.plane.json'),
      '--svg',
      svg,
      '--points',
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/--points: .*square-0-4\.plane\.json gives no points/);
    expect(existsSync(svg)).toBe(false);
  });

  it('works with --svg on a plane given by points', async () => {
    const svg = join(dir, 'points.svg');
    const result = await mbh(
      'partition',
      '--model',
      model,
      '--plane',
      fixture('points.plane.json'),
      '--svg',
      svg,
      '--points',
    );
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(svg)).toBe(true);
  });
});

describe('measure --model ID --plane', () => {
  it('says --plane is for a model file and the zoo form uses --planes / --plane-seed', async () => {
    for (const plane of [['--plane', fixture('points.plane.json')], ['--plane=x.json']]) {
      const result = await mbh('measure', '--model', '1', ...plane, '--zoo', zoo);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/--plane P\.json applies to a model file/);
      expect(result.stderr).toMatch(/--planes N and --plane-seed S/);
      expect(result.stderr).not.toMatch(/Unknown option/);
    }
    // --planes is the zoo form's own flag and is not caught by the --plane check.
    const planes = await mbh('measure', '--model', '1', '--planes', '0', '--zoo', zoo);
    expect(planes.stderr).toMatch(/--planes: must be a positive integer/);
  });
});
