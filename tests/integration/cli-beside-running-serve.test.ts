/**
 * The command line beside a running lab (issue 9 §1): `mbh-lab serve` runs as a real
 * process and advertises itself beside its zoo; CLI processes on that zoo go through its
 * api — `zoo ls`, `jobs --json`, `experiment run`, `jobs pause|resume|cancel`, Ctrl-C —
 * and a WebSocket client on the served page's socket (the GUI's transport and client)
 * sees every change as the GUI would. Then the lab dies (SIGKILL): its discovery file is
 * stale and ignored; and the commands that only look work while another process holds
 * the zoo's writer lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type LabClient } from '../../src-shared/api/client.ts';
import type { JobSummary, ModelSummary } from '../../src-shared/api/dto.ts';
import {
  createWebSocketTransport,
  type SocketLike,
} from '../../src-shared/api/websocket-transport.ts';
import { discoveryPath, readDiscovery, type HubAdvert } from '../../src-main/hub/discovery.ts';
import { connectToHub } from '../../src-main/hub/hub-client.ts';
import { lockZoo } from '../../src-main/zoo/lock.ts';
import { run, type Finished } from './processes.ts';

const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mbh-hub-cli-'));
const zooFile = join(dir, 'zoo.sqlite');
const env = { ...process.env, MBH_LAB_HOME: dir };

/** One small experiment: a (4, 2) network on Digit MNIST, measured on one plane. */
const specFile = join(dir, 'spec.json');
writeFileSync(
  specFile,
  JSON.stringify({
    name: 'Hub smoke',
    family: 'custom',
    hiddenNeurons: [6],
    customWidths: [[4, 2]],
    densities: [1],
    seeds: [0],
    datasets: ['mnist'],
    iterations: 60,
    planeCount: 1,
    cps: [0.8, 1],
  }),
);

function cli(...args: string[]): Promise<Finished> {
  return run(process.execPath, [cliPath, ...args, '--zoo', zooFile], { env });
}

function json<T>(finished: Finished): T {
  expect(finished.stderr).not.toMatch(/in use by another|database is locked/);
  expect(finished.status).toBe(0);
  return JSON.parse(finished.stdout) as T;
}

/** The first line a child writes on stdout. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end < 0) return;
      child.stdout!.off('data', onData);
      resolve(text.slice(0, end));
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`serve exited (${code}) before printing: ${serveStderr.trim()}`)),
    );
  });
}

let serve: ChildProcess;
let serveStderr = '';
let served: { url: string; port: number; token: string; discovery: string };
let gui: LabClient;
let closeGui: () => void;
const jobEvents: JobSummary[] = [];
const waiters: { holds: (job: JobSummary) => boolean; resolve: (job: JobSummary) => void }[] = [];

/** Resolves with the first job event (seen already or to come) that `holds`. */
function jobEvent(holds: (job: JobSummary) => boolean): Promise<JobSummary> {
  const seen = jobEvents.find(holds);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => waiters.push({ holds, resolve }));
}

