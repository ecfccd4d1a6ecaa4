/**
 * Imports and exports as files, not giant strings: the browser-mode server's upload
 * endpoint (token, Origin and Host checked; the byte limit enforced while streaming, 413
 * naming it), imports naming `{ upload: id }` or `{ path }` (path refused over the
 * browser's socket), parsing in the import worker with the same errors as inline content
 * and nothing stored changed on a failure, and exports written by the lab and served as
 * downloads with a descriptive name, once.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { INLINE_CONTENT_CHARACTERS } from '../../src-shared/api/file-source.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { createClient, type LabClient } from '../../src-renderer/src/api/client.ts';
import { createWebSocketTransport, type SocketLike } from '../../src-renderer/src/api/websocket.ts';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { snapshotLab } from './lab-snapshot.ts';

const MIB = 1024 * 1024;
// The command line's own home (MBH_LAB_HOME); the server's lab has another.
const cliHome = tempLabHome('mbh-lab-transfers-cli-');
const home = mkdtempSync(join(tmpdir(), 'mbh-lab-transfers-'));
const staticDir = mkdtempSync(join(tmpdir(), 'mbh-lab-static-'));
const files = mkdtempSync(join(tmpdir(), 'mbh-lab-files-'));
let lab: LabService;
let server: RunningServer;
let transport: ReturnType<typeof createWebSocketTransport>;
let client: LabClient;
let projectId: number;
let projectJson: string;

const csvText = (rows: number) =>
  ['a,b,label', ...Array.from({ length: rows }, (_, i) => `${i % 3},${Math.cos(i)},${i % 2}`)].join(
    '\n',
  );

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to the server; `body` is sent in 64 KiB chunks. */
function send(
  method: string,
  path: string,
  options: { body?: Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers: options.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // The server may answer 413 and close before the whole body is sent.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    const body = options.body ?? Buffer.alloc(0);
    for (let at = 0; at < body.length; at += 64 * 1024)
      request.write(body.subarray(at, at + 64 * 1024));
    request.end();
  });
}

const authorised = (extra: Record<string, string> = {}) => ({
  Cookie: `mbh_lab_token=${server.token}`,
  Host: `127.0.0.1:${server.port}`,
  ...extra,
});

async function upload(text: string | Buffer): Promise<string> {
  const reply = await send('POST', '/upload', {
    body: Buffer.from(text),
    headers: authorised({ 'Content-Type': 'application/octet-stream' }),
  });
  expect(reply.status).toBe(201);
  const answer = JSON.parse(reply.body) as { upload: string; bytes: number };
  expect(answer.bytes).toBe(Buffer.byteLength(text));
  return answer.upload;
}

const uploadsLeft = () =>
  existsSync(join(home, 'transfers', 'uploads'))
    ? readdirSync(join(home, 'transfers', 'uploads'))
    : [];

beforeAll(async () => {
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MBH Lab</title>');
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  projectId = (await lab.createProject({ name: 'Spirals ✓ "two"', description: '' })).id;
  await lab.importDataset({ name: 'Base', format: 'csv', csv: csvText(30), testShare: 0.2 });
  projectJson = (await lab.exportProject({ id: projectId })).content;
  server = await startServer({ service: lab, staticDir, home, uploadLimit: MIB });
  transport = createWebSocketTransport({
    url: `ws://127.0.0.1:${server.port}/api`,
    token: server.token,
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  });
  client = createClient(transport);
}, 60_000);

afterAll(async () => {
  transport?.close();
  await server?.close();
  await lab?.close({ pauseRunning: true });
  for (const folder of [home, staticDir, files]) rmSync(folder, { recursive: true, force: true });
});

