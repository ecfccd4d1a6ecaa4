/**
 * Remote measure jobs (issue 9 §2): a hub (the lab service with a Redis URL and no local
 * workers) gives its measure jobs to `mbh-lab worker` processes through a real
 * redis-server with a password, and writes what comes back. The measurements equal a
 * local run's of the same models bit for bit (greedy and exact cells, region counts,
 * exact patterns); a job cancelled ends so, a job paused stops on its worker and keeps
 * what it measured; resumed, and its worker killed with SIGKILL mid-measure, the job is
 * done once by the other worker, with exactly one row per cell, equal to the local run's; a result that fails the hub's checks fails
 * the job with an error naming the worker and the field, and nothing of it is written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker as QueueWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { LabService } from '../../src-main/lab/service.ts';
import {
  decodeMeasurePayload,
  encodeMeasureMessage,
  validateMeasureRunData,
} from '../../src-main/remote/measure-wire.ts';
import { LARGE, SEEDS, SMALL, trainModel } from '../fixtures/scripts/remote-measure-models.ts';
import { run, whenReached } from './processes.ts';
import { RedisServer } from './redis-server.ts';
import { countRows, startHubProcess } from './remote-hub-process.ts';
import { startWorkerProcess, type WorkerProcess } from './remote-worker-process.ts';

const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mbh-remote-measure-'));
const QUEUE = 'mbh-measure-test';
/** Cells per plane: xor's 2 classes × the 8 default cPs of a model outside an experiment. */
const CELLS_PER_PLANE = 2 * 8;

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
    args: ['--lock-ms', '1000'],
  });
  workers.push(worker);
  return worker.ready;
}

/** Resolves once the worker's log holds a match of `pattern` (checked as its lines come). */
function whenLogged(worker: (typeof workers)[number], pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(worker.log())) return;
      worker.child.stderr!.off('data', check);
      worker.child.off('exit', exited);
      resolve();
    };
    const exited = () => reject(new Error(`worker ${worker.name} exited before ${pattern}`));
    worker.child.stderr!.on('data', check);
    worker.child.once('exit', exited);
    check();
  });
}

/**
 * Resolves once `holds(job)` for an event of job `id` (checked on every event); rejects
 * if the job ends first.
 */
function whenJob(
  lab: LabService,
  id: number,
  holds: (job: JobSummary) => boolean | Promise<boolean>,
): Promise<JobSummary> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error: Error | null, job?: JobSummary) => {
      if (done) return;
      done = true;
      lab.off('job', listener);
      if (error) reject(error);
      else resolve(job!);
    };
    const listener = (job: JobSummary) => {
      if (job.id !== id) return;
      if (['done', 'failed', 'cancelled'].includes(job.state))
        finish(new Error(`job ${id} ended (${job.state}) before it was caught mid-way`));
      void Promise.resolve(holds(job)).then((held) => {
        if (held) finish(null, job);
      });
    };
    lab.on('job', listener);
  });
}

/** Trains the models and makes the plane sets. */
async function prepare(lab: LabService) {
  const projectId = (await lab.createProject({ name: 'measure', description: '' })).id;
  const models: number[] = [];
  for (const seed of SEEDS) models.push(await trainModel(lab, projectId, seed));
  await lab.idle();
  const small = await lab.createPlaneSet({ datasetId: 'xor', ...SMALL, clip: false });
  const large = await lab.createPlaneSet({ datasetId: 'xor', ...LARGE, clip: false });
  return { models, small: small.id, large: large.id };
}

/** The same measure jobs on the small plane set: every checkpoint with exact patterns, and the last greedy only. */
async function measureSmall(lab: LabService, models: number[], planeSetId: number) {
  const jobs = [
    ...(await lab.measureModel({
      modelId: models[0],
      planeSetId,
      allCheckpoints: true,
      exact: true,
    })),
    ...(await lab.measureModel({ modelId: models[1], planeSetId, allCheckpoints: false })),
  ];
  await lab.idle();
  return jobs.map((job) => job.id);
}

/** Everything the measure jobs stored, by seed; timings (ms) left out, every other number exact. */
function measured(lab: LabService): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const model of lab.zoo.models.list()) {
    const checkpoints = lab.zoo.checkpoints.list(model.id);
    out[model.seed] = {
      checkpoints: lab.zoo.checkpoints
        .all(model.id)
        .map((checkpoint) => [
          checkpoint.iteration,
          Buffer.from(checkpoint.weights.buffer).toString('base64'),
        ]),
      rows: lab.zoo.measurements.exportRows(model.id),
      regions: lab.zoo.measurements
        .exportRegionCounts(model.id)
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        .map(({ ms, ...row }) => row),
      // Checkpoint ids depend on the order the models trained in; iterations say which.
      exact: lab.zoo.exact
        .forModel(model.id, undefined, 'last')
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        .map(({ checkpointId, ...row }) => row),
      patterns: checkpoints.map((checkpoint) =>
        lab.zoo.exact
          .allPatterns(checkpoint.id, 'last')
          // eslint-disable-next-line @typescript-eslint/no-unused-vars
          .map(({ ms, ...pattern }) => pattern),
      ),
    };
  }
  return out;
}

