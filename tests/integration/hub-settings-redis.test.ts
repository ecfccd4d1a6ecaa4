/**
 * The hub settings against a real redis-server (password required, loopback, free port):
 * a connection test says in words what works and what does not (a wrong password, none,
 * a port where nothing listens); saving tests first and changes nothing when the test
 * fails; saving connects the lab's remote dispatch at runtime and saving '' disconnects
 * it — a training queued while remote workers only (and none connected) could take it
 * runs here once the hub is off, and a running one goes back to the queue and resumes;
 * the password is never in an answer, `***` keeps the saved one; a lab that opens
 * connects the saved Redis, says why when it cannot, and MBH_LAB_REDIS (or --redis)
 * overrides the settings.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import type { HubSettingsView } from '../../src-shared/api/hub-settings.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { REDIS_CA_ENV } from '../../src-main/remote/connection.ts';
import { freePort, RedisServer } from './redis-server.ts';
import { makeCa, makeServerCertificate } from './tls-certificates.ts';

const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const PASSWORD = 'hub-settings-s3cret';
const home = mkdtempSync(join(tmpdir(), 'mbh-hub-settings-'));
let redis: RedisServer;
let lab: LabService;
const jobEvents: JobSummary[] = [];

function open(options: { redis?: string } = {}): Promise<LabService> {
  return LabService.open({
    home,
    shell: 'browser',
    workers: 1,
    snapshotEvery: 50,
    hubSettings: true,
    ...(options.redis ? { redis: options.redis, redisSource: 'environment' as const } : {}),
  });
}

/**
 * Resolves with the first event of job `id` that `holds`, among those seen since event
 * number `from` or to come.
 */
function jobEvent(id: number, holds: (job: JobSummary) => boolean, from = 0): Promise<JobSummary> {
  const seen = jobEvents.slice(from).find((job) => job.id === id && holds(job));
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const listener = (job: JobSummary) => {
      if (job.id !== id || !holds(job)) return;
      lab.off('job', listener);
      resolve(job);
    };
    lab.on('job', listener);
  });
}

beforeAll(async () => {
  redis = await RedisServer.start({ password: PASSWORD });
  lab = await open();
  lab.on('job', (job) => jobEvents.push(job));
  await lab.start();
});

