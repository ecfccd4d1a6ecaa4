/**
 * Remote workers (issue 9 §2–§3): a hub (the lab service with a Redis URL and no local
 * workers) and two `mbh-lab worker` processes meeting only through a real redis-server
 * with a password. A sweep trained through them equals the same sweep trained locally,
 * bit for bit (the fused path is deterministic, and resuming from a snapshot is exact);
 * a worker killed with SIGKILL mid-run has its run taken over by the other from the
 * last snapshot; Redis restarted mid-sweep loses nothing; the zoo stays intact and Redis
 * keeps nothing of finished runs. A hub killed with SIGKILL mid-sweep and started again
 * attaches to the runs its workers went on with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { LabService } from '../../src-main/lab/service.ts';
import {
  queueSweep as sweep,
  sweepResults as results,
  SWEEP_ITERATIONS as ITERATIONS,
  SWEEP_SEEDS,
} from '../fixtures/scripts/remote-sweep.ts';
import { whenReached } from './processes.ts';
import { RedisServer } from './redis-server.ts';
import { countRows, startHubProcess } from './remote-hub-process.ts';
import { startWorkerProcess, type WorkerProcess } from './remote-worker-process.ts';

const root = mkdtempSync(join(tmpdir(), 'mbh-remote-'));
const QUEUE = 'mbh-test';
/** Steps between a remote run's snapshots (a killed run resumes from its last one). */
const SNAPSHOT_EVERY = 500;

let redis: RedisServer;
let probe: Redis;
const workers: WorkerProcess[] = [];

/** Starts `mbh-lab worker` as its own process with its own lab folder; resolves once it is ready. */
function startWorker(name: string): Promise<void> {
  const worker = startWorkerProcess({
    url: redis.url,
    queue: QUEUE,
    name,
    home: join(root, name),
    args: ['--lock-ms', '1000', '--snapshot-every', String(SNAPSHOT_EVERY)],
  });
  workers.push(worker);
  return worker.ready;
}

/** Resolves once `holds(job)` for a job event of the lab (checked on every event). */
function whenJob(lab: LabService, holds: (job: JobSummary) => boolean): Promise<JobSummary> {
  return new Promise((resolve) => {
    const listener = (job: JobSummary) => {
      if (!holds(job)) return;
      lab.off('job', listener);
      resolve(job);
    };
    lab.on('job', listener);
  });
}

let reference: Record<number, unknown>;

beforeAll(async () => {
  redis = await RedisServer.start({ password: 'hub secret/1' });
  probe = new Redis(redis.url, { maxRetriesPerRequest: null });
  probe.on('error', () => {});
  // The reference: the same sweep in one process, local worker threads only.
  const local = await LabService.open({ home: join(root, 'local'), shell: 'cli', workers: 2 });
  await local.start();
  await sweep(local);
  await local.idle();
  expect((await local.listJobs({})).map((job) => job.worker)).toEqual(
    SWEEP_SEEDS.map(() => 'local'),
  );
  reference = results(local);
  await local.close();
}, 120_000);

