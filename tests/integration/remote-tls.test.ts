/**
 * `rediss://` (issue 9 §2, security): a redis-server that speaks TLS only (no plain port),
 * its certificate signed by a private CA made for the test, with a password. A hub and a
 * worker process that trust the CA through MBH_LAB_REDIS_CA train a job over it with the
 * results of a local run; a client trusting another CA, or only the system's CAs, fails
 * at once with an error that names TLS and the certificate (not a connection timeout).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';
import { connectRedis, REDIS_CA_ENV, whenReady } from '../../src-main/remote/connection.ts';
import { sweepResults } from '../fixtures/scripts/remote-sweep.ts';
import { RedisServer } from './redis-server.ts';
import { startWorkerProcess, type WorkerProcess } from './remote-worker-process.ts';
import { makeCa, makeServerCertificate } from './tls-certificates.ts';

const root = mkdtempSync(join(tmpdir(), 'mbh-remote-tls-'));
const QUEUE = 'mbh-tls';
let redis: RedisServer;
let caFile: string;
let otherCaFile: string;
const workers: WorkerProcess[] = [];
const savedCa = process.env[REDIS_CA_ENV];

/** What a lab trains for the test: one small xor network on the deterministic fused path. */
async function trainOne(lab: LabService): Promise<number> {
  const projectId = (await lab.createProject({ name: 'tls', description: '' })).id;
  const { job } = await lab.trainModel({
    projectId,
    family: 'custom',
    hidden: [12, 8],
    density: 1,
    seed: 7,
    datasetId: 'xor',
    iterations: 400,
    checkpoints: 'default',
    pruning: { kind: 'random' },
    trainer: 'fused',
  });
  return job.id;
}

/** The error of opening a hub on the TLS server with `ca` trusted (none: the system's CAs). */
async function hubError(ca: string | undefined): Promise<Error> {
  if (ca === undefined) delete process.env[REDIS_CA_ENV];
  else process.env[REDIS_CA_ENV] = ca;
  return LabService.open({
    home: join(root, 'refused'),
    shell: 'cli',
    workers: 0,
    redis: redis.url,
    redisQueue: QUEUE,
  }).then(
    async (lab) => {
      await lab.close();
      throw new Error('the hub connected');
    },
    (error: Error) => error,
  );
}

/** The message of a TLS failure for the test's server, `reason` in its parentheses. */
const untrusted = (reason: string) =>
  new RegExp(
    `^TLS: Redis at rediss://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}: the server's certificate is not signed by a CA this machine trusts; if a private CA signed it, give that CA's PEM file in MBH_LAB_REDIS_CA \\(${reason}\\)$`,
  );

beforeAll(async () => {
  const folder = join(root, 'certificates');
  mkdirSync(folder);
  const ca = await makeCa(folder, 'lab-ca');
  const server = await makeServerCertificate(folder, ca);
  caFile = ca.certFile;
  otherCaFile = (await makeCa(folder, 'other-ca')).certFile;
  redis = await RedisServer.start({ password: 'tls secret', tls: { ...server, caFile } });
});

