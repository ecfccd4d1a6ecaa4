/**
 * Model files travel as files, not inside api messages (issue 7 §3): through the
 * browser-mode server a model file is uploaded (POST /upload) and importModelFile names
 * it by upload id; a model larger than the 4 MiB message limit imports so and stores the
 * same weights as an in-process import by path; a tfjs model.json comes with its shard as
 * a second upload. A raw message over 4 MiB, whatever its method, gets the TooLarge error
 * and the server goes on. Bad references (an unknown upload id, a path over the browser's
 * socket, a missing shard) each give one clear error, change nothing stored and leave no
 * upload behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../../src-shared/api/codec.ts';
import { CALL_MESSAGE_BYTES } from '../../src-shared/api/lab-limits.ts';
import { readOnnx, writeOnnx } from '../../src-shared/model/formats/onnx.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import { Random } from '../../src-shared/model/random.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { createClient, type LabClient } from '../../src-renderer/src/api/client.ts';
import { createWebSocketTransport, type SocketLike } from '../../src-renderer/src/api/websocket.ts';
import { FORMATS } from '../unit/model-formats-support.ts';
import { snapshotLab } from './lab-snapshot.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-model-uploads-'));
const staticDir = mkdtempSync(join(tmpdir(), 'mbh-model-uploads-static-'));
const files = mkdtempSync(join(tmpdir(), 'mbh-model-uploads-files-'));
const tfjsDir = join(FORMATS, 'tfjs-dense-relu');
let lab: LabService;
let server: RunningServer;
let transport: ReturnType<typeof createWebSocketTransport>;
let client: LabClient;
let projectId: number;

/** A 784-1500-10 network with float32 weights: its ONNX file is about 4.5 MiB. */
function wideNetwork(): Network {
  const random = Random.create(7);
  const layer = (inDim: number, outDim: number, activation: 'relu' | 'linear'): DenseLayer => ({
    inDim,
    outDim,
    weights: Float64Array.from(
      Float32Array.from({ length: inDim * outDim }, () => (random.nextFloat() - 0.5) / 8),
    ),
    bias: Float64Array.from(Float32Array.from({ length: outDim }, () => random.nextFloat() - 0.5)),
    activation,
  });
  return { inputDim: 784, layers: [layer(784, 1500, 'relu'), layer(1500, 10, 'linear')] };
}

function post(body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/upload',
        headers: {
          Cookie: `mbh_lab_token=${server.token}`,
          Host: `127.0.0.1:${server.port}`,
          'Content-Type': 'application/octet-stream',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.on('error', reject);
    for (let at = 0; at < body.length; at += 64 * 1024)
      request.write(body.subarray(at, at + 64 * 1024));
    request.end();
  });
}

/** Uploads a file's bytes as the page does; its upload id. */
async function upload(bytes: Uint8Array): Promise<string> {
  const reply = await post(Buffer.from(bytes));
  expect(reply.status).toBe(201);
  return (JSON.parse(reply.body) as { upload: string }).upload;
}

/**
 * What the lab has stored (snapshotLab), each blob by its SHA-256: the zoo holds two
 * 4.5 MiB checkpoints, which a deep comparison would walk byte by byte.
 */
function stored() {
  const { tables, files } = snapshotLab(home);
  const digest = (value: unknown) =>
    value instanceof Uint8Array ? createHash('sha256').update(value).digest('hex') : value;
  const rows = (list: unknown[]) =>
    list.map((row) =>
      Object.fromEntries(Object.entries(row as object).map(([key, value]) => [key, digest(value)])),
    );
  return {
    tables: Object.fromEntries(Object.entries(tables).map(([name, list]) => [name, rows(list)])),
    files,
  };
}

const uploadsLeft = () =>
  existsSync(join(home, 'transfers', 'uploads'))
    ? readdirSync(join(home, 'transfers', 'uploads'))
    : [];

/** A digest of each layer's weights and biases (float64 bytes): equal digests, equal numbers. */
function digests(network: Network): string[] {
  return network.layers.map((layer) =>
    createHash('sha256')
      .update(
        new Uint8Array(layer.weights.buffer, layer.weights.byteOffset, layer.weights.byteLength),
      )
      .update(new Uint8Array(layer.bias.buffer, layer.bias.byteOffset, layer.bias.byteLength))
      .digest('hex'),
  );
}

/** The digests of a model's stored network (its last checkpoint, exported and read back). */
async function storedDigests(modelId: number): Promise<string[]> {
  const file = await lab.exportModelFile({ id: modelId, format: 'onnx' });
  return digests(readOnnx(file.bytes).network);
}