describe('the upload endpoint', () => {
  it('refuses a request without the token, from another origin or for another host', async () => {
    const body = Buffer.from('a,label\n1,0\n');
    expect(
      await send('POST', '/upload', { body, headers: { Host: `127.0.0.1:${server.port}` } }),
    ).toMatchObject({ status: 401, body: expect.stringMatching(/missing or wrong access token/) });
    expect(
      await send('POST', '/upload', {
        body,
        headers: authorised({ Origin: 'http://evil.example' }),
      }),
    ).toMatchObject({ status: 403, body: 'cross-origin requests are refused' });
    expect(
      await send('POST', '/upload', { body, headers: authorised({ Host: 'evil.example' }) }),
    ).toMatchObject({ status: 403, body: 'unknown host' });
    expect(await send('GET', '/upload', { headers: authorised() })).toMatchObject({
      status: 405,
      headers: { allow: 'POST' },
    });
    expect(uploadsLeft()).toEqual([]);
  });

  it('stops an upload over the limit while streaming with 413 naming the limit, leaving nothing', async () => {
    // Chunked (no Content-Length): the limit is enforced on the bytes as they arrive.
    const reply = await send('POST', '/upload', {
      body: Buffer.alloc(3 * MIB, 0x61),
      headers: authorised({ 'Transfer-Encoding': 'chunked' }),
    });
    expect(reply).toMatchObject({ status: 413, body: 'too large (limit 1 MiB)' });
    // A declared length over the limit is refused before the body is read.
    const declared = await send('POST', '/upload', {
      body: Buffer.alloc(2 * MIB),
      headers: authorised({ 'Content-Length': String(2 * MIB) }),
    });
    expect(declared).toMatchObject({ status: 413, body: 'too large (limit 1 MiB)' });
    expect(uploadsLeft()).toEqual([]);
  });
});

describe('imports by upload and by path', () => {
  it('imports a dataset from an upload over the socket, then removes the upload; the id is spent', async () => {
    const id = await upload(csvText(40));
    expect(uploadsLeft()).toEqual([id]);
    const dataset = await client.importDataset({
      name: 'Uploaded',
      format: 'csv',
      csv: { upload: id },
      testShare: 0.25,
    });
    expect(dataset).toMatchObject({ id: 'user-uploaded', inputDim: 2, trainCount: 30 });
    expect(uploadsLeft()).toEqual([]);
    await expect(
      client.importDataset({ name: 'Again', format: 'csv', csv: { upload: id }, testShare: 0.25 }),
    ).rejects.toThrow(
      `params.csv.upload: no upload ${id}: it was used by an earlier import or expired; upload the file again`,
    );
  });

  it('imports a project bundle from an upload, parsed in the worker, as inline content would', async () => {
    const id = await upload(projectJson);
    const project = await client.importProject({ json: { upload: id } });
    expect(project).toMatchObject({ name: 'Spirals ✓ "two"', modelCount: 0 });
    expect(uploadsLeft()).toEqual([]);
  });

  it("refuses a path over the browser's socket, and takes one in process", async () => {
    const path = join(files, 'data.csv');
    writeFileSync(path, csvText(20));
    await expect(
      client.importDataset({ name: 'By path', format: 'csv', csv: { path }, testShare: 0.25 }),
    ).rejects.toThrow(
      "params.csv.path: files are not named by path over the browser's connection; upload the file (POST /upload) and give { upload: id }",
    );
    const dataset = await lab.importDataset({
      name: 'By path',
      format: 'csv',
      csv: { path },
      testShare: 0.25,
    });
    expect(dataset).toMatchObject({ id: 'user-by-path', trainCount: 15 });
    // The user's file is theirs: read, not removed.
    expect(existsSync(path)).toBe(true);
  });

  it('refuses inline content over the small limit, pointing to an upload', async () => {
    await expect(
      lab.importProject({ json: ' '.repeat(INLINE_CONTENT_CHARACTERS + 1) }),
    ).rejects.toThrow(
      `params.json: too large to send inline (${INLINE_CONTENT_CHARACTERS + 1} characters, limit 4 Mi): upload the file instead`,
    );
    await expect(lab.importProject({ json: { path: 'relative.json' } })).rejects.toThrow(
      'params.json.path: must be absolute, got "relative.json"',
    );
  });

  const failures: [string, () => Promise<unknown>, string | RegExp][] = [
    [
      'a truncated project bundle (upload)',
      async () =>
        client.importProject({ json: { upload: await upload(projectJson.slice(0, 90)) } }),
      /^params\.json: is not valid JSON/,
    ],
    [
      'a model file of another format (path)',
      async () => {
        const path = join(files, 'other.json');
        writeFileSync(path, JSON.stringify({ format: 'keras' }));
        return lab.importModel({ projectId, json: { path } });
      },
      'params.json.format: must be "mbh-model" or "mbh-model-bundle"',
    ],
    [
      'a missing file (path)',
      () => lab.importProject({ json: { path: join(files, 'missing.json') } }),
      /^params\.json: cannot read .*missing\.json: ENOENT/,
    ],
    [
      'a ragged CSV (upload)',
      async () =>
        client.importDataset({
          name: 'Ragged',
          format: 'csv',
          csv: { upload: await upload(`${csvText(10)}\n1,2,3,4`) },
          testShare: 0.2,
        }),
      /: row 12 has 4 cells, the header has 3 columns$/,
    ],
    [
      'a dataset name that exists (upload)',
      async () =>
        client.importDataset({
          name: 'base',
          format: 'csv',
          csv: { upload: await upload(csvText(10)) },
          testShare: 0.2,
        }),
      /^params\.name: a dataset with id 'user-base' exists already/,
    ],
    [
      'a project whose bundle is a model (upload)',
      async () =>
        client.importProject({ json: { upload: await upload('{"format":"mbh-model"}') } }),
      /^project\.format: must be "mbh-project-bundle"$/,
    ],
  ];

  it.each(failures)(
    '%s: one clear error, nothing stored changes, no upload left',
    async (_, attempt, message) => {
      const before = snapshotLab(home);
      const error = await attempt().then(
        () => null,
        (caught: unknown) => caught as Error,
      );
      expect(error).not.toBeNull();
      expect(error!.message).toMatch(message);
      expect(error!.message).not.toContain('\n');
      expect(snapshotLab(home)).toEqual(before);
      expect(uploadsLeft()).toEqual([]);
    },
  );
});