afterAll(async () => {
  await lab?.close({ pauseRunning: true });
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

const hostPort = () => `127.0.0.1:${redis.port}`;
const withPassword = (password: string) => `redis://:${password}@${hostPort()}`;

describe('hub settings with a real Redis', () => {
  it('starts with no hub: nothing saved, every job runs here', async () => {
    expect(await lab.getHubSettings({})).toEqual({
      redis: null,
      localWorkers: true,
      source: 'none',
      active: null,
      status: 'off',
      error: null,
      remoteWorkers: 0,
    } satisfies HubSettingsView);
  });

  it('tests a connection: connected, or the reason in words', async () => {
    const ok = await lab.testRedisConnection({ redis: redis.url });
    expect(ok.ok).toBe(true);
    expect(ok.serverVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ok.message).toBe(
      `connected to Redis ${ok.serverVersion} at ${hostPort()}; no worker on queue mbh-lab now`,
    );
    expect(await lab.testRedisConnection({ redis: withPassword('wrong') })).toEqual({
      ok: false,
      problem: 'auth',
      message: `Redis at ${hostPort()} refused the password (WRONGPASS): check the password (and user) in the URL`,
      serverVersion: null,
      workers: null,
    });
    expect(await lab.testRedisConnection({ redis: `redis://${hostPort()}` })).toMatchObject({
      ok: false,
      problem: 'auth',
      message: `Redis at ${hostPort()} needs a password (NOAUTH): write it in the URL as redis://:PASSWORD@${hostPort()}`,
    });
    const nothing = await freePort();
    expect(await lab.testRedisConnection({ redis: `redis://127.0.0.1:${nothing}` })).toMatchObject({
      ok: false,
      problem: 'refused',
      message: `127.0.0.1:${nothing} refused the connection: no Redis listens there (is redis-server running on that host and port, and does it accept connections from this machine?)`,
    });
    await expect(lab.testRedisConnection({ redis: 'http://localhost' })).rejects.toThrow(
      'params.redis: must start with redis:// or rediss:// (TLS), got http://',
    );
  });

  it('tests a TLS Redis: an unknown CA, then the private CA, then TLS spoken to plain', async () => {
    const folder = join(home, 'certificates');
    mkdirSync(folder);
    const ca = await makeCa(folder, 'settings-ca');
    const server = await makeServerCertificate(folder, ca);
    const secure = await RedisServer.start({
      password: PASSWORD,
      tls: { ...server, caFile: ca.certFile },
    });
    const before = process.env[REDIS_CA_ENV];
    try {
      const where = `127.0.0.1:${secure.port}`;
      delete process.env[REDIS_CA_ENV];
      const untrusted = await lab.testRedisConnection({ redis: secure.url });
      expect(untrusted).toMatchObject({ ok: false, problem: 'tls' });
      expect(untrusted.message).toMatch(
        new RegExp(
          `^TLS with ${where.replace(/\./g, '\\.')} failed \\([A-Z_]+\\): the server's certificate is not signed by a CA this machine trusts; if a private CA signed it, give that CA's PEM file in MBH_LAB_REDIS_CA$`,
        ),
      );
      process.env[REDIS_CA_ENV] = ca.certFile;
      const trusted = await lab.testRedisConnection({ redis: secure.url });
      expect(trusted.message).toBe(
        `connected to Redis ${trusted.serverVersion} at ${where} over TLS; no worker on queue mbh-lab now`,
      );
      // A private CA given for a URL without TLS: whoever set it meant TLS.
      const plain = await lab.testRedisConnection({ redis: `redis://:${PASSWORD}@${where}` });
      expect(plain).toMatchObject({
        ok: false,
        problem: 'tls',
        message: `MBH_LAB_REDIS_CA is set (${ca.certFile}) but the Redis URL is redis://, which does not use TLS; write rediss:// to connect with TLS`,
      });
      delete process.env[REDIS_CA_ENV];
      const cleartext = await lab.testRedisConnection({ redis: `redis://:${PASSWORD}@${where}` });
      expect(cleartext).toMatchObject({
        ok: false,
        problem: 'protocol',
        message: `${where} closed the connection: if it expects TLS, write rediss:// instead of redis://`,
      });
    } finally {
      if (before === undefined) delete process.env[REDIS_CA_ENV];
      else process.env[REDIS_CA_ENV] = before;
      await secure.stop();
    }
  });

  it('saving a Redis that refuses the password changes nothing', async () => {
    await expect(
      lab.setHubSettings({ redis: withPassword('wrong'), localWorkers: true }),
    ).rejects.toThrow(`params.redis: Redis at ${hostPort()} refused the password (WRONGPASS)`);
    expect(await lab.getHubSettings({})).toMatchObject({ redis: null, status: 'off' });
    expect(lab.zoo.settings.get('hub') ?? null).toBeNull();
  });

  let trained: JobSummary;

  it('connects at runtime (remote workers only: the queue waits) and disconnects', async () => {
    const view = await lab.setHubSettings({ redis: redis.url, localWorkers: false });
    expect(view).toEqual({
      redis: `redis://:***@${hostPort()}`,
      localWorkers: false,
      source: 'settings',
      active: { redis: `redis://:***@${hostPort()}`, localWorkers: 0, queue: 'mbh-lab' },
      status: 'connected',
      error: null,
      remoteWorkers: 0,
    } satisfies HubSettingsView);
    // Saved with its password, in the zoo; never in an answer.
    expect(lab.zoo.settings.get('hub')).toEqual({ redis: redis.url, localWorkers: false });
    expect(JSON.stringify(await lab.getHubSettings({}))).not.toContain(PASSWORD);
    expect((await lab.listWorkers({})).find((worker) => worker.name === 'local')).toMatchObject({
      concurrency: 0,
    });

    // No local thread and no remote worker: a training waits in the queue.
    const projectId = (await lab.createProject({ name: 'Hub settings', description: '' })).id;
    const { job } = await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [8, 4],
      density: 1,
      seed: 0,
      datasetId: 'xor',
      iterations: 400,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      trainer: 'fused',
    });
    expect(job.state).toBe('queued');
    expect((await lab.listJobs({ state: 'queued' })).map((queued) => queued.id)).toContain(job.id);

    // Off: the same lab runs it here, at once.
    const done = jobEvent(job.id, (event) => event.state === 'done');
    const off = await lab.setHubSettings({ redis: '', localWorkers: true });
    expect(off).toMatchObject({ redis: null, source: 'none', status: 'off', active: null });
    trained = await done;
    expect(trained.worker).toBe('local');
    expect(trained.iteration).toBe(400);
  });

  it('a running training goes back to the queue when the hub changes, and resumes', async () => {
    const projectId = (await lab.listProjects({})).find((p) => p.name === 'Hub settings')!.id;
    const { job } = await lab.trainModel({
      projectId,
      family: 'custom',
      hidden: [8, 4],
      density: 1,
      seed: 0,
      datasetId: 'xor',
      iterations: 1500,
      checkpoints: 'default',
      pruning: { kind: 'random' },
      trainer: 'tfjs',
    });
    await jobEvent(job.id, (event) => event.state === 'running' && event.iteration >= 100);
    const requeued = jobEvent(job.id, (event) => event.state === 'queued', jobEvents.length);
    await lab.setHubSettings({ redis: redis.url, localWorkers: false });
    const back = await requeued;
    expect(back.iteration).toBeGreaterThan(0);
    expect(lab.zoo.jobs.resumeState(job.id)).not.toBeNull();
    const done = jobEvent(job.id, (event) => event.state === 'done');
    await lab.setHubSettings({ redis: '', localWorkers: true });
    const finished = await done;
    expect(finished.iteration).toBe(1500);
    // Started twice: once before the change, once after, from its resume state.
    expect(finished.attempts).toBe(2);
    const model = await lab.getModel({ id: job.modelId! });
    expect(model.metrics.at(-1)!.iteration).toBe(1500);
  });

  it('*** keeps the saved password for the same server, and a new server needs one', async () => {
    await lab.setHubSettings({ redis: redis.url, localWorkers: false });
    const shown = (await lab.getHubSettings({})).redis!;
    expect(shown).toBe(`redis://:***@${hostPort()}`);
    // The form comes back as shown, with local workers turned on: reconnected, same password.
    const view = await lab.setHubSettings({ redis: shown, localWorkers: true });
    expect(view).toMatchObject({
      status: 'connected',
      localWorkers: true,
      active: { localWorkers: 1 },
    });
    expect(lab.zoo.settings.get('hub')).toEqual({ redis: redis.url, localWorkers: true });
    expect((await lab.testRedisConnection({ redis: shown })).ok).toBe(true);
    await expect(
      lab.setHubSettings({ redis: `redis://:***@localhost:${redis.port}`, localWorkers: true }),
    ).rejects.toThrow(
      'params.redis: the password is hidden (***) and no password is saved for this server: type it',
    );
  });

  it('turned off while Redis is away, a remote worker’s job comes back and finishes here', async () => {
    await lab.setHubSettings({ redis: redis.url, localWorkers: false });
    const worker = spawn(
      process.execPath,
      [cliPath, 'worker', '--redis', redis.url, '--name', 'w1', '--concurrency', '1', '--json'],
      {
        env: { ...process.env, MBH_LAB_HOME: join(home, 'w1'), MBH_LAB_REDIS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stdout!.once('data', () => resolve());
        worker.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
      });
      const projectId = (await lab.listProjects({})).find((p) => p.name === 'Hub settings')!.id;
      const { job } = await lab.trainModel({
        projectId,
        family: 'custom',
        hidden: [8, 4],
        density: 1,
        seed: 3,
        datasetId: 'xor',
        iterations: 1500,
        checkpoints: 'default',
        pruning: { kind: 'random' },
        trainer: 'tfjs',
      });
      await jobEvent(job.id, (event) => event.worker === 'w1' && event.iteration >= 50);
      await redis.halt();
      const from = jobEvents.length;
      const done = jobEvent(job.id, (event) => event.state === 'done', from);
      // The worker cannot hear the stop: after the grace the old dispatch is closed under it.
      const off = await lab.setHubSettings({ redis: '', localWorkers: true });
      expect(off).toMatchObject({ status: 'off', source: 'none' });
      const finished = await done;
      expect(finished.worker).toBe('local');
      expect(finished.iteration).toBe(1500);
      expect(
        jobEvents.slice(from).some((event) => event.id === job.id && event.state === 'queued'),
      ).toBe(true);
    } finally {
      worker.kill('SIGKILL');
      await redis.restart();
    }
  });

  it('a lab that opens connects the saved Redis, or says why it cannot', async () => {
    await lab.setHubSettings({ redis: redis.url, localWorkers: true });
    await lab.close({ pauseRunning: true });
    lab = await open();
    expect(await lab.getHubSettings({})).toMatchObject({
      source: 'settings',
      status: 'connected',
      active: { redis: `redis://:***@${hostPort()}`, localWorkers: 1 },
    });
    await lab.close({ pauseRunning: true });

    await redis.halt();
    try {
      lab = await open();
      expect(await lab.getHubSettings({})).toEqual({
        redis: `redis://:***@${hostPort()}`,
        localWorkers: true,
        source: 'none',
        active: null,
        status: 'failed',
        error: `${hostPort()} refused the connection: no Redis listens there (is redis-server running on that host and port, and does it accept connections from this machine?)`,
        remoteWorkers: 0,
      } satisfies HubSettingsView);
      await lab.close({ pauseRunning: true });
    } finally {
      await redis.restart();
    }
  });

  it('MBH_LAB_REDIS overrides the settings: saving keeps them for later', async () => {
    lab = await open({ redis: redis.url });
    expect(await lab.getHubSettings({})).toMatchObject({
      source: 'environment',
      status: 'connected',
      active: { redis: `redis://:***@${hostPort()}`, localWorkers: 1 },
    });
    const view = await lab.setHubSettings({ redis: '', localWorkers: true });
    // Saved (nothing), still connected through the variable until the lab restarts without it.
    expect(view).toMatchObject({ redis: null, source: 'environment', status: 'connected' });
    expect(lab.remote).not.toBeNull();
  });
});
