import { EventEmitter } from 'node:events';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LabEvents, PartitionView, ProjectSummary } from '../../src-shared/api/dto.ts';
import { decode, encode } from '../../src-shared/api/codec.ts';
import type { LabEndpoint } from '../../src-main/lab/dispatch.ts';
import { bindLabIpc } from '../../src-main/app/ipc.ts';
import { createBridge } from '../../src-main/app/bridge.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { createClient, type LabClient } from '../../src-renderer/src/api/client.ts';
import { createIpcTransport } from '../../src-renderer/src/api/ipc.ts';
import { createWebSocketTransport, type SocketLike } from '../../src-renderer/src/api/websocket.ts';

/**
 * A stand-in for the lab service with a few methods: these tests are about the
 * transports (validation, typed arrays, errors, events, access control), not the lab.
 */
function transportProbeService() {
  const events = new EventEmitter();
  const projects: ProjectSummary[] = [];
  const calls: string[] = [];
  const service = {
    async listProjects() {
      calls.push('listProjects');
      return projects;
    },
    async createProject(params: { name: string; description: string }) {
      calls.push('createProject');
      const project: ProjectSummary = {
        id: projects.length + 1,
        name: params.name,
        description: params.description,
        notes: '',
        createdAt: 1,
        experimentCount: 0,
        modelCount: 0,
      };
      projects.push(project);
      events.emit('zoo', { entity: 'project', id: project.id, change: 'created' });
      return project;
    },
    async deleteProject(params: { id: number }) {
      calls.push('deleteProject');
      throw Object.assign(new Error(`project ${params.id} does not exist`), { name: 'NotFound' });
    },
    async getPartition(params: { checkpointId: number; planeSetId: number; plane: number }) {
      calls.push('getPartition');
      const view: PartitionView = {
        ...params,
        regionCount: 2,
        vertexOffsets: new Uint32Array([0, 3, 7]),
        vertices: new Float64Array(
          [0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0.5, 0.5].map((v) => v + 1e-17),
        ),
        areas: new Float64Array([0.5, 0.5]),
        patternWords: 1,
        patterns: new Uint32Array([0xffffffff, 5]),
        neuronCount: 32,
        layerSizes: [32],
        regionsPerLayer: [2],
        predictedClasses: new Int16Array([3, -1]),
        mixedOffsets: new Uint32Array([0, 0, 2]),
        mixedClasses: new Int16Array([1, 2]),
        mixedShares: new Float64Array([0.75, 0.25]),
        domain: new Float64Array([0, 0, 1, 0, 1, 1, 0, 1]),
        domainArea: 1,
        points: new Float64Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
        ms: 1.5,
      };
      return view;
    },
    on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void) {
      events.on(event, listener);
    },
    off<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void) {
      events.off(event, listener);
    },
  };
  return { service: service as unknown as LabEndpoint, calls, events };
}

async function contractChecks(client: LabClient, calls: string[]) {
  const created = await client.createProject({ name: '  Sparse nets  ', description: '' });
  expect(created.name).toBe('Sparse nets');
  expect((await client.listProjects({})).map((p) => p.name)).toEqual(['Sparse nets']);

  // Typed arrays survive the trip with their type and every bit.
  const partition = await client.getPartition({ checkpointId: 3, planeSetId: 1, plane: 0 });
  expect(partition.vertices).toBeInstanceOf(Float64Array);
  expect(Array.from(partition.vertices)).toEqual(
    [0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0.5, 0.5].map((v) => v + 1e-17),
  );
  expect(partition.vertexOffsets).toBeInstanceOf(Uint32Array);
  expect(Array.from(partition.patterns)).toEqual([0xffffffff, 5]);
  // The predicted classes: a signed 16-bit array (−1 = mixed) and the mixed region's shares.
  expect(partition.predictedClasses).toBeInstanceOf(Int16Array);
  expect(Array.from(partition.predictedClasses)).toEqual([3, -1]);
  expect(Array.from(partition.mixedOffsets)).toEqual([0, 0, 2]);
  expect(Array.from(partition.mixedClasses)).toEqual([1, 2]);
  expect(Array.from(partition.mixedShares)).toEqual([0.75, 0.25]);

  // Errors from the service keep their name and message.
  await expect(client.deleteProject({ id: 9 })).rejects.toMatchObject({
    name: 'NotFound',
    message: 'project 9 does not exist',
  });

  // Bad params are refused before they leave, naming the field; the service never sees them.
  const before = calls.length;
  await expect(client.createProject({ name: '   ', description: '' })).rejects.toMatchObject({
    message: 'params.name: must not be empty',
    path: 'params.name',
  });
  expect(calls.length).toBe(before);
}