let reference: Record<number, unknown>;
let largeReference: unknown;

beforeAll(async () => {
  redis = await RedisServer.start({ password: 'measure secret/2' });
  probe = new Redis(redis.url, { maxRetriesPerRequest: null });
  probe.on('error', () => {});
  // The reference: the same models measured in one process, local worker threads only.
  const local = await LabService.open({ home: join(root, 'local'), shell: 'cli', workers: 2 });
  await local.start();
  const { models, small, large } = await prepare(local);
  await measureSmall(local, models, small);
  reference = measured(local);
  // Not vacuous: greedy and exact cells, region counts and exact patterns were stored.
  const first = reference[SEEDS[0]] as Record<string, unknown[]>;
  expect(first.rows.length).toBeGreaterThan(SMALL.count * CELLS_PER_PLANE);
  expect(first.exact.length).toBeGreaterThan(SMALL.count * CELLS_PER_PLANE);
  expect(first.regions.length).toBeGreaterThan(SMALL.count);
  expect(first.patterns.flat()).toHaveLength(first.checkpoints.length * CELLS_PER_PLANE);
  await local.measureModel({ modelId: models[2], planeSetId: large, allCheckpoints: true });
  await local.idle();
  largeReference = local.zoo.measurements
    .exportRows(models[2])
    .filter((row) => row.planeSetId === large);
  expect((await local.listJobs({})).every((job) => job.worker === 'local')).toBe(true);
  await local.close();
}, 180_000);