afterAll(async () => {
  if (savedCa === undefined) delete process.env[REDIS_CA_ENV];
  else process.env[REDIS_CA_ENV] = savedCa;
  for (const worker of workers) worker.child.kill('SIGKILL');
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('Redis over TLS (rediss://)', () => {
  it('runs a job on a worker process over TLS, trusting a private CA from MBH_LAB_REDIS_CA, with the results of a local run', async () => {
    const local = await LabService.open({ home: join(root, 'local'), shell: 'cli', workers: 1 });
    await local.start();
    await trainOne(local);
    await local.idle();
    const reference = sweepResults(local);
    await local.close();

    expect(redis.url).toMatch(/^rediss:\/\//);
    const worker = startWorkerProcess({
      url: redis.url,
      queue: QUEUE,
      name: 'tls-1',
      home: join(root, 'worker'),
      env: { [REDIS_CA_ENV]: caFile },
    });
    workers.push(worker);
    await worker.ready;
    process.env[REDIS_CA_ENV] = caFile;
    const lab = await LabService.open({
      home: join(root, 'hub'),
      shell: 'cli',
      workers: 0,
      redis: redis.url,
      redisQueue: QUEUE,
    });
    let jobId: number;
    try {
      await lab.start();
      jobId = await trainOne(lab);
      await lab.idle();
      expect(await lab.listJobs({})).toMatchObject([{ id: jobId, state: 'done', worker: 'tls-1' }]);
      expect(sweepResults(lab)).toEqual(reference);
    } finally {
      await lab.close();
    }
    await worker.logged(new RegExp(`^job ${jobId} \\(run [^)]+\\): completed at step 400$`, 'm'));
  });

  it('refuses a server whose certificate another CA signed, at once and naming TLS and the certificate', async () => {
    expect((await hubError(otherCaFile)).message).toMatch(
      untrusted('self[- ]signed certificate in certificate chain'),
    );
    // Only the system's CAs: the private CA is not among them.
    expect((await hubError(undefined)).message).toMatch(
      untrusted(
        '(self[- ]signed certificate in certificate chain|unable to verify the first certificate|unable to get local issuer certificate)',
      ),
    );
    // A worker process says the same and exits instead of waiting for the server.
    const worker = startWorkerProcess({
      url: redis.url,
      queue: QUEUE,
      name: 'tls-untrusting',
      home: join(root, 'worker-untrusting'),
      env: { [REDIS_CA_ENV]: otherCaFile },
    });
    workers.push(worker);
    expect(await worker.exited).toBe(2);
    expect(worker.log()).toMatch(
      new RegExp(
        `^mbh-lab worker: ${untrusted('self[- ]signed certificate in certificate chain').source.slice(1, -1)}\n$`,
      ),
    );
    expect(worker.log()).not.toContain('tls secret');
  });

  it('names TLS when a rediss:// URL reaches a port without TLS', async () => {
    const plain = await RedisServer.start({ password: 'plain secret' });
    const url = plain.url.replace(/^redis:/, 'rediss:');
    delete process.env[REDIS_CA_ENV];
    const client = await connectRedis(url, 'mbh-lab-test');
    try {
      // The server reads the TLS hello as a command: it answers garbage (a failed handshake)
      // if the hello's random bytes hold a line end, else nothing (the handshake never ends).
      await expect(whenReady(client, url, 1_500)).rejects.toThrow(
        new RegExp(
          `^(TLS: Redis at rediss://:\\*\\*\\*@127\\.0\\.0\\.1:${plain.port}: the TLS handshake failed \\(does the server speak TLS on this port\\? it is its tls-port\\) \\(.+\\)` +
            `|cannot reach Redis at rediss://:\\*\\*\\*@127\\.0\\.0\\.1:${plain.port} within 1\\.5 s \\(TLS: no handshake completed; does the server speak TLS on this port\\? it is its tls-port\\))$`,
        ),
      );
    } finally {
      client.disconnect();
      await plain.stop();
    }
  });

  it('refuses a plain redis:// URL on the TLS port with the CA set, and a CA file that is missing or not PEM', async () => {
    process.env[REDIS_CA_ENV] = caFile;
    await expect(
      LabService.open({
        home: join(root, 'plain'),
        shell: 'cli',
        workers: 0,
        redis: redis.url.replace(/^rediss:/, 'redis:'),
        redisQueue: QUEUE,
      }),
    ).rejects.toThrow(
      `MBH_LAB_REDIS_CA is set (${caFile}) but the Redis URL is redis://, which does not use TLS; write rediss:// to connect with TLS`,
    );
    const missing = join(root, 'no-such-ca.pem');
    expect((await hubError(missing)).message).toBe(
      `MBH_LAB_REDIS_CA: cannot read the CA file ${missing}: no such file`,
    );
    const notPem = join(root, 'certificates', 'server.ext');
    expect((await hubError(notPem)).message).toBe(
      `MBH_LAB_REDIS_CA: ${notPem} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)`,
    );
  });
});