beforeAll(async () => {
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MBH Lab</title>');
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  projectId = (await lab.createProject({ name: 'uploads', description: '' })).id;
  server = await startServer({ service: lab, staticDir, home });
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

describe('model files by upload over the browser-mode server', () => {
  it('imports a model over the message limit by upload, with the weights of an import by path', async () => {
    const network = wideNetwork();
    const onnx = writeOnnx(network);
    expect(onnx.byteLength).toBeGreaterThan(CALL_MESSAGE_BYTES);
    const path = join(files, 'wide.onnx');
    writeFileSync(path, onnx);

    const id = await upload(onnx);
    const uploaded = await client.importModelFile({
      projectId,
      files: [{ name: 'wide.onnx', source: { upload: id } }],
      datasetId: 'mnist',
      maskZeros: false,
    });
    expect(uploaded.model).toMatchObject({ name: 'wide', hidden: [1500], datasetId: 'mnist' });
    expect(uploaded.source).toMatchObject({ format: 'onnx', fileName: 'wide.onnx' });
    expect(uploadsLeft()).toEqual([]);

    const byPath = await lab.importModelFile({
      projectId,
      files: [{ name: 'wide.onnx', source: { path } }],
      datasetId: 'mnist',
      maskZeros: false,
    });
    expect(byPath.source.sha256).toBe(uploaded.source.sha256);
    const stored = await storedDigests(uploaded.model.id);
    expect(await storedDigests(byPath.model.id)).toEqual(stored);
    // And they are the generated network's (float32) numbers.
    expect(stored).toEqual(digests(network));
  });

  it('imports a tfjs model.json and its weight shard as two uploads', async () => {
    const modelJson = readFileSync(join(tfjsDir, 'model.json'));
    const shard = readFileSync(join(tfjsDir, 'group1-shard1of1.bin'));
    const { model, source } = await client.importModelFile({
      projectId,
      files: [
        { name: 'model.json', source: { upload: await upload(modelJson) } },
        { name: 'group1-shard1of1.bin', source: { upload: await upload(shard) } },
      ],
      maskZeros: false,
    });
    expect(model).toMatchObject({ datasetId: 'xor', hidden: [5, 4] });
    expect(source).toMatchObject({ format: 'tfjs', fileName: 'model.json' });
    const inProcess = await lab.importModelFile({
      projectId,
      files: [
        { name: 'model.json', source: { path: join(tfjsDir, 'model.json') } },
        { name: 'group1-shard1of1.bin', source: { path: join(tfjsDir, 'group1-shard1of1.bin') } },
      ],
      maskZeros: false,
    });
    expect(await storedDigests(model.id)).toEqual(await storedDigests(inProcess.model.id));
    expect(uploadsLeft()).toEqual([]);
  });

  it('answers a raw message over 4 MiB with TooLarge, whatever the method, and goes on', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const replies: { seq: number; ok: boolean; error?: { name: string; message: string } }[] = [];
    socket.on('message', (data) => replies.push(decodeMessage(String(data)) as never));
    // A model's bytes inline, as clients did before files went by upload: 4.5 MiB.
    socket.send(
      encodeMessage({
        type: 'call',
        seq: 1,
        method: 'importModelFile',
        params: { projectId, fileName: 'wide.onnx', bytes: 'x'.repeat(4.5 * 1024 * 1024) },
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
        message:
          'the message is too large: 4.5 MiB, over the 4 MiB limit for a importModelFile call',
      },
    });
    expect(replies[1]).toMatchObject({ seq: 2, ok: true });
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
    expect((await client.listProjects({})).map((project) => project.name)).toEqual(['uploads']);
  });

  const failures: [string, () => Promise<unknown>, string][] = [
    [
      'an unknown upload id',
      () =>
        client.importModelFile({
          projectId,
          files: [{ name: 'net.onnx', source: { upload: 'f'.repeat(32) } }],
          maskZeros: false,
        }),
      `params.files[0].source.upload: no upload ${'f'.repeat(32)}: it was used by an earlier import or expired; upload the file again`,
    ],
    [
      'a relative path (refused by the contract, before anything is sent)',
      () =>
        client.importModelFile({
          projectId,
          files: [{ name: 'net.onnx', source: { path: 'net.onnx' } }],
          maskZeros: false,
        }),
      'params.files[0].source.path: must be absolute, got "net.onnx"',
    ],
    [
      "a shard named by path beside an upload (the lab's own file)",
      async () =>
        client.importModelFile({
          projectId,
          files: [
            {
              name: 'model.json',
              source: { upload: await upload(readFileSync(join(tfjsDir, 'model.json'))) },
            },
            {
              name: 'group1-shard1of1.bin',
              source: { path: join(tfjsDir, 'group1-shard1of1.bin') },
            },
          ],
          maskZeros: false,
        }),
      "params.files[1].source.path: files are not named by path over the browser's connection; upload the file (POST /upload) and give { upload: id }",
    ],
    [
      'a tfjs model.json uploaded without its shard',
      async () =>
        client.importModelFile({
          projectId,
          files: [
            {
              name: 'model.json',
              source: { upload: await upload(readFileSync(join(tfjsDir, 'model.json'))) },
            },
          ],
          maskZeros: false,
        }),
      'params.files[0]: model.json: tfjs: weight file group1-shard1of1.bin is missing: give it with model.json',
    ],
    [
      'a shard whose upload id is unknown, after a good model.json upload',
      async () =>
        client.importModelFile({
          projectId,
          files: [
            {
              name: 'model.json',
              source: { upload: await upload(readFileSync(join(tfjsDir, 'model.json'))) },
            },
            { name: 'group1-shard1of1.bin', source: { upload: '0'.repeat(32) } },
          ],
          maskZeros: false,
        }),
      `params.files[1].source.upload: no upload ${'0'.repeat(32)}: it was used by an earlier import or expired; upload the file again`,
    ],
  ];

  it.each(failures)(
    '%s: one clear error, nothing stored changes, no upload left',
    async (_, attempt, message) => {
      const before = stored();
      const uploads = uploadsLeft();
      const error = await attempt().then(
        () => null,
        (caught: unknown) => caught as Error,
      );
      expect(error?.message).toBe(message);
      expect(stored()).toEqual(before);
      // The socket refuses a path before the lab sees the call: that call's upload is left
      // to expire (an hour); every other import removes its uploads, whatever the outcome.
      const added = message.includes('not named by path') ? 1 : 0;
      expect(uploadsLeft().length).toBe(uploads.length + added);
    },
  );
});