afterAll(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  probe?.disconnect();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a hub with remote workers over BullMQ', () => {
  it('refuses a wrong password in one clear error', async () => {
    await expect(
      LabService.open({
        home: join(root, 'refused'),
        shell: 'cli',
        workers: 0,
        redis: `redis://:wrong@127.0.0.1:${redis.port}`,
        redisQueue: QUEUE,
      }),
    ).rejects.toThrow(
      /^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the connection: WRONGPASS/,
    );
  });

  it('trains a sweep on two worker processes, surviving a SIGKILLed worker and a Redis restart, with the results of a local run', async () => {
    await startWorker('w1');
    await startWorker('w2');
    const lab = await LabService.open({
      home: join(root, 'hub'),
      shell: 'cli',
      workers: 0,
      redis: redis.url,
      redisQueue: QUEUE,
    });
    await lab.start();
    const jobs = await sweep(lab);

    // Kill w1 once its run is under way (past a snapshot): w2 must take the run over.
    const w1 = workers.find((worker) => worker.name === 'w1')!;
    const taken = /job (\d+) \(run [^)]+\): starting/g;
    // Any of w1's runs caught between two progress messages (a fast run may end unseen).
    const victim = await whenJob(lab, (job) => {
      const mine = [...w1.log().matchAll(taken)].map((match) => Number(match[1]));
      return (
        mine.includes(job.id) &&
        job.state === 'running' &&
        job.iteration >= 2 * SNAPSHOT_EVERY &&
        job.iteration < ITERATIONS
      );
    });
    expect(victim.iteration).toBeLessThan(ITERATIONS);
    w1.child.kill('SIGKILL');

    // Restart Redis while the rest of the sweep runs on w2.
    await whenJob(
      lab,
      (job) => job.id !== victim.id && job.state === 'running' && job.iteration >= 100,
    );
    await redis.restart();

    await lab.idle();
    const listed = await lab.listJobs({});
    // Each job names the worker of its last run: w2 finished the run w1 died in.
    expect(listed.map((job) => [job.id, job.state])).toEqual(jobs.map((id) => [id, 'done']));
    for (const job of listed) expect(['w1', 'w2']).toContain(job.worker);
    expect(listed.find((job) => job.id === victim.id)!.worker).toBe('w2');
    const w2 = workers.find((worker) => worker.name === 'w2')!;
    expect(w2.log()).toMatch(
      new RegExp(`job ${victim.id} \\(run [^)]+\\): resuming at step [1-9]\\d*`),
    );
    expect(results(lab)).toEqual(reference);
    expect(lab.zoo.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // The workers panel: the hub's own threads (none here) and the live worker w2.
    const panel = await lab.listWorkers({});
    expect(panel[0]).toMatchObject({ name: 'local', concurrency: 0, jobs: [] });
    expect(panel.find((worker) => worker.name === 'w2')).toMatchObject({
      host: hostname(),
      cores: availableParallelism(),
      concurrency: 1,
    });
    await lab.close();
    // Nothing of a finished run is left in Redis: no run, no stream, no resume state.
    expect(await probe.hlen(`${QUEUE}:runs`)).toBe(0);
    expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
  }, 120_000);
  it('a hub killed with SIGKILL mid-sweep attaches to its remote runs when it starts again: every job done once, the results of a local run', async () => {
    await startWorker('w3');
    const home = join(root, 'hub-restarted');
    const zooFile = join(home, 'zoo.sqlite');
    const first = startHubProcess('remote-hub.ts', {
      home,
      url: redis.url,
      queue: QUEUE,
      action: 'sweep',
    });
    await first.ready;
    // Kill the hub once a run has sent evaluations it wrote, while the sweep goes on.
    await whenReached(
      home,
      () => countRows(zooFile, 'SELECT COUNT(*) AS n FROM metrics') >= 3,
      first.child,
      'the hub writes metrics',
    );
    expect(countRows(zooFile, "SELECT COUNT(*) AS n FROM jobs WHERE state = 'done'")).toBeLessThan(
      SWEEP_SEEDS.length,
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(await probe.hlen(`${QUEUE}:runs`)).toBeGreaterThan(0);

    const second = startHubProcess('remote-hub.ts', { home, url: redis.url, queue: QUEUE });
    await second.idle;
    const lab = await LabService.open({ home, shell: 'cli', readOnly: true });
    try {
      const jobs = await lab.listJobs({});
      expect(jobs.map((job) => job.state)).toEqual(SWEEP_SEEDS.map(() => 'done'));
      for (const job of jobs) expect(['w2', 'w3']).toContain(job.worker);
      expect(results(lab)).toEqual(reference);
      expect(lab.zoo.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await lab.close();
    }
    expect(await probe.hlen(`${QUEUE}:runs`)).toBe(0);
    expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
  }, 120_000);
});