describe('exports as files', () => {
  it('serves a project export once as a download with a descriptive name', async () => {
    const saved = await client.exportToFile({ what: 'project', id: projectId, to: 'download' });
    expect(saved).toMatchObject({
      fileName: 'Spirals-two.mbh-project.json',
      bytes: Buffer.byteLength(projectJson),
    });
    const reply = await send('GET', `/download/${saved.download}`, { headers: authorised() });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toBe(
      `attachment; filename="Spirals-two.mbh-project.json"; filename*=UTF-8''Spirals-two.mbh-project.json`,
    );
    expect(reply.headers['content-length']).toBe(String(saved.bytes));
    expect(reply.body).toBe(projectJson);
    // Served once: the file is gone.
    await expect(
      send('GET', `/download/${saved.download}`, { headers: authorised() }),
    ).resolves.toMatchObject({ status: 404 });
    expect(readdirSync(join(home, 'transfers', 'downloads'))).toEqual([]);
  });

  it('refuses a download without the token', async () => {
    const saved = await client.exportToFile({ what: 'project', id: projectId, to: 'download' });
    expect(
      await send('GET', `/download/${saved.download}`, {
        headers: { Host: `127.0.0.1:${server.port}` },
      }),
    ).toMatchObject({ status: 401 });
  });

  it('writes to a path in process, and refuses a path over the socket', async () => {
    const path = join(files, 'project.json');
    const saved = await lab.exportToFile({ what: 'project', id: projectId, to: { path } });
    expect(saved).toEqual({ fileName: 'Spirals-two.mbh-project.json', bytes: saved.bytes, path });
    const again = await lab.importProject({ json: { path } });
    expect(again.name).toBe('Spirals ✓ "two"');
    await expect(
      client.exportToFile({ what: 'project', id: projectId, to: { path } }),
    ).rejects.toThrow(/^params\.to\.path: files are not named by path/);
  });
});

describe('the command line', () => {
  it('imports a CSV over the inline limit by path, naming the file as for a small one', async () => {
    // About 5 MiB: over the 4 Mi characters an import call carries inline.
    const rows = Math.ceil((INLINE_CONTENT_CHARACTERS * 1.2) / 24);
    const lines = ['a,b,label'];
    for (let i = 0; i < rows; i++)
      lines.push(`${(i % 97) / 7},${Math.cos(i).toFixed(12)},${i % 2}`);
    const big = join(files, 'big.csv');
    writeFileSync(big, lines.join('\n'));
    const imported = await mbh('data', 'import', big, '--name', 'big', '--json');
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toEqual({
      id: 'user-big',
      name: 'big',
      classes: 2,
      train: rows - Math.round(rows * 0.2),
      test: Math.round(rows * 0.2),
    });
    const bad = join(files, 'bad.csv');
    writeFileSync(bad, [...lines, '1,x,0'].join('\n'));
    const before = snapshotLab(cliHome.dir);
    const refused = await mbh('data', 'import', bad, '--name', 'bad');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(
      `mbh-lab data: bad.csv: row ${rows + 2}, column 'b': 'x' is not a number\n`,
    );
    expect(snapshotLab(cliHome.dir)).toEqual(before);
  });
});
