/** Compare's analyses charts: greedy solid and exact dashed per model, whiskers on one axis. */
import { describe, expect, it } from 'vitest';
import {
  exactVsGreedyOption,
  whiskerAxis,
  whiskerX,
} from '../../src-renderer/src/lib/analyses-charts.ts';

describe('analyses charts', () => {
  it('draws greedy and exact s per model over the union of cPs, gaps where one is missing', () => {
    const row = (modelId: number, cps: number[]) => ({
      modelId,
      name: `m${modelId}`,
      setup: 's',
      byCp: cps.map((cp) => ({
        cp,
        s: cp / 2,
        sExact: cp / 2 + 0.01,
        constraints: 3,
        constraintsExact: 4,
        coverageExact: cp,
        missed: 1,
        optimal: 1,
      })),
    });
    const option = exactVsGreedyOption([row(1, [0.8, 1]), row(2, [0.9, 1])]);
    expect((option.xAxis as { data: string[] }).data).toEqual(['0.8', '0.9', '1']);
    const series = option.series as {
      name: string;
      data: (number | null)[];
      lineStyle: { type?: string };
    }[];
    expect(series.map((s) => s.name)).toEqual([
      'm1 · greedy',
      'm1 · exact',
      'm2 · greedy',
      'm2 · exact',
    ]);
    expect(series[0].data).toEqual([0.4, null, 0.5]);
    expect(series[1].data).toEqual([0.41000000000000003, null, 0.51]);
    expect(series[1].lineStyle.type).toBe('dashed');
    expect(series[2].data).toEqual([null, 0.45, 0.5]);
  });

  it('places whiskers on a padded common axis', () => {
    const axis = whiskerAxis([
      { low: 0.2, high: 0.4 },
      { low: 0.3, high: 0.6 },
    ]);
    expect(axis[0]).toBeCloseTo(0.18, 12);
    expect(axis[1]).toBeCloseTo(0.62, 12);
    expect(whiskerX(0.18, axis[0], axis[1], 200)).toBeCloseTo(0, 9);
    expect(whiskerX(0.62, axis[0], axis[1], 200)).toBeCloseTo(200, 9);
    expect(whiskerX(0.5, 1, 1, 200)).toBe(100);
  });
});
