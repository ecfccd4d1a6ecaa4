import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  DEFAULT_REGION_BUDGET,
  PROGRESS_INTERVAL_MS,
  PartitionWatch,
  RegionBudgetError,
  groupDigits,
} from '../../src-shared/mbh/budget.ts';
import { partitionPlane } from '../../src-shared/mbh/partition.ts';
import { planeFromSpec, type Plane } from '../../src-shared/mbh/plane.ts';
import { figure32Network, heNetwork } from './engine-support.ts';

function square(low: number, high: number): Plane {
  return planeFromSpec({
    origin: new Float64Array(2),
    u: Float64Array.of(1, 0),
    v: Float64Array.of(0, 1),
    domain: [low, low, high, low, high, high, low, high],
  });
}

/** Two hidden layers of 24 on the unit square: a few hundred regions, many parents. */
const deepNetwork = () => heNetwork(2, [24, 24], 2, { seed: 7, biasStd: 0.5 });
/** One wide layer: all regions come from one split of the domain. */
const wideNetwork = () => heNetwork(2, [60], 2, { seed: 3, biasStd: 0.5 });

describe('partitionPlane: region budget', () => {
  it('a budget equal to the region count changes nothing; one less stops with the message', () => {
    for (const network of [deepNetwork(), wideNetwork(), figure32Network()]) {
      const plane = square(-1, 1);
      const full = partitionPlane(network, plane);
      const exact = partitionPlane(network, plane, { maxRegions: full.regionCount });
      expect(exact.regionCount).toBe(full.regionCount);
      expect(Array.from(exact.vertices)).toEqual(Array.from(full.vertices));
      expect(Array.from(exact.patterns)).toEqual(Array.from(full.patterns));

      const limit = full.regionCount - 1;
      let caught: unknown;
      try {
        partitionPlane(network, plane, { maxRegions: limit });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RegionBudgetError);
      const budget = caught as RegionBudgetError;
      expect(budget.name).toBe('RegionBudgetError');
      expect(budget.limit).toBe(limit);
      // It stops at the first region past the limit, not after finishing the plane.
      expect(budget.regions).toBe(limit + 1);
      expect(budget.message).toBe(
        `this plane has more than ${groupDigits(limit)} regions (the region budget); ` +
          'raise the limit or zoom into a smaller domain',
      );
    }
  });

  it('stops inside one large split (a wide first layer) before the output grows past it', () => {
    const network = wideNetwork();
    const full = partitionPlane(network, square(-1, 1));
    expect(full.regionsPerLayer).toEqual([full.regionCount]);
    expect(full.regionCount).toBeGreaterThan(200);
    expect(() => partitionPlane(network, square(-1, 1), { maxRegions: 50 })).toThrow(
      'this plane has more than 50 regions (the region budget); raise the limit or zoom into a smaller domain',
    );
  });

  it('after a stopped partition the next one is whole and equal to a fresh one', () => {
    const network = deepNetwork();
    const before = partitionPlane(network, square(-1, 1));
    expect(() => partitionPlane(network, square(-1, 1), { maxRegions: 10 })).toThrow(
      RegionBudgetError,
    );
    const after = partitionPlane(network, square(-1, 1));
    expect(after.regionCount).toBe(before.regionCount);
    expect(after.regionsPerLayer).toEqual(before.regionsPerLayer);
    expect(Array.from(after.areas)).toEqual(Array.from(before.areas));
  });

  it('refuses a budget that is not a positive integer, naming it', () => {
    for (const bad of [0, -5, 1.5, Number.NaN, 1e12]) {
      expect(() => partitionPlane(figure32Network(), square(0, 4), { maxRegions: bad })).toThrow(
        /^maxRegions must be an integer from 1 to 10,000,000, got /,
      );
    }
  });

  it('the default budget is 200,000 regions', () => {
    expect(DEFAULT_REGION_BUDGET).toBe(200_000);
    expect(groupDigits(DEFAULT_REGION_BUDGET)).toBe('200,000');
    expect(groupDigits(1234567)).toBe('1,234,567');
    expect(groupDigits(999)).toBe('999');
  });
});

describe('partitionPlane: cancellation', () => {
  it('a flag set before the start stops at once', () => {
    expect(() => partitionPlane(deepNetwork(), square(-1, 1), { cancelled: () => true })).toThrow(
      new CancelledError('the partition was cancelled'),
    );
  });

  it('a flag set part-way stops within one parent region, and the engine stays usable', () => {
    const network = deepNetwork();
    const full = partitionPlane(network, square(-1, 1));
    expect(full.regionsPerLayer[0]).toBeGreaterThan(10);
    let reads = 0;
    let regionsAtStop = 0;
    const cancelled = () => ++reads > 5;
    let caught: unknown;
    try {
      partitionPlane(network, square(-1, 1), {
        cancelled,
        onProgress: (regions) => (regionsAtStop = regions),
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CancelledError);
    expect((caught as Error).name).toBe('Cancelled');
    // Read once before the start, then once per emitted parent: it stopped after 5 reads.
    expect(reads).toBe(6);
    expect(regionsAtStop).toBeLessThan(full.regionCount);
    const again = partitionPlane(network, square(-1, 1));
    expect(again.regionCount).toBe(full.regionCount);
  });
});

describe('PartitionWatch: progress at a bounded rate', () => {
  it('reports regions so far at most once per interval, and reads the flag every check', () => {
    let now = 1_000;
    const reported: number[] = [];
    let reads = 0;
    const watch = new PartitionWatch(
      {
        maxRegions: 100,
        onProgress: (regions) => reported.push(regions),
        cancelled: () => {
          reads++;
          return false;
        },
      },
      () => now,
    );
    watch.check(1);
    now += PROGRESS_INTERVAL_MS - 1;
    watch.check(2);
    expect(reported).toEqual([]);
    now += 1;
    watch.check(3);
    watch.check(4);
    expect(reported).toEqual([3]);
    now += 10 * PROGRESS_INTERVAL_MS;
    watch.check(50);
    expect(reported).toEqual([3, 50]);
    expect(reads).toBe(5);
    expect(() => watch.check(101)).toThrow(RegionBudgetError);
  });
});
