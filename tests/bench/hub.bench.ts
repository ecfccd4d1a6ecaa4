/**
 * A hub with remote workers (issue 9 §3): the same batch of small training jobs run
 *   - locally, one at a time (the baseline, in this run),
 *   - through Redis and BullMQ on one `mbh-lab worker` process (concurrency 1),
 *   - on two worker processes;
 * as jobs per hour, the queue's overhead per job (one remote worker's wall time per job
 * minus the local baseline's: queueing, streaming the results back, applying them;
 * target ≤ 50 ms), and the bytes Redis received and sent per job (its own counters).
 * Run with `npm run bench -- hub`. Needs /usr/bin/redis-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { LabService } from '../../src-main/lab/service.ts';
import { RedisServer } from '../integration/redis-server.ts';

const JOBS = 12;
const ITERATIONS = 300;
const QUEUE = 'mbh-bench';
const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));

async function queueJobs(lab: LabService): Promise<void> {
  const projectId = (await lab.createProject({ name: 'bench', description: '' })).id;
  for (let seed = 1; seed <= JOBS; seed++) {
    await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [16, 8],
      density: 1,
      seed,
      datasetId: 'xor',
      iterations: ITERATIONS,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      trainer: 'fused',
    });
  }
}

/** Wall ms to run the batch in a fresh lab (local threads, or remote workers only). */
async function batch(home: string, options: { workers: number; redis?: string }): Promise<number> {
  const lab = await LabService.open({
    home,
    shell: 'cli',
    workers: options.workers,
    ...(options.redis ? { redis: options.redis, redisQueue: QUEUE } : {}),
  });
  try {
    await queueJobs(lab);
    const started = performance.now();
    await lab.start();
    await lab.idle();
    return performance.now() - started;
  } finally {
    await lab.close();
  }
}

function startWorker(url: string, name: string, home: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'worker',
      '--redis',
      url,
      '--queue',
      QUEUE,
      '--name',
      name,
      '--concurrency',
      '1',
      '--json',
    ],
    { env: { ...process.env, MBH_LAB_HOME: home }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code})`)));
  });
}

async function netBytes(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
  return field('total_net_input_bytes') + field('total_net_output_bytes');
}

export async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mbh-bench-hub-'));
  const redis = await RedisServer.start({ password: 'bench' });
  const probe = new Redis(redis.url);
  const workers: ChildProcess[] = [];
  try {
    // Warm-up: the first fused run of a process compiles its kernels.
    await batch(join(root, 'warm'), { workers: 1 });
    const local = await batch(join(root, 'local'), { workers: 1 });

    workers.push(await startWorker(redis.url, 'bench-1', join(root, 'w1')));
    await batch(join(root, 'warm-remote'), { workers: 0, redis: redis.url });
    const before = await netBytes(probe);
    const one = await batch(join(root, 'one'), { workers: 0, redis: redis.url });
    const bytes = ((await netBytes(probe)) - before) / JOBS;

    workers.push(await startWorker(redis.url, 'bench-2', join(root, 'w2')));
    const two = await batch(join(root, 'two'), { workers: 0, redis: redis.url });

    const perHour = (ms: number) => Math.round((JOBS * 3_600_000) / ms);
    const overhead = (one - local) / JOBS;
    console.log(`${JOBS} jobs of ${ITERATIONS} steps (xor, 2-16-8-2, fused), on ${2} cores`);
    console.log(
      `  local, 1 thread:        ${perHour(local)} jobs/h  (${(local / JOBS).toFixed(1)} ms/job)`,
    );
    console.log(
      `  1 worker process:       ${perHour(one)} jobs/h  (${(one / JOBS).toFixed(1)} ms/job, ×${(local / one).toFixed(2)} of local)`,
    );
    console.log(
      `  2 worker processes:     ${perHour(two)} jobs/h  (×${(one / two).toFixed(2)} of one worker)`,
    );
    console.log(`  queue overhead per job: ${overhead.toFixed(1)} ms  (target ≤ 50 ms)`);
    console.log(`  Redis traffic per job:  ${(bytes / 1024).toFixed(1)} KiB in + out`);
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    probe.disconnect();
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