beforeAll(async () => {
  serve = spawn(
    process.execPath,
    [cliPath, 'serve', '--zoo', zooFile, '--port', '0', '--json', '--workers', '1'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  serve.stderr!.on('data', (chunk: Buffer) => (serveStderr += chunk.toString('utf8')));
  served = JSON.parse(await firstLine(serve)) as typeof served;
  // The GUI: the served page's own socket, with the browser token and an Origin, as a page has.
  const transport = createWebSocketTransport({
    url: `ws://127.0.0.1:${served.port}/api`,
    token: served.token,
    createSocket: (url) =>
      new WebSocket(url, {
        headers: { Origin: `http://127.0.0.1:${served.port}` },
      }) as unknown as SocketLike,
  });
  closeGui = () => transport.close();
  gui = createClient(transport);
  gui.on('job', (job) => {
    jobEvents.push(job);
    for (const waiter of [...waiters]) {
      if (!waiter.holds(job)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(job);
    }
  });
  await gui.info({});
});

afterAll(() => {
  closeGui?.();
  if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the CLI beside a running mbh-lab serve', () => {
  let advert: HubAdvert;

  it('advertises the lab beside its zoo: owner-only file, its pid, its own token', () => {
    expect(served.discovery).toBe(discoveryPath(zooFile));
    expect(statSync(served.discovery).mode & 0o777).toBe(0o600);
    advert = readDiscovery(zooFile)!;
    expect(advert).not.toBeNull();
    expect(advert.pid).toBe(serve.pid);
    expect(advert.zooFile).toBe(zooFile);
    expect(advert.url).toBe(`ws://127.0.0.1:${advert.port}/api`);
    expect(advert.port).not.toBe(served.port);
    // A key of its own (32 random bytes), never the browser's URL token.
    expect(advert.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(advert.token).not.toBe(served.token);
    expect(advert.appVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a socket without the token, or from a web page', async () => {
    const status = (url: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(url, { headers });
        socket.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.on('open', () => reject(new Error(`${url} was accepted`)));
        socket.on('error', () => {});
      });
    expect(await status(advert.url)).toBe(401);
    expect(await status(`${advert.url}?token=${served.token}`)).toBe(401);
    expect(
      await status(`${advert.url}?token=${advert.token}`, {
        Origin: `http://127.0.0.1:${served.port}`,
      }),
    ).toBe(403);
  });

  it('zoo ls and jobs --json answer what the GUI sees, without the zoo lock error', async () => {
    expect(json<ModelSummary[]>(await cli('zoo', 'ls', '--json'))).toEqual(
      await gui.listModels({}),
    );
    expect(json<JobSummary[]>(await cli('jobs', '--json'))).toEqual(await gui.listJobs({}));
    const info = json<{ shell: string; zooPath: string }>(await cli('info', '--json'));
    // Answered by the lab in browser mode, not by a lab the command opened itself.
    expect(info).toEqual({ ...(await gui.info({})) });
    expect(info.shell).toBe('browser');
  });

  it('experiment run through the lab: its jobs show in the GUI as they go', async () => {
    const finished = await cli('experiment', 'run', specFile, '--json');
    const result = json<{
      experiment: number;
      models: { modelId: number }[];
      failedJobs: number[];
    }>(finished);
    expect(result.failedJobs).toEqual([]);
    expect(result.models).toHaveLength(1);
    // The GUI was told of every job of the experiment, up to its end.
    const jobs = await gui.listJobs({ experimentId: result.experiment });
    expect(jobs.map((job) => [job.kind, job.state]).sort()).toEqual([
      ['measure', 'done'],
      ['train', 'done'],
    ]);
    for (const job of jobs) {
      const done = await jobEvent((event) => event.id === job.id && event.state === 'done');
      expect(done.kind).toBe(job.kind);
      expect(jobEvents.some((event) => event.id === job.id && event.state === 'running')).toBe(
        true,
      );
    }
    const experiments = await gui.listExperiments({});
    expect(experiments.map((experiment) => experiment.id)).toContain(result.experiment);
    // Same rows as the GUI's compare of that experiment.
    expect(result.models).toEqual(await gui.compare({ experimentIds: [result.experiment] }));
    expect(json<ModelSummary[]>(await cli('zoo', 'ls', '--json'))).toEqual(
      await gui.listModels({}),
    );
  });

  it("pauses and resumes a job the GUI started; the GUI's view follows", async () => {
    const [project] = await gui.listProjects({});
    const { job } = await gui.trainModel({
      projectId: project.id,
      family: 'custom',
      hidden: [16, 8],
      datasetId: 'xor',
      iterations: 1_000_000,
    } as never);
    await jobEvent((event) => event.id === job.id && event.state === 'running');
    const listed = json<JobSummary[]>(await cli('jobs', '--json'));
    expect(listed.find((entry) => entry.id === job.id)?.state).toBe('running');

    const paused = json<JobSummary>(await cli('jobs', 'pause', String(job.id), '--json'));
    expect(paused.id).toBe(job.id);
    await jobEvent((event) => event.id === job.id && event.state === 'paused');
    expect((await gui.listJobs({})).find((entry) => entry.id === job.id)?.state).toBe('paused');

    const resumedAt = jobEvents.length;
    json<JobSummary>(await cli('jobs', 'resume', String(job.id), '--json'));
    await jobEvent(
      (event) =>
        event.id === job.id && event.state === 'running' && jobEvents.indexOf(event) >= resumedAt,
    );
    json<JobSummary>(await cli('jobs', 'cancel', String(job.id), '--json'));
    await jobEvent((event) => event.id === job.id && event.state === 'cancelled');
  });

  it("Ctrl-C of a CLI attached to the lab leaves the lab's job running, and says so", async () => {
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'train',
        '--hidden',
        '12,6',
        '--dataset',
        'xor',
        '--iterations',
        '1000000',
        '--zoo',
        zooFile,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    // Its progress lines come from its job listener: its Ctrl-C handler is in place.
    await new Promise<void>((resolve) =>
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (/#\d+ train .* running /.test(stderr)) resolve();
      }),
    );
    const id = Number(/#(\d+) train .* running /.exec(stderr)![1]);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain(
      `stopped watching: the lab serving this zoo (pid ${serve.pid}) keeps running its jobs (1 running, 0 queued); \`mbh-lab jobs\` lists them, \`mbh-lab jobs pause ID\` pauses one.`,
    );
    // Still running in the lab: it goes on making progress after the CLI left.
    const [before] = (await gui.listJobs({})).filter((entry) => entry.id === id);
    expect(before.state).toBe('running');
    await jobEvent(
      (event) => event.id === id && event.state === 'running' && event.iteration > before.iteration,
    );
    await gui.cancelJob({ id });
    await jobEvent((event) => event.id === id && event.state === 'cancelled');
  });

  let modelIds: number[] = [];

  it('a CLI watching the lab ends with one line naming it when the lab dies', async () => {
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'train',
        '--hidden',
        '8,4',
        '--dataset',
        'xor',
        '--iterations',
        '1000000',
        '--zoo',
        zooFile,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    await new Promise<void>((resolve) =>
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (/#\d+ train .* running /.test(stderr)) resolve();
      }),
    );
    modelIds = (await gui.listModels({})).map((model) => model.id);
    closeGui();
    const gone = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGKILL');
    await gone;
    expect(await exited).toBe(2);
    expect(stderr).toContain(
      `mbh-lab train: the connection to the lab serving this zoo (pid ${serve.pid}) was lost`,
    );
  });

  it('ignores a stale discovery file: a dead pid, or an address that does not answer', async () => {
    // The killed lab could not remove its file: it names a pid that is gone.
    expect(readDiscovery(zooFile)?.pid).toBe(serve.pid);
    expect((await connectToHub(zooFile)).reason).toBe('dead pid');
    expect(json<ModelSummary[]>(await cli('zoo', 'ls', '--json')).map((model) => model.id)).toEqual(
      modelIds,
    );

    // A live pid (this one) at an address where nothing listens: no answer, ignored.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    writeFileSync(
      discoveryPath(zooFile),
      JSON.stringify({ ...advert, pid: process.pid, port, url: `ws://127.0.0.1:${port}/api` }),
      { mode: 0o600 },
    );
    expect((await connectToHub(zooFile)).reason).toBe('no answer');
    // A command that opens the zoo as its writer holds the lock: the file is stale; it goes.
    const info = json<{ shell: string }>(await cli('info', '--json'));
    expect(info.shell).toBe('cli');
    expect(existsSync(discoveryPath(zooFile))).toBe(false);
  });

  it('lists beside another process that holds the writer lock; writing is refused', async () => {
    const release = lockZoo(zooFile);
    try {
      const models = json<ModelSummary[]>(await cli('zoo', 'ls', '--json'));
      expect(models.length).toBeGreaterThanOrEqual(2);
      const jobs = json<JobSummary[]>(await cli('jobs', '--json'));
      expect(jobs.filter((job) => job.state === 'done')).toHaveLength(2);
      const datasets = json<{ id: string }[]>(await cli('data', 'ls', '--json'));
      expect(datasets.map((dataset) => dataset.id)).toContain('xor');
      const refused = await cli('zoo', 'rm', String(models[0].id));
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(`is in use by another MBH Lab process (pid ${process.pid})`);
    } finally {
      release();
    }
    expect(readFileSync(zooFile).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
