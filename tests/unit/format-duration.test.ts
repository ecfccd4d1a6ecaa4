/**
 * Durations read as seconds, minutes or hours as fits, the same text in the command line's
 * `experiment plan` (src-shared/format/duration.ts) and in the renderer's designer.
 */
import { describe, expect, it } from 'vitest';
import { duration } from '../../src-shared/format/duration.ts';
import { duration as rendererDuration } from '../../src-renderer/src/lib/format.ts';

describe('duration', () => {
  it('formats seconds, minutes and hours alike in the command line and the renderer', () => {
    const cases: [number, string][] = [
      [0.4, '0 s'],
      [42, '42 s'],
      [185, '3 min 05 s'],
      [7_800, '2 h 10 min'],
      [Number.NaN, '–'],
    ];
    for (const [seconds, text] of cases) {
      expect(duration(seconds), String(seconds)).toBe(text);
      expect(rendererDuration(seconds), String(seconds)).toBe(text);
    }
  });
});
