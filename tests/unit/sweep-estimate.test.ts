/**
 * A sweep's duration on the worker pool (src-main/lab/sweep-estimate.ts): the
 * scheduler's rules played forward — one job per worker, measure jobs before trainings,
 * a training's measurement queued when it finishes, cores shared beyond their count.
 */
import { describe, expect, it } from 'vitest';
import { poolSeconds, type EstimatedJob } from '../../src-main/lab/sweep-estimate.ts';

const train = (seconds: number, followUpSeconds: number | null = null): EstimatedJob => ({
  seconds,
  followUpSeconds,
  kind: 'train',
});
const measure = (seconds: number): EstimatedJob => ({
  seconds,
  followUpSeconds: null,
  kind: 'measure',
});

describe('poolSeconds', () => {
  it('adds the jobs up on one worker', () => {
    expect(
      poolSeconds({ workers: 1, cores: 2, running: [], queued: [train(3, 1), train(5, 2)] }),
    ).toBe(11);
  });

  it('spreads equal jobs over the workers', () => {
    const queued = Array.from({ length: 7 }, () => train(10));
    expect(poolSeconds({ workers: 2, cores: 2, running: [], queued })).toBe(40);
    expect(poolSeconds({ workers: 7, cores: 8, running: [], queued })).toBe(10);
  });

  it('runs a finished training’s measurement before the next training', () => {
    // Two workers, three trainings of 10 s, each followed by a 4 s measurement:
    // t=0 A, B start; t=10 both end, their measurements take both workers until 14;
    // C runs 14–24, its measurement 24–28.
    const queued = [train(10, 4), train(10, 4), train(10, 4)];
    expect(poolSeconds({ workers: 2, cores: 2, running: [], queued })).toBe(28);
  });

  it('starts from the running jobs and queued measurements', () => {
    // Worker 1 busy 6 s more (then a 2 s measurement), worker 2 free: the queued
    // measurement (3 s) goes first, then the 5 s training; 6 → measurement to 8.
    expect(
      poolSeconds({
        workers: 2,
        cores: 2,
        running: [train(6, 2)],
        queued: [train(5), measure(3)],
      }),
    ).toBe(8);
  });

  it('lets a worker wait for a follow-up when nothing else is queued', () => {
    expect(poolSeconds({ workers: 3, cores: 4, running: [], queued: [train(2, 9)] })).toBe(11);
  });

  it('slows the jobs down when there are more workers than cores', () => {
    const queued = Array.from({ length: 4 }, () => train(10));
    // Four at once on two cores: each runs at half speed.
    expect(poolSeconds({ workers: 4, cores: 2, running: [], queued })).toBe(20);
    // Two jobs only on four workers: two busy workers, two cores, no slowdown.
    expect(poolSeconds({ workers: 4, cores: 2, running: [], queued: [train(10), train(10)] })).toBe(
      10,
    );
  });

  it('is 0 with nothing to do', () => {
    expect(poolSeconds({ workers: 2, cores: 2, running: [], queued: [] })).toBe(0);
  });

  it('refuses bad input naming the place', () => {
    expect(() => poolSeconds({ workers: 0, cores: 2, running: [], queued: [] })).toThrow(
      'workers must be a positive integer, got 0',
    );
    expect(() =>
      poolSeconds({ workers: 1, cores: 1, running: [], queued: [train(Number.NaN)] }),
    ).toThrow('queued[0].seconds must be a finite number ≥ 0, got NaN');
    expect(() =>
      poolSeconds({ workers: 1, cores: 1, running: [train(1, -1)], queued: [] }),
    ).toThrow('running[0].followUpSeconds must be null or a finite number ≥ 0');
  });
});
