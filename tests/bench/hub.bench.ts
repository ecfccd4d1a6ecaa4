/**
 * A hub with remote workers (issue 9 §3): the same batch of small training jobs run
 *   - locally, one at a time (the baseline, in this run),
 *   - through Redis and BullMQ on one `mbh-lab worker` process (concurrency 1),
 *   - on two worker processes;
 * as jobs per hour; the queue's overhead per job, measured directly on the remote batches
 * (hub-queue-watch.ts: from the hub's enqueue to a worker taking the run, and from the
 * worker's last message to the hub's write; median and p95; target ≤ 50 ms) and as one
 * remote worker's wall time per job minus the local baseline's; and the bytes Redis
 * received and sent per job (its own counters).
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
import { medianAndP95, QueueWatch } from './hub-queue-watch.ts';

const JOBS = 16;
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

type Watched = Awaited<ReturnType<QueueWatch['stop']>>;

/**
 * Wall ms to run the batch in a fresh lab (local threads, or remote workers only); with
 * Redis, also the queue's overhead per job as the watcher saw it.
 */
async function batch(
  home: string,
  options: { workers: number; redis?: string },
): Promise<{ ms: number; watched: Watched | null }> {
  const lab = await LabService.open({
    home,
    shell: 'cli',
    workers: options.workers,
    ...(options.redis ? { redis: options.redis, redisQueue: QUEUE } : {}),
  });
  try {
    await queueJobs(lab);
    const watch = options.redis ? await QueueWatch.start(options.redis, QUEUE, lab) : null;
    const started = performance.now();
    await lab.start();
    await lab.idle();
    const ms = performance.now() - started;
    return { ms, watched: (await watch?.stop()) ?? null };
  } finally {
    await lab.close();
  }
}

function overheadLine(label: string, watched: Watched): string {
  const pickup = medianAndP95(watched.pickup);
  const back = medianAndP95(watched.back);
  return (
    `  ${label}: enqueue → taken by a worker ${pickup.median} ms median, ${pickup.p95} ms p95; ` +
    `worker's last message → hub's write ${back.median} ms median, ${back.p95} ms p95 ` +
    `(${watched.back.length} of ${watched.runs} runs${watched.missed > 0 ? `, ${watched.missed} missed` : ''})`
  );
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

/** Bytes Redis has received (from the hub and the workers) and sent, since it started. */
async function netBytes(redis: Redis): Promise<{ input: number; output: number }> {
  const info = await redis.info('stats');
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
  return { input: field('total_net_input_bytes'), output: field('total_net_output_bytes') };
}

export async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mbh-bench-hub-'));
  const redis = await RedisServer.start({ password: 'bench' });
  const probe = new Redis(redis.url);
  const workers: ChildProcess[] = [];
  try {
    // Warm-up: the first fused run of a process compiles its kernels.
    await batch(join(root, 'warm'), { workers: 1 });
    const local = (await batch(join(root, 'local'), { workers: 1 })).ms;

    workers.push(await startWorker(redis.url, 'bench-1', join(root, 'w1')));
    await batch(join(root, 'warm-remote'), { workers: 0, redis: redis.url });
    const before = await netBytes(probe);
    const oneBatch = await batch(join(root, 'one'), { workers: 0, redis: redis.url });
    const after = await netBytes(probe);
    const one = oneBatch.ms;

    workers.push(await startWorker(redis.url, 'bench-2', join(root, 'w2')));
    const twoBatch = await batch(join(root, 'two'), { workers: 0, redis: redis.url });
    const two = twoBatch.ms;

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
    console.log(`  queue overhead per job (target ≤ 50 ms), measured in Redis per run:`);
    console.log(overheadLine('1 worker ', oneBatch.watched!));
    console.log(overheadLine('2 workers', twoBatch.watched!));
    console.log(
      `  wall time per job, 1 worker process − local: ${overhead.toFixed(1)} ms (the difference of two batches' wall times: noisy on a loaded machine)`,
    );
    const kib = (bytes: number) => (bytes / JOBS / 1024).toFixed(1);
    console.log(
      `  Redis traffic per job:  ${kib(after.input - before.input)} KiB in (from hub and worker), ${kib(after.output - before.output)} KiB out`,
    );
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    probe.disconnect();
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