describe('WebSocket transport (browser mode)', () => {
  let server: RunningServer;
  let probe: ReturnType<typeof transportProbeService>;
  let staticDir: string;
  let client: LabClient;
  let transport: ReturnType<typeof createWebSocketTransport>;

  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'mbh-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MBH Lab</title>');
    probe = transportProbeService();
    server = await startServer({ service: probe.service, staticDir });
    transport = createWebSocketTransport({
      url: `ws://127.0.0.1:${server.port}/api`,
      token: server.token,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    });
    client = createClient(transport);
  });

  afterAll(async () => {
    transport.close();
    await server.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('carries calls, typed arrays and errors', async () => {
    await contractChecks(client, probe.calls);
    expect(transport.connected).toBe(true);
  });

  it('delivers events to subscribers', async () => {
    const seen: unknown[] = [];
    const off = client.on('zoo', (payload) => seen.push(payload));
    await client.createProject({ name: 'Events', description: '' });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual({ entity: 'project', id: 2, change: 'created' });
    off();
  });

  it('validates on the server too: a raw call with bad params names the field', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const reply = new Promise<unknown>((resolve) =>
      socket.once('message', (data) => resolve(decode(String(data)))),
    );
    socket.send(
      encode({ type: 'call', seq: 7, method: 'renameProject', params: { id: -1, name: 'x' } }),
    );
    expect(await reply).toEqual({
      type: 'result',
      seq: 7,
      ok: false,
      error: {
        name: 'ValidationError',
        message: 'params.id: must be at least 1, got -1',
        path: 'params.id',
      },
    });
    const unknown = new Promise<unknown>((resolve) =>
      socket.once('message', (data) => resolve(decode(String(data)))),
    );
    socket.send(encode({ type: 'call', seq: 8, method: 'dropDatabase', params: {} }));
    expect(await unknown).toMatchObject({
      seq: 8,
      ok: false,
      error: { message: 'unknown method "dropDatabase"' },
    });
    socket.close();
  });

  it('refuses requests without the token', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('access token');
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api`);
    const outcome = await new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('error', (error) => resolve(error.message));
    });
    expect(outcome).toContain('401');
  });

  it('refuses other origins and other hosts even with the token', async () => {
    const cross = await fetch(server.openUrl, { headers: { Origin: 'http://evil.example' } });
    expect(cross.status).toBe(403);
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      headers: { Origin: 'http://evil.example' },
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('error', (error) => resolve(error.message));
    });
    expect(outcome).toContain('403');
    // fetch() will not send a foreign Host header, so ask node:http directly.
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/?token=${server.token}`,
          headers: { Host: 'attacker.example' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.once('error', reject);
      request.end();
    });
    expect(rebound).toBe(403);
  });

  it('serves the page with the token, then its assets by cookie, and nothing outside', async () => {
    const page = await fetch(server.openUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const again = await fetch(`${server.url}index.html`, {
      headers: { Cookie: cookie.split(';')[0] },
    });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('MBH Lab');
    const escape = await fetch(`${server.url}..%2F..%2Fetc%2Fpasswd`, {
      headers: { Cookie: cookie.split(';')[0] },
    });
    expect(escape.status).toBe(404);
  });
});

describe('IPC transport (desktop), without an Electron binary', () => {
  /** ipcMain and ipcRenderer joined in memory the way Electron joins them. */
  function ipcPair(trusted: { value: boolean }) {
    const handlers = new Map<
      string,
      (event: { senderFrame: unknown }, ...args: unknown[]) => unknown
    >();
    const rendererSide = new EventEmitter();
    const ipcMain = {
      handle: (
        channel: string,
        handler: (event: { senderFrame: unknown }, ...args: unknown[]) => unknown,
      ) => handlers.set(channel, handler),
      removeHandler: (channel: string) => handlers.delete(channel),
    };
    const ipcRenderer = {
      invoke: async (channel: string, ...args: unknown[]) => {
        const handler = handlers.get(channel);
        if (!handler) throw new Error(`No handler registered for '${channel}'`);
        // Structured clone, as Electron does between processes.
        const frame = { url: trusted.value ? 'file:///app/index.html' : 'https://evil.example/' };
        return structuredClone(await handler({ senderFrame: frame }, ...structuredClone(args)));
      },
      on: (channel: string, listener: (...args: unknown[]) => void) =>
        rendererSide.on(channel, listener),
      removeListener: (channel: string, listener: (...args: unknown[]) => void) =>
        rendererSide.off(channel, listener),
    };
    const webContents = {
      send: (channel: string, message: unknown) =>
        rendererSide.emit(channel, { sender: 'ipc' }, structuredClone(message)),
      isDestroyed: () => false,
    };
    return { ipcMain, ipcRenderer, webContents, handlers };
  }

  it('carries calls, typed arrays, errors and events; refuses untrusted senders', async () => {
    const trusted = { value: true };
    const probe = transportProbeService();
    const pair = ipcPair(trusted);
    const binding = bindLabIpc({
      service: probe.service,
      ipcMain: pair.ipcMain,
      isTrustedSender: (frame) => (frame as { url: string }).url.startsWith('file:///app/'),
    });
    binding.attach(pair.webContents);
    const bridge = createBridge(pair.ipcRenderer);
    const client = createClient(createIpcTransport(bridge));

    const seen: unknown[] = [];
    const off = client.on('zoo', (payload) => seen.push(payload));
    await contractChecks(client, probe.calls);
    expect(seen).toEqual([{ entity: 'project', id: 1, change: 'created' }]);
    off();

    trusted.value = false;
    await expect(client.listProjects({})).rejects.toMatchObject({
      name: 'Forbidden',
      message: 'calls are accepted only from the lab window',
    });

    binding.dispose();
    expect(pair.handlers.size).toBe(0);
    expect(probe.events.listenerCount('zoo')).toBe(0);
  });
});
