/**
 * Pause, resume and cancel of jobs that run on a remote worker (issue 9 §2), with a real
 * redis-server and a real `mbh-lab worker` process. Paused through the hub's api, the run
 * stops on the worker, the job records its state and its resume snapshot, and resumed it
 * continues on the worker from that snapshot to the bit-identical result of an
 * uninterrupted local run. Cancelled, the run ends on the worker and the worker takes the
 * next job. Redis keeps nothing of them afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { decodeBlob } from '../../src-main/jobs/blob-codec.ts';
import { LabService } from '../../src-main/lab/service.ts';
import type { ResumeState } from '../../src-main/train/spec.ts';
import { sweepResults } from '../fixtures/scripts/remote-sweep.ts';
import { RedisServer } from './redis-server.ts';
import { startWorkerProcess, type WorkerProcess } from './remote-worker-process.ts';

const root = mkdtempSync(join(tmpdir(), 'mbh-remote-pause-'));
const QUEUE = 'mbh-pause';
/**
 * Long enough that a run caught at its second snapshot (a few steps in) is far from its
 * end: this network trains some 8 steps per ms on a loaded core, so 120,000 steps leave
 * some 15 s for the pause to reach the worker's training thread (it takes some 50 ms; on a
 * machine loaded by other processes it was once seen to take longer than a 50,000-step run).
 */
const LONG = 120_000;
const SHORT = 600;
/** Seeds: the job paused and resumed, the job cancelled, the job queued behind it. */
const PAUSED = 11;
const CANCELLED = 12;
const NEXT = 13;

let redis: RedisServer;
let probe: Redis;
let notifications: Redis;
let worker: WorkerProcess;
let reference: Record<number, unknown>;

async function train(lab: LabService, projectId: number, seed: number, iterations: number) {
  const { job } = await lab.trainModel({
    projectId,
    family: 'custom',
    hidden: [12, 8],
    density: 1,
    seed,
    datasetId: 'xor',
    iterations,
    checkpoints: 'default',
    pruning: { kind: 'random' },
    trainer: 'fused',
  });
  return job.id;
}

/** How many resume snapshots the worker has stored of each job's runs, and who waits. */
const snapshots = new Map<number, number>();
const snapshotWaiters = new Map<number, () => void>();

/**
 * Resolves once the worker has stored job `id`'s second resume snapshot in Redis (the
 * first is the state at step 0; the next come early, with the first evaluations), told by
 * a keyspace notification, so the test acts at once: the hub's own view of the run may lag
 * behind it under load. The worker keeps its default snapshot cadence: a snapshot every
 * few steps would keep its main thread so busy relaying them that its stop request would
 * reach the training thread only after the run's end. Fails instead of waiting for ever if
 * the job ends first.
 */
function snapshotTaken(lab: LabService, id: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (job: JobSummary) => {
      if (job.id !== id || job.state === 'running' || job.state === 'queued') return;
      lab.off('job', listener);
      reject(new Error(`job ${id} ended ${job.state} before a snapshot: ${job.error}`));
    };
    lab.on('job', listener);
    const taken = () => {
      lab.off('job', listener);
      resolve();
    };
    if ((snapshots.get(id) ?? 0) >= 2) taken();
    else snapshotWaiters.set(id, taken);
  });
}

/** The step at which the worker logged a run of job `id` ending with `status` (waited for). */
async function loggedStep(
  id: number,
  status: 'paused' | 'cancelled' | 'completed',
): Promise<number> {
  const pattern = new RegExp(`^job ${id} \\(run [^)]+\\): ${status} at step (\\d+)$`, 'm');
  return Number((await worker.logged(pattern))[1]);
}

beforeAll(async () => {
  redis = await RedisServer.start({ password: 'pause secret' });
  probe = new Redis(redis.url, { maxRetriesPerRequest: null });
  probe.on('error', () => {});
  // Tell of every SET of a run's resume state: the worker stores one at each snapshot.
  await probe.config('SET', 'notify-keyspace-events', 'K$');
  notifications = new Redis(redis.url, { maxRetriesPerRequest: null });
  notifications.on('error', () => {});
  notifications.on('pmessage', (_pattern: string, channel: string, event: string) => {
    const job = /:run:j(\d+)-p\d+-[^:]+:resume$/.exec(channel);
    if (event !== 'set' || !job) return;
    const id = Number(job[1]);
    snapshots.set(id, (snapshots.get(id) ?? 0) + 1);
    if ((snapshots.get(id) ?? 0) < 2) return;
    snapshotWaiters.get(id)?.();
    snapshotWaiters.delete(id);
  });
  await notifications.psubscribe(`__keyspace@0__:${QUEUE}:run:*:resume`);
  // The reference: the paused job and the next one, each trained without a stop, locally.
  const local = await LabService.open({ home: join(root, 'local'), shell: 'cli', workers: 1 });
  await local.start();
  const projectId = (await local.createProject({ name: 'pause', description: '' })).id;
  await train(local, projectId, PAUSED, LONG);
  await train(local, projectId, NEXT, SHORT);
  await local.idle();
  reference = sweepResults(local);
  await local.close();
  worker = startWorkerProcess({
    url: redis.url,
    queue: QUEUE,
    name: 'pc-1',
    home: join(root, 'worker'),
  });
  await worker.ready;
});

