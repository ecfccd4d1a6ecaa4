/**
 * Remote workers (issue 9 §2–§3): a hub (the lab service with a Redis URL and no local
 * workers) and two `mbh-lab worker` processes meeting only through a real redis-server
 * with a password. A sweep trained through them equals the same sweep trained locally,
 * bit for bit (the fused path is deterministic, and resuming from a snapshot is exact);
 * a worker killed with SIGKILL mid-run has its run taken over by the other from the
 * last snapshot; Redis restarted mid-sweep loses nothing; the zoo stays intact and Redis
 * keeps nothing of finished runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { RedisServer } from './redis-server.ts';

const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mbh-remote-'));
const QUEUE = 'mbh-test';

let redis: RedisServer;
let probe: Redis;
const workers: { name: string; child: ChildProcess; log: () => string }[] = [];

/** Starts `mbh-lab worker` as its own process with its own lab folder; resolves once it is ready. */
function startWorker(name: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'worker',
      '--redis',
      redis.url,
      '--queue',
      QUEUE,
      '--name',
      name,
      '--concurrency',
      '1',
      '--lock-ms',
      '1000',
      '--snapshot-every',
      '25',
      '--json',
    ],
    {
      env: { ...process.env, MBH_LAB_HOME: join(root, name), MBH_LAB_REDIS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  workers.push({ name, child, log: () => stderr });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => {
      const ready = JSON.parse(chunk.toString('utf8')) as { name: string };
      if (ready.name === name) resolve();
      else reject(new Error(`worker printed ${chunk.toString('utf8')}`));
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${stderr}`)));
  });
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

/** The sweep: four tiny xor networks, on the deterministic fused path. */
const SEEDS = [1, 2, 3, 4];
const ITERATIONS = 1500;

async function sweep(lab: LabService): Promise<number[]> {
  const projectId = (await lab.createProject({ name: 'remote', description: '' })).id;
  const jobs: number[] = [];
  for (const seed of SEEDS) {
    const { job } = await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [12, 8],
      density: 1,
      seed,
      datasetId: 'xor',
      iterations: ITERATIONS,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      trainer: 'fused',
    });
    jobs.push(job.id);
  }
  return jobs;
}

/** Everything a trained model stored: checkpoints (exact bytes) and metrics, by seed. */
function results(lab: LabService): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const model of lab.zoo.models.list()) {
    out[model.seed] = {
      checkpoints: lab.zoo.checkpoints.all(model.id).map((checkpoint) => ({
        iteration: checkpoint.iteration,
        bytes: JSON.stringify(checkpoint, (key, value: unknown) =>
          key === 'id' || key === 'modelId' || key === 'createdAt'
            ? undefined
            : ArrayBuffer.isView(value)
              ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
              : value,
        ),
      })),
      metrics: lab.zoo.checkpoints.metrics(model.id),
    };
  }
  return out;
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
    const taken = /job (\d+) \(run [^)]+\): starting/;
    const victim = await whenJob(lab, (job) => {
      const match = taken.exec(w1.log());
      return match !== null && job.id === Number(match[1]) && job.iteration >= 200;
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
    expect(listed.map((job) => [job.id, job.state, job.attempts])).toEqual(
      jobs.map((id) => [id, 'done', expect.any(Number)]),
    );
    const w2 = workers.find((worker) => worker.name === 'w2')!;
    expect(w2.log()).toMatch(
      new RegExp(`job ${victim.id} \\(run [^)]+\\): resuming at step [1-9]\\d*`),
    );
    expect(results(lab)).toEqual(reference);
    expect(lab.zoo.db.pragma('integrity_check', { simple: true })).toBe('ok');
    await lab.close();
    // Nothing of a finished run is left in Redis: no run, no stream, no resume state.
    expect(await probe.hlen(`${QUEUE}:runs`)).toBe(0);
    expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
  }, 120_000);
});
