/**
 * Bug: `mbh-lab experiment plan` printed its estimate in hours with two decimals, so a
 * short run read "about 0.00 h". It now uses the duration formatter the renderer uses
 * (moved to src-shared/format/duration.ts): seconds, minutes or hours as fits. The
 * formatter itself is checked in tests/unit/format-duration.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';

const { dir, zoo } = tempLabHome('mbh-cli-plan-duration-');

describe('experiment plan duration', () => {
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