afterAll(async () => {
  worker?.child.kill('SIGKILL');
  probe?.disconnect();
  notifications?.disconnect();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('pause, resume and cancel of remote jobs', () => {
  it('pauses a run on the worker, records its snapshot, and resumes it there to the result of an uninterrupted run; cancel frees the worker for the next job', async () => {
    const lab = await LabService.open({
      home: join(root, 'hub'),
      shell: 'cli',
      workers: 0,
      redis: redis.url,
      redisQueue: QUEUE,
    });
    // A wait that never ends shows where it stood: the worker's log and the hub's jobs.
    onTestFailed(async () => {
      console.error(`worker pc-1 logged:\n${worker.log()}`);
      console.error(`the hub's jobs: ${JSON.stringify(await lab.listJobs({}))}`);
    });
    try {
      await lab.start();
      const projectId = (await lab.createProject({ name: 'pause', description: '' })).id;
      const job = (id: number) => lab.listJobs({}).then((jobs) => jobs.find((j) => j.id === id)!);

      // Pause mid-run: the worker stops the run, the hub records where it got to.
      const paused = await train(lab, projectId, PAUSED, LONG);
      await snapshotTaken(lab, paused);
      expect(await lab.pauseJob({ id: paused })).toMatchObject({ id: paused, state: 'paused' });
      await lab.idle();
      expect(await job(paused)).toMatchObject({ state: 'paused', worker: 'pc-1' });
      const step = await loggedStep(paused, 'paused');
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThan(LONG);
      const state = decodeBlob<{ phase: number; resume: ResumeState }>(
        lab.zoo.jobs.resumeState(paused)!,
      );
      expect(state).toMatchObject({ phase: 0, resume: { step } });
      // Nothing of the stopped run is left in Redis or in its queue.
      expect(await probe.hlen(`${QUEUE}:runs`)).toBe(0);
      expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
      expect(await probe.llen(`bull:${QUEUE}:wait`)).toBe(0);
      expect(await probe.llen(`bull:${QUEUE}:active`)).toBe(0);

      // Resumed: a new run on the worker starts from the recorded snapshot and completes.
      await lab.resumeJob({ id: paused });
      await lab.idle();
      // The job's state first: the worker's log waits below are for lines that then come.
      expect(await job(paused)).toMatchObject({ state: 'done', worker: 'pc-1', error: null });
      expect(worker.log()).toMatch(
        new RegExp(`^job ${paused} \\(run [^)]+\\): resuming at step ${step}$`, 'm'),
      );
      expect(await loggedStep(paused, 'completed')).toBe(LONG);

      // Cancel mid-run, with a job queued behind it: the run ends, the worker takes the next.
      const cancelled = await train(lab, projectId, CANCELLED, LONG);
      const next = await train(lab, projectId, NEXT, SHORT);
      await snapshotTaken(lab, cancelled);
      expect(await job(next)).toMatchObject({ state: 'queued', worker: null });
      expect(await lab.cancelJob({ id: cancelled })).toMatchObject({ state: 'cancelled' });
      await lab.idle();
      expect(await job(cancelled)).toMatchObject({ state: 'cancelled', worker: 'pc-1' });
      expect(await loggedStep(cancelled, 'cancelled')).toBeLessThan(LONG);
      expect(await job(next)).toMatchObject({ state: 'done', worker: 'pc-1' });
      expect(await loggedStep(next, 'completed')).toBe(SHORT);

      // The paused-and-resumed job and the next one: bit for bit the uninterrupted local runs.
      const results = sweepResults(lab);
      expect({ [PAUSED]: results[PAUSED], [NEXT]: results[NEXT] }).toEqual(reference);
      expect(lab.zoo.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(await probe.hlen(`${QUEUE}:runs`)).toBe(0);
      expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
    } finally {
      await lab.close();
    }
  });
});
