/**
 * Measure jobs on a hub's remote workers (issue 9 §2): the same batch of measure jobs
 * (small xor networks, each on the same plane set, every phenomenon × cP) run
 *   - locally, one measure worker thread (the baseline, in this run),
 *   - through Redis and BullMQ on one `mbh-lab worker` process (concurrency 1);
 * on copies of one zoo, so both do exactly the same work, alternating for ROUNDS rounds
 * (medians: other work on the machine comes and goes). Figures: jobs per hour, the
 * remote worker's wall time per job against the local one's, and the bytes Redis received
 * and sent per job (the input: weights and planes; the results: one message per plane).
 * Run with `npm run bench -- hub` (with the training hub bench) or `-- hub-measure`.
 * Needs /usr/bin/redis-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { LabService } from '../../src-main/lab/service.ts';
import { RedisServer } from '../integration/redis-server.ts';

const JOBS = 8;
const PLANES = 40;
/** Local and remote batches alternate this many times; medians are reported (the machine is shared). */
const ROUNDS = 3;
const QUEUE = 'mbh-bench-measure';
const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));

/** A zoo with JOBS trained models and one plane set, nothing measured; returns their ids. */
async function makeZoo(home: string): Promise<{ models: number[]; planeSetId: number }> {
  const lab = await LabService.open({ home, shell: 'cli', workers: 2 });
  try {
    await lab.start();
    const projectId = (await lab.createProject({ name: 'bench', description: '' })).id;
    const models: number[] = [];
    for (let seed = 1; seed <= JOBS; seed++) {
      const { model } = await lab.trainModel({
        projectId,
        family: 'custom',
        hidden: [24, 16],
        density: 1,
        seed,
        datasetId: 'xor',
        iterations: 300,
        checkpoints: 'default',
        pruning: { kind: 'random' },
        trainer: 'fused',
      });
      models.push(model.id);
    }
    await lab.idle();
    const planeSet = await lab.createPlaneSet({
      datasetId: 'xor',
      count: PLANES,
      seed: 5,
      clip: false,
    });
    return { models, planeSetId: planeSet.id };
  } finally {
    await lab.close();
  }
}

/** Wall ms to measure every model on the plane set in the lab at `home`. */
async function measureAll(
  home: string,
  zoo: { models: number[]; planeSetId: number },
  options: { workers: number; redis?: string; worker?: string },
): Promise<number> {
  const lab = await LabService.open({
    home,
    shell: 'cli',
    workers: options.workers,
    ...(options.redis ? { redis: options.redis, redisQueue: QUEUE } : {}),
  });
  try {
    for (const modelId of zoo.models)
      await lab.measureModel({ modelId, planeSetId: zoo.planeSetId, allCheckpoints: false });
    const started = performance.now();
    await lab.start();
    await lab.idle();
    const ms = performance.now() - started;
    const jobs = await lab.listJobs({ state: 'done' });
    const measured = jobs.filter((job) => job.kind === 'measure');
    const where = options.worker ?? 'local';
    if (measured.length !== JOBS || measured.some((job) => job.worker !== where))
      throw new Error(`expected ${JOBS} measure jobs done by ${where}`);
    return ms;
  } finally {
    await lab.close();
  }
}

function startWorker(url: string, name: string, home: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [cliPath, 'worker', '--redis', url, '--queue', QUEUE, '--name', name, '--concurrency', '1'],
    { env: { ...process.env, MBH_LAB_HOME: home }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code})`)));
  });
}

/** Stops a worker process (Ctrl-C: it closes its threads) and waits for its exit. */
function stopWorker(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Bytes Redis has received (from the hub and the workers) and sent, since it started. */
async function netBytes(redis: Redis): Promise<{ input: number; output: number }> {
  const info = await redis.info('stats');
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
  return { input: field('total_net_input_bytes'), output: field('total_net_output_bytes') };
}

/** A copy of the zoo at `from` in a new lab folder (the lab is closed: no WAL left). */
function copyZoo(from: string, to: string): string {
  mkdirSync(to, { recursive: true });
  copyFileSync(join(from, 'zoo.sqlite'), join(to, 'zoo.sqlite'));
  return to;
}

export async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mbh-bench-hub-measure-'));
  const redis = await RedisServer.start({ password: 'bench' });
  const probe = new Redis(redis.url);
  const workers: ChildProcess[] = [];
  try {
    const source = join(root, 'source');
    const zoo = await makeZoo(source);
    // Warm-up of both paths (module loading).
    workers.push(await startWorker(redis.url, 'warm', join(root, 'w')));
    await measureAll(copyZoo(source, join(root, 'warm')), zoo, { workers: 1 });
    await measureAll(copyZoo(source, join(root, 'warm-remote')), zoo, {
      workers: 0,
      redis: redis.url,
      worker: 'warm',
    });
    await stopWorker(workers.pop()!);
    const locals: number[] = [];
    const remotes: number[] = [];
    let traffic = { input: 0, output: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      locals.push(
        await measureAll(copyZoo(source, join(root, `local-${round}`)), zoo, { workers: 1 }),
      );
      // A new worker process each round: its measure thread starts cold, as the local lab's does.
      const name = `bench-${round}`;
      workers.push(await startWorker(redis.url, name, join(root, 'w')));
      const before = await netBytes(probe);
      remotes.push(
        await measureAll(copyZoo(source, join(root, `remote-${round}`)), zoo, {
          workers: 0,
          redis: redis.url,
          worker: name,
        }),
      );
      const after = await netBytes(probe);
      await stopWorker(workers.pop()!);
      traffic = { input: after.input - before.input, output: after.output - before.output };
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
    const local = median(locals);
    const remote = median(remotes);

    const perHour = (ms: number) => Math.round((JOBS * 3_600_000) / ms);
    console.log(
      `${JOBS} measure jobs (xor 2-24-16-2, last checkpoint, ${PLANES} planes × 2 phenomena × 8 cPs each), on 2 cores, median of ${ROUNDS} alternating rounds`,
    );
    console.log(
      `  local, 1 measure thread: ${perHour(local)} jobs/h  (${(local / JOBS).toFixed(1)} ms/job)`,
    );
    console.log(
      `  1 worker process:        ${perHour(remote)} jobs/h  (${(remote / JOBS).toFixed(1)} ms/job, ×${(local / remote).toFixed(2)} of local)`,
    );
    console.log(
      `  wall time per job, remote − local: ${((remote - local) / JOBS).toFixed(1)} ms (the queue, the input and results through Redis; the hub's process only writes)`,
    );
    const kib = (bytes: number) => (bytes / JOBS / 1024).toFixed(1);
    console.log(
      `  Redis traffic per job:   ${kib(traffic.input)} KiB in (from hub and worker), ${kib(traffic.output)} KiB out`,
    );
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    probe.disconnect();
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