afterAll(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  probe?.disconnect();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('measure jobs on remote workers', () => {
  const home = join(root, 'hub');
  let lab: LabService;
  let models: number[];
  let large: number;
  let pausedJob: number;

  it('measures on a worker process exactly as a local run of the same models, the worker recorded', async () => {
    await startWorker('m1');
    lab = await LabService.open({
      home,
      shell: 'cli',
      workers: 0,
      redis: redis.url,
      redisQueue: QUEUE,
    });
    await lab.start();
    const prepared = await prepare(lab);
    models = prepared.models;
    large = prepared.large;
    const jobs = await measureSmall(lab, models, prepared.small);
    const listed = await lab.listJobs({});
    for (const id of jobs)
      expect(listed.find((job) => job.id === id)).toMatchObject({
        kind: 'measure',
        state: 'done',
        worker: 'm1',
      });
    expect(measured(lab)).toEqual(reference);
    // The worker's own account (logged after its last message, which the hub may read first).
    await whenLogged(workers[0], /job \d+ \(run [^)]+\): measure completed/);
    // Nothing of a finished run is left in Redis.
    expect(await probe.hlen(`${QUEUE}:runs`)).toBe(0);
    expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
  }, 180_000);

  it('cancels a remote measure job; pauses one mid-way on its worker, keeping what it measured', async () => {
    // Cancelled at once (queued or just taken): it ends cancelled, and Redis keeps nothing.
    const [cancelled] = await lab.measureModel({
      modelId: models[1],
      planeSetId: large,
      allCheckpoints: true,
    });
    await lab.cancelJob({ id: cancelled.id });
    await lab.idle();
    expect(lab.zoo.jobs.get(cancelled.id).state).toBe('cancelled');
    expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);

    const [job] = await lab.measureModel({
      modelId: models[2],
      planeSetId: large,
      allCheckpoints: true,
    });
    pausedJob = job.id;
    const units = lab.zoo.checkpoints.list(models[2]).length * LARGE.count;
    await whenJob(lab, job.id, (event) => event.state === 'running' && event.iteration >= 5);
    await lab.pauseJob({ id: job.id });
    // The worker stops measuring: its thread is stopped, and it says so.
    await whenLogged(workers[0], new RegExp(`job ${job.id} \\(run [^)]+\\): measure paused`));
    await lab.idle();
    expect(lab.zoo.jobs.get(job.id).state).toBe('paused');
    const kept = lab.zoo.measurements
      .exportRows(models[2])
      .filter((row) => row.planeSetId === large).length;
    expect(kept).toBeGreaterThanOrEqual(5 * CELLS_PER_PLANE);
    expect(kept).toBeLessThan(units * CELLS_PER_PLANE);
    expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
  }, 180_000);

  it('resumed, and its worker killed with SIGKILL mid-measure: the other worker does the job once, one row per cell, the local results', async () => {
    await startWorker('m2');
    const job = { id: pausedJob };
    // Resumed, the job measures what the paused run left: still long enough to catch mid-way.
    const units = lab.zoo.checkpoints.list(models[2]).length * LARGE.count;
    expect(units).toBeGreaterThanOrEqual(2 * LARGE.count);
    const measuredBefore = lab.zoo.measurements.exportRegionCounts(models[2]).length;
    const resumed = whenJob(lab, job.id, () => true);
    await lab.resumeJob({ id: job.id });
    await resumed;
    // Caught mid-way on whichever worker took it, and shown in the workers panel there.
    const running = await whenJob(
      lab,
      job.id,
      async (event) =>
        event.state === 'running' &&
        event.iteration >= measuredBefore + 5 &&
        event.iteration < units - 100 &&
        (event.worker === 'm1' || event.worker === 'm2') &&
        (await lab.listWorkers({})).some(
          (worker) =>
            worker.name === event.worker &&
            worker.host === hostname() &&
            worker.jobs.some((entry) => entry.jobId === job.id),
        ),
    );
    const victim = workers.find((worker) => worker.name === running.worker)!;
    const survivor = workers.find((worker) => worker.name !== running.worker)!;
    victim.child.kill('SIGKILL');
    await lab.idle();
    expect(lab.zoo.jobs.get(job.id)).toMatchObject({ state: 'done', worker: survivor.name });
    expect(survivor.log()).toMatch(
      new RegExp(`job ${job.id} \\(run [^)]+\\): measuring ${units - measuredBefore} plane\\(s\\)`),
    );
    const rows = lab.zoo.measurements
      .exportRows(models[2])
      .filter((row) => row.planeSetId === large);
    expect(rows).toHaveLength(units * CELLS_PER_PLANE);
    expect(rows).toEqual(largeReference);
    expect(
      lab.zoo.measurements.exportRegionCounts(models[2]).filter((row) => row.planeSetId === large),
    ).toHaveLength(units);
    // Done once: completed by the survivor only, never by the worker that died.
    const completed = new RegExp(`job ${job.id} \\(run [^)]+\\): measure completed`, 'g');
    // (The worker logs after it sent its last message, which the hub may read first.)
    await whenLogged(survivor, new RegExp(completed.source));
    expect(survivor.log().match(completed)).toHaveLength(1);
    expect(victim.log().match(completed)).toBeNull();
    expect(lab.zoo.db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 180_000);

  it('refuses a bad result message with a clear error, writing nothing', async () => {
    // Only a fake worker is left: it answers with a plane result one cell short.
    for (const worker of workers) worker.child.kill('SIGKILL');
    await probe.set(
      `${QUEUE}:worker:fake`,
      JSON.stringify({
        name: 'fake',
        host: hostname(),
        pid: process.pid,
        cores: 1,
        concurrency: 1,
        startedAt: Date.now(),
        runs: [],
      }),
      'EX',
      120,
    );
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connection.on('error', () => {});
    const fake = new QueueWorker(
      QUEUE,
      async (queued) => {
        const data = validateMeasureRunData(queued.data);
        const payload = decodeMeasurePayload(
          (await probe.getBuffer(`${QUEUE}:run:${data.run}:payload`))!,
        );
        const cells = payload.phenomena.length * payload.cps.length;
        await probe.xadd(
          `${QUEUE}:run:${data.run}:events`,
          '*',
          'w',
          'fake',
          'm',
          encodeMeasureMessage({
            type: 'plane',
            checkpointId: payload.checkpoints[0].id,
            plane: payload.checkpoints[0].planes[0],
            regions: 3,
            domainArea: 1,
            ms: 1,
            phenomena: payload.phenomena.map((phenomenon) => phenomenon.name),
            cps: payload.cps,
            s: new Float64Array(cells - 1),
            blanketArea: new Float64Array(cells),
            constraints: new Int32Array(cells),
            coverage: new Float64Array(cells),
          }),
        );
      },
      { connection },
    );
    fake.on('error', () => {});
    try {
      const planeSet = await lab.createPlaneSet({
        datasetId: 'xor',
        count: 3,
        seed: 9,
        clip: false,
      });
      const before = lab.zoo.measurements.exportRows(models[1]).length;
      const [job] = await lab.measureModel({
        modelId: models[1],
        planeSetId: planeSet.id,
        allCheckpoints: false,
      });
      await lab.idle();
      expect(lab.zoo.jobs.get(job.id)).toMatchObject({
        state: 'failed',
        worker: 'fake',
        error: `worker fake sent a measurement the hub refused (nothing of it was written): remote plane.s: must hold ${CELLS_PER_PLANE} values, got ${CELLS_PER_PLANE - 1}`,
      });
      expect(lab.zoo.measurements.exportRows(models[1])).toHaveLength(before);
      expect(
        lab.zoo.measurements
          .exportRegionCounts(models[1])
          .filter((row) => row.planeSetId === planeSet.id),
      ).toEqual([]);
      // Redis keeps nothing of the refused run.
      expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
    } finally {
      await fake.close();
      connection.disconnect();
      await probe.del(`${QUEUE}:worker:fake`);
    }
    await lab.close();
    // `jobs --json` on the hub's zoo names where each measure job ran.
    const listed = await run(process.execPath, [cliPath, 'jobs', '--json'], {
      env: { ...process.env, MBH_LAB_HOME: home, MBH_LAB_REDIS: '' },
    });
    expect(listed.status).toBe(0);
    const jobs = JSON.parse(listed.stdout) as JobSummary[];
    expect(
      jobs.filter((job) => job.kind === 'measure').map((job) => [job.state, job.worker]),
    ).toEqual([
      ['done', 'm1'],
      ['done', 'm1'],
      ['cancelled', expect.toBeOneOf([null, 'm1'])],
      ['done', expect.stringMatching(/^m[12]$/)],
      ['failed', 'fake'],
    ]);
  }, 180_000);

  it('a hub killed with SIGKILL mid-measure attaches to its remote run when it starts again: one row per cell, the local results', async () => {
    await startWorker('m3');
    const hubHome = join(root, 'hub-restarted');
    const zooFile = join(hubHome, 'zoo.sqlite');
    const first = startHubProcess('remote-measure-hub.ts', {
      home: hubHome,
      url: redis.url,
      queue: QUEUE,
      action: 'measure',
    });
    await first.ready;
    // Killed once it has written some planes of the remote run, which goes on meanwhile.
    await whenReached(
      hubHome,
      () => countRows(zooFile, 'SELECT COUNT(*) AS n FROM region_counts') >= 5,
      first.child,
      'the hub writes planes',
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(await probe.hlen(`${QUEUE}:runs`)).toBe(1);

    const second = startHubProcess('remote-measure-hub.ts', {
      home: hubHome,
      url: redis.url,
      queue: QUEUE,
    });
    await second.idle;
    const hub = await LabService.open({ home: hubHome, shell: 'cli', readOnly: true });
    try {
      const [model] = hub.zoo.models.list();
      const units = hub.zoo.checkpoints.list(model.id).length * LARGE.count;
      const jobs = await hub.listJobs({});
      expect(jobs.map((job) => [job.kind, job.state, job.worker])).toEqual([
        ['train', 'done', 'm3'],
        ['measure', 'done', 'm3'],
      ]);
      // The run it attached to was the first one: the worker measured once.
      expect(
        workers
          .at(-1)!
          .log()
          .match(/: measuring \d+ plane\(s\)/g),
      ).toHaveLength(1);
      const rows = hub.zoo.measurements.exportRows(model.id);
      expect(rows).toHaveLength(units * CELLS_PER_PLANE);
      // The same cells as the reference lab's (its large plane set had another id).
      expect(rows.map((row) => ({ ...row, planeSetId: 0 }))).toEqual(
        (largeReference as typeof rows).map((row) => ({ ...row, planeSetId: 0 })),
      );
      expect(hub.zoo.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await hub.close();
    }
    expect(await probe.hlen(`${QUEUE}:runs`)).toBe(0);
    expect(await probe.keys(`${QUEUE}:run:*`)).toEqual([]);
  }, 180_000);

  it('a hub with a free slot of its own measures there, as it trains there', async () => {
    const hub = await LabService.open({
      home: join(root, 'hub-local'),
      shell: 'cli',
      workers: 1,
      redis: redis.url,
      redisQueue: `${QUEUE}-local`,
    });
    try {
      await hub.start();
      const prepared = await prepare(hub);
      const jobs = await measureSmall(hub, prepared.models, prepared.small);
      const listed = await hub.listJobs({});
      expect(listed.map((job) => job.worker)).toEqual(listed.map(() => 'local'));
      expect(jobs.map((id) => hub.zoo.jobs.get(id).state)).toEqual(['done', 'done']);
      expect(measured(hub)).toEqual(reference);
    } finally {
      await hub.close();
    }
    expect(await probe.keys(`${QUEUE}-local:*`)).toEqual([]);
  }, 180_000);
});
