/**
 * Bug: `mbh-lab experiment plan` printed its estimate in hours with two decimals, so a
 * short run read "about 0.00 h". It now uses the duration formatter the renderer uses
 * (moved to src-shared/format/duration.ts): seconds, minutes or hours as fits.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { duration } from '../../src-shared/format/duration.ts';
import { duration as rendererDuration } from '../../src-renderer/src/lib/format.ts';

const { dir, zoo } = tempLabHome('mbh-cli-plan-duration-');

describe('experiment plan duration', () => {
  it('formats seconds, minutes and hours', () => {
    expect(duration(0.4)).toBe('0 s');
    expect(duration(42)).toBe('42 s');
    expect(duration(185)).toBe('3 min 05 s');
    expect(duration(7_800)).toBe('2 h 10 min');
    expect(duration(Number.NaN)).toBe('–');
    expect(rendererDuration).toBe(duration);
  });

  it('prints a short run in seconds or minutes, not "0.00 h"', async () => {
    const spec = join(dir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        name: 'short',
        family: 'lenet',
        hiddenNeurons: [16],
        seeds: [1],
        datasets: ['xor'],
        iterations: 5,
      }),
    );
    const result = await mbh('experiment', 'plan', spec, '--zoo', zoo);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/0\.00 h/);
    expect(result.stdout).toMatch(/about \d+ (s|min \d\d s) on this machine/);
  });
});
