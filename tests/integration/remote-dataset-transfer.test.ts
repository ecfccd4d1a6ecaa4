/**
 * A user-imported dataset and remote workers (issue 9 §2): the dataset exists only where
 * it was imported, so a worker that lacks it gets the hub's cache file through Redis, in
 * 1 MiB chunks, checks its SHA-256 against the hub's and keeps it. Checked with a real
 * redis-server and real worker processes: the first job on the dataset transfers it once
 * and trains it with the results of a local run of the same seed; the next job on it
 * transfers nothing; a worker whose copy differs from the hub's (another dataset imported
 * under the same name, or its cached copy damaged) refuses the run with an error naming
 * both hashes and trains nothing, and once the copy is removed it travels again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { DATASET_CHUNK_BYTES } from '../../src-main/remote/dataset-identity.ts';
import { sweepResults } from '../fixtures/scripts/remote-sweep.ts';
import { RedisServer } from './redis-server.ts';
import { startWorkerProcess, type WorkerProcess } from './remote-worker-process.ts';

const root = mkdtempSync(join(tmpdir(), 'mbh-remote-dataset-'));
const QUEUE = 'mbh-dataset';
const NAME = 'Transfer points';
const DATASET = 'user-transfer-points';
const FEATURES = 120;
const ROWS = 2_600;
const SEEDS = [3, 4, 5];

let redis: RedisServer;
let probe: Redis;
let reference: Record<number, unknown>;
const workers: WorkerProcess[] = [];

/**
 * A CSV of ROWS × FEATURES numbers and a label; its float32 cache is over 1 MiB, so it
 * travels in more than one chunk. `variant` changes every value (another dataset with the
 * same shape).
 */
function csv(variant = 0): string {
  const header = [...Array.from({ length: FEATURES }, (_, column) => `x${column}`), 'label'];
  const lines = [header.join(',')];
  for (let row = 0; row < ROWS; row++) {
    const cells = Array.from({ length: FEATURES }, (_, column) =>
      Math.sin(row * 0.37 + column * 1.3 + variant).toFixed(4),
    );
    lines.push([...cells, String(Math.sin(row * 0.37 + variant) > 0 ? 1 : 0)].join(','));
  }
  return lines.join('\n');
}

async function importPoints(lab: LabService, variant = 0): Promise<void> {
  const summary = await lab.importDataset({
    name: NAME,
    format: 'csv',
    csv: csv(variant),
    testShare: 0.2,
  });
  expect(summary.id).toBe(DATASET);
}

