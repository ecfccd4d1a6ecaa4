/**
 * Browser mode under a heavy partition: a 3 × 800 dense network on an MNIST plane (about
 * a million regions) runs in a worker while the server keeps answering small calls —
 * proved by order of events, not by time — and ends with the partition or a clear budget
 * error, never a process abort. Also: supersession by view, cancellation by id, and
 * message-size limits that leave the connection usable.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../../src-shared/api/codec.ts';
import type { PartitionProgress } from '../../src-shared/api/dto.ts';
import { networkToModelJson } from '../../src-shared/model/format.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { createClient, type LabClient } from '../../src-renderer/src/api/client.ts';
import { createWebSocketTransport, type SocketLike } from '../../src-renderer/src/api/websocket.ts';
import { heNetwork } from '../unit/engine-support.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-lab-server-budget-'));
const staticDir = mkdtempSync(join(tmpdir(), 'mbh-lab-static-'));
let lab: LabService;
let server: RunningServer;
let transport: ReturnType<typeof createWebSocketTransport>;
let client: LabClient;
/** The deep model's last checkpoint and its MNIST plane set; the same for a small XOR model. */
const deep = { checkpointId: 0, planeSetId: 0 };
const small = { checkpointId: 0, planeSetId: 0 };

async function importNetwork(
  projectId: number,
  datasetId: string,
  hidden: number[],
  input: number,
) {
  const network = heNetwork(input, hidden, datasetId === 'xor' ? 2 : 10, {
    seed: 5,
    biasStd: 0.05,
  });
  // A 3 × 800 network's JSON is tens of MB: it travels as a file, as a user's would.
  const file = join(home, `network-${hidden.join('x')}.json`);
  writeFileSync(file, JSON.stringify(networkToModelJson(network)));
  const model = await lab.importModel({ projectId, json: { path: file }, datasetId } as never);
  const detail = await lab.getModel({ id: model.id });
  const set = await lab.createPlaneSet({ datasetId, count: 2, seed: 1 } as never);
  return { checkpointId: detail.checkpoints.at(-1)!.id, planeSetId: set.id };
}

beforeAll(async () => {
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MBH Lab</title>');
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  const projectId = (await lab.createProject({ name: 'budget', description: '' })).id;
  Object.assign(deep, await importNetwork(projectId, 'mnist', [800, 800, 800], 784));
  Object.assign(small, await importNetwork(projectId, 'xor', [8, 8], 2));
  server = await startServer({ service: lab, staticDir });
  transport = createWebSocketTransport({
    url: `ws://127.0.0.1:${server.port}/api`,
    token: server.token,
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  });
  client = createClient(transport);
}, 180_000);

afterAll(async () => {
  transport?.close();
  await server?.close();
  await lab?.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
  rmSync(staticDir, { recursive: true, force: true });
});

/** Resolves with the first progress event of a plane's partition. */
function firstProgress(target: { checkpointId: number; planeSetId: number }, plane: number) {
  return new Promise<PartitionProgress>((resolve) => {
    const off = client.on('partition', (progress) => {
      if (
        progress.checkpointId === target.checkpointId &&
        progress.planeSetId === target.planeSetId &&
        progress.plane === plane
      ) {
        off();
        resolve(progress);
      }
    });
  });
}

describe('a 3 × 800 dense partition through the browser-mode server', () => {
  it('runs beside small calls and ends with the partition or the budget error', async () => {
    const started = firstProgress(deep, 0);
    let settled = false;
    const big = client
      .getPartition({ ...deep, plane: 0, maxRegions: 150_000 })
      .then(
        (partition) => ({ partition, error: null }),
        (error: Error) => ({ partition: null, error }),
      )
      .finally(() => (settled = true));
    const progress = await started;
    expect(progress.regions).toBeGreaterThan(0);

    // While it runs: a plain call and a small partition, both answered before it ends.
    const projects = await client.listProjects({});
    expect(projects.map((project) => project.name)).toEqual(['budget']);
    const xor = await client.getPartition({ ...small, plane: 0 });
    expect(xor.regionCount).toBeGreaterThan(1);
    expect(xor.vertices).toBeInstanceOf(Float64Array);
    expect(settled).toBe(false);

    const outcome = await big;
    if (outcome.partition) {
      expect(outcome.partition.regionCount).toBeLessThanOrEqual(150_000);
    } else {
      expect(outcome.error).toMatchObject({
        name: 'RegionBudgetError',
        message:
          'this plane has more than 150,000 regions (the region budget); raise the limit or zoom into a smaller domain',
      });
    }
    // The server is still up and the lab still answers.
    expect((await client.listProjects({})).length).toBe(1);
  });
});

describe('cancellation', () => {
  it('a newer call for the same view supersedes the running one', async () => {
    const started = firstProgress(deep, 1);
    const old = client.getPartition({ ...deep, plane: 1, view: 'a', maxRegions: 10_000_000 });
    old.catch(() => {});
    await started;
    const newer = await client.getPartition({ ...small, plane: 1, view: 'a' });
    expect(newer.regionCount).toBeGreaterThan(1);
    await expect(old).rejects.toMatchObject({
      name: 'Cancelled',
      message: 'superseded by a newer request for view "a"',
    });
  });

  it('a call cancelled by id answers with a Cancelled error, and the client rejects at once', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const answer = new Promise<unknown>((resolve) =>
      socket.on('message', (data, isBinary) => {
        const message = decodeMessage(isBinary ? new Uint8Array(data as Buffer) : String(data)) as {
          type: string;
          seq?: number;
        };
        if (message.type === 'result' && message.seq === 41) resolve(message);
      }),
    );
    socket.send(
      encodeMessage({
        type: 'call',
        seq: 41,
        method: 'getPartition',
        params: { ...deep, plane: 1, maxRegions: 10_000_000 },
      }),
    );
    await firstProgress(deep, 1);
    socket.send(encodeMessage({ type: 'cancel', seq: 41 }));
    expect(await answer).toEqual({
      type: 'result',
      seq: 41,
      ok: false,
      error: { name: 'Cancelled', message: 'cancelled by the client' },
    });
    socket.close();

    // The renderer's client: aborting its signal rejects the call with a Cancelled error.
    const controller = new AbortController();
    const started = firstProgress(deep, 1);
    const call = client.getPartition(
      { ...deep, plane: 1, maxRegions: 10_000_000 },
      { signal: controller.signal },
    );
    await started;
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'Cancelled', message: 'cancelled' });
    expect((await client.listProjects({})).length).toBe(1);
  });
});

describe('message size limits', () => {
  it('a call over the limit gets a clear TooLarge error and the connection stays usable', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const replies: { seq: number; ok: boolean; error?: { name: string; message: string } }[] = [];
    socket.on('message', (data) => replies.push(decodeMessage(String(data)) as never));
    const description = 'x'.repeat(5 * 1024 * 1024);
    socket.send(
      encodeMessage({
        type: 'call',
        seq: 1,
        method: 'createProject',
        params: { name: 'huge', description },
      }),
    );
    socket.send(encodeMessage({ type: 'call', seq: 2, method: 'listProjects', params: {} }));
    await expect.poll(() => replies.length).toBe(2);
    expect(replies[0]).toEqual({
      type: 'result',
      seq: 1,
      ok: false,
      error: {
        name: 'TooLarge',
        message: 'the message is too large: 5.0 MiB, over the 4 MiB limit for a createProject call',
      },
    });
    expect(replies[1]).toMatchObject({ seq: 2, ok: true });
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
    expect((await client.listProjects({})).map((project) => project.name)).toEqual(['budget']);
  });
});
