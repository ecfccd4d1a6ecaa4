/**
 * Bulk job actions (the dashboard's "pause shown" and so on): one call changes every job
 * it applies to in one transaction, skips and counts the others, tells running jobs to
 * stop, refuses an unknown id with nothing changed, and pumps the queue once after retry.
 * In process, with runners that wait to be stopped: no workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobState, JobSummary } from '../../src-shared/api/dto.ts';
import {
  Scheduler,
  type JobControl,
  type JobRunner,
  type StopReason,
} from '../../src-main/jobs/scheduler.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

let dir: string;
let zoo: Zoo;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-bulk-'));
  zoo = Zoo.open(join(dir, 'zoo.sqlite'));
});
afterEach(() => {
  zoo.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A runner whose jobs run until they are asked to stop, recording why. */
function waitingRunner(stops: Map<number, StopReason>, started: number[]): JobRunner {
  return {
    run: (control: JobControl) =>
      new Promise((resolve) => {
        started.push(control.job.id);
        control.onStop((reason) => {
          stops.set(control.job.id, reason);
          resolve({ kind: 'stopped' });
        });
      }),
  };
}

function job(state: JobState): number {
  const id = zoo.jobs.create({
    kind: 'train',
    experimentId: null,
    modelId: null,
    label: `job in ${state}`,
    spec: {},
    iterations: 10,
  });
  if (state !== 'queued') zoo.jobs.setState(id, state);
  return id;
}

describe('bulk job actions', () => {
  it('applies to the jobs it fits, counts the rest, one event per changed job', () => {
    const events: JobSummary[] = [];
    const runner = waitingRunner(new Map(), []);
    const scheduler = new Scheduler(zoo, {
      workers: 1,
      runners: { train: runner, measure: runner },
      emit: (summary) => events.push(summary),
    });
    const ids = (['queued', 'paused', 'done', 'failed', 'cancelled', 'queued'] as const).map(job);
    const paused = scheduler.bulk('pause', ids);
    expect(paused.applied.map((j) => [j.id, j.state])).toEqual([
      [ids[0], 'paused'],
      [ids[5], 'paused'],
    ]);
    expect(paused.skipped).toBe(4);
    expect(events.map((e) => e.id)).toEqual([ids[0], ids[5]]);
    const cancelled = scheduler.bulk('cancel', ids);
    expect(cancelled.applied.map((j) => j.id)).toEqual([ids[0], ids[1], ids[5]]);
    expect(zoo.jobs.list().filter((j) => j.state === 'cancelled')).toHaveLength(4);
    const retried = scheduler.bulk('retry', ids);
    expect(retried.applied.map((j) => j.id)).toEqual([ids[0], ids[1], ids[3], ids[4], ids[5]]);
    expect(retried.skipped).toBe(1);
  });

  it('refuses an unknown id naming it, with nothing changed', () => {
    const runner = waitingRunner(new Map(), []);
    const scheduler = new Scheduler(zoo, {
      workers: 1,
      runners: { train: runner, measure: runner },
      emit: () => {},
    });
    const ids = [job('queued'), job('queued')];
    expect(() => scheduler.bulk('pause', [...ids, 999])).toThrow('no job with id 999');
    expect(ids.map((id) => zoo.jobs.get(id).state)).toEqual(['queued', 'queued']);
  });

  it('stops running jobs with the action as the reason, and pumps once after resume', async () => {
    const stops = new Map<number, StopReason>();
    const started: number[] = [];
    const runner = waitingRunner(stops, started);
    const scheduler = new Scheduler(zoo, {
      workers: 2,
      runners: { train: runner, measure: runner },
      emit: () => {},
    });
    const ids = [job('queued'), job('queued'), job('queued')];
    scheduler.start();
    expect(started).toEqual([ids[0], ids[1]]);
    const paused = scheduler.bulk('pause', ids);
    expect(paused.applied).toHaveLength(3);
    expect([...stops.entries()].sort()).toEqual([
      [ids[0], 'pause'],
      [ids[1], 'pause'],
    ]);
    await scheduler.idle();
    expect(ids.map((id) => zoo.jobs.get(id).state)).toEqual(['paused', 'paused', 'paused']);
    const resumed = scheduler.bulk('resume', ids);
    expect(resumed.applied.map((j) => j.state)).toEqual(['queued', 'queued', 'queued']);
    expect(started.slice(2)).toEqual([ids[0], ids[1]]);
    scheduler.bulk('cancel', ids);
    await scheduler.idle();
    expect(ids.map((id) => zoo.jobs.get(id).state)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
  });
});