/** Queues one job on the dataset; returns its id. */
async function train(lab: LabService, projectId: number, seed: number): Promise<number> {
  const { job } = await lab.trainModel({
    projectId,
    family: 'custom',
    hidden: [8],
    density: 1,
    seed,
    datasetId: DATASET,
    iterations: 300,
    checkpoints: 'default',
    pruning: { kind: 'random' },
    trainer: 'fused',
  });
  return job.id;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const fetches = (worker: WorkerProcess) =>
  worker
    .log()
    .match(new RegExp(`^dataset ${DATASET}: fetching \\d+ chunk\\(s\\) from the hub$`, 'gm')) ?? [];

/** Starts a worker with its own lab folder; resolves once it takes runs. */
async function startWorker(name: string): Promise<WorkerProcess> {
  const worker = startWorkerProcess({ url: redis.url, queue: QUEUE, name, home: join(root, name) });
  workers.push(worker);
  await worker.ready;
  return worker;
}

/** Stops a worker the way Ctrl-C does, and waits for it to end. */
async function stopWorker(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
}

beforeAll(async () => {
  redis = await RedisServer.start({ password: 'dataset secret' });
  probe = new Redis(redis.url, { maxRetriesPerRequest: null });
  probe.on('error', () => {});
  // The reference: the same dataset imported and trained in one process, locally.
  const local = await LabService.open({ home: join(root, 'local'), shell: 'cli', workers: 1 });
  await local.start();
  await importPoints(local);
  const projectId = (await local.createProject({ name: 'points', description: '' })).id;
  for (const seed of SEEDS) await train(local, projectId, seed);
  await local.idle();
  reference = sweepResults(local);
  await local.close();
});

afterAll(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  probe?.disconnect();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a user dataset on remote workers', () => {
  it('travels once, in chunks, checked by its hash; never trains on a copy that differs', async () => {
    const lab = await LabService.open({
      home: join(root, 'hub'),
      shell: 'cli',
      workers: 0,
      redis: redis.url,
      redisQueue: QUEUE,
    });
    try {
      await lab.start();
      await importPoints(lab);
      const hubFile = new DatasetRegistry(join(root, 'hub')).cachePath(DATASET);
      const hubBytes = readFileSync(hubFile);
      const hubHash = sha256(hubBytes);
      const chunks = Math.ceil(hubBytes.length / DATASET_CHUNK_BYTES);
      expect(chunks).toBeGreaterThan(1);
      const projectId = (await lab.createProject({ name: 'points', description: '' })).id;
      const jobState = async (id: number) => (await lab.listJobs({})).find((job) => job.id === id)!;

      // A worker holding another dataset under the same name refuses the run, naming both.
      const impostorHome = join(root, 'impostor');
      const other = await LabService.open({ home: impostorHome, shell: 'cli', workers: 1 });
      await importPoints(other, 1);
      await other.close();
      const impostorHash = sha256(
        readFileSync(new DatasetRegistry(impostorHome).cachePath(DATASET)),
      );
      expect(impostorHash).not.toBe(hubHash);
      const impostor = await startWorker('impostor');
      const first = await train(lab, projectId, SEEDS[0]);
      await lab.idle();
      expect(await jobState(first)).toMatchObject({
        state: 'failed',
        worker: 'impostor',
        error: `on worker impostor: dataset '${DATASET}' differs between the hub and this worker (hub: sha256:${hubHash}, here: sha256:${impostorHash}); install the same version of the project, or remove the dataset here and let it travel again`,
      });
      expect(fetches(impostor)).toEqual([]);
      await stopWorker(impostor);
      const firstModel = lab.zoo.models.list().find((model) => model.seed === SEEDS[0])!;
      expect(lab.zoo.checkpoints.all(firstModel.id)).toEqual([]);

      // A worker without it: the first job brings it over, in chunks, checked and kept.
      const worker = await startWorker('fresh');
      const workerFile = new DatasetRegistry(join(root, 'fresh')).cachePath(DATASET);
      expect(existsSync(workerFile)).toBe(false);
      await lab.retryJob({ id: first });
      await lab.idle();
      expect(await jobState(first)).toMatchObject({ state: 'done', worker: 'fresh' });
      expect(fetches(worker)).toEqual([
        `dataset ${DATASET}: fetching ${chunks} chunk(s) from the hub`,
      ]);
      expect(sha256(readFileSync(workerFile))).toBe(hubHash);
      // What Redis holds for workers that lack it: the hub's file, chunk by chunk.
      const key = `${QUEUE}:dataset:${hubHash}`;
      const stored = await probe.lrangeBuffer(key, 0, -1);
      expect(stored.map((chunk) => chunk.length)).toEqual(
        Array.from({ length: chunks }, (_, index) =>
          Math.min(DATASET_CHUNK_BYTES, hubBytes.length - index * DATASET_CHUNK_BYTES),
        ),
      );
      expect(Buffer.concat(stored).equals(hubBytes)).toBe(true);

      // The next job on it: nothing travels, the worker's copy is not rewritten.
      const kept = statSync(workerFile);
      const second = await train(lab, projectId, SEEDS[1]);
      await lab.idle();
      expect(await jobState(second)).toMatchObject({ state: 'done', worker: 'fresh' });
      expect(fetches(worker)).toHaveLength(1);
      await worker.logged(
        new RegExp(`^job ${second} \\(run [^)]+\\): completed at step 300$`, 'm'),
      );
      expect(statSync(workerFile)).toMatchObject({ ino: kept.ino, mtimeMs: kept.mtimeMs });

      // The worker's copy damaged (one byte of its features): a clear error, nothing trained.
      const damaged = readFileSync(workerFile);
      damaged[damaged.length - 1000] ^= 0x40;
      writeFileSync(workerFile, damaged);
      const third = await train(lab, projectId, SEEDS[2]);
      await lab.idle();
      expect(await jobState(third)).toMatchObject({
        state: 'failed',
        error: `on worker fresh: dataset '${DATASET}' differs between the hub and this worker (hub: sha256:${hubHash}, here: sha256:${sha256(damaged)}); install the same version of the project, or remove the dataset here and let it travel again`,
      });
      const thirdModel = lab.zoo.models.list().find((model) => model.seed === SEEDS[2])!;
      expect(lab.zoo.checkpoints.all(thirdModel.id)).toEqual([]);

      // Removed there as the message says, it travels again and the job trains.
      rmSync(workerFile);
      await lab.retryJob({ id: third });
      await lab.idle();
      expect(await jobState(third)).toMatchObject({ state: 'done', worker: 'fresh' });
      expect(fetches(worker)).toHaveLength(2);
      expect(sha256(readFileSync(workerFile))).toBe(hubHash);

      // Every job trained as the local run of its seed did, bit for bit.
      expect(sweepResults(lab)).toEqual(reference);
      expect(lab.zoo.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await lab.close();
    }
  });
});
