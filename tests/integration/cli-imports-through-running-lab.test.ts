/**
 * Imports from the command line while a lab serves the zoo (issue 7 §3): the command is
 * a client of the running lab's hub endpoint, whose messages are limited to 4 MiB, so
 * files go by path (the lab is on this machine) and never inside a message. `zoo import`
 * of an ONNX file over that limit and of a tfjs model.json with its shard beside it, and
 * `data import` of a CSV whose JSON-encoded text would be over the limit (newlines become
 * two characters), all land in the served lab, which the page's socket then lists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type LabClient } from '../../src-shared/api/client.ts';
import { CALL_MESSAGE_BYTES } from '../../src-shared/api/lab-limits.ts';
import {
  createWebSocketTransport,
  type SocketLike,
} from '../../src-shared/api/websocket-transport.ts';
import { writeOnnx } from '../../src-shared/model/formats/onnx.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import { Random } from '../../src-shared/model/random.ts';
import { FORMATS } from '../unit/model-formats-support.ts';
import { run, type Finished } from './processes.ts';

const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mbh-hub-imports-'));
const zooFile = join(dir, 'zoo.sqlite');
const env = { ...process.env, MBH_LAB_HOME: dir };

let serve: ChildProcess;
let serveStderr = '';
let gui: LabClient;
let closeGui: () => void;

function cli(...args: string[]): Promise<Finished> {
  return run(process.execPath, [cliPath, ...args, '--zoo', zooFile], { env });
}

/** A command's --json answer; it must have gone through the running lab, not around it. */
function answer<T>(finished: Finished): T {
  expect(finished.stderr).toBe('');
  expect(finished.status).toBe(0);
  return JSON.parse(finished.stdout) as T;
}

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

/** A 784-1500-10 network with float32 weights: its ONNX file is about 4.5 MiB. */
function wideNetwork(): Network {
  const random = Random.create(3);
  const layer = (inDim: number, outDim: number, activation: 'relu' | 'linear'): DenseLayer => ({
    inDim,
    outDim,
    weights: Float64Array.from(
      Float32Array.from({ length: inDim * outDim }, () => (random.nextFloat() - 0.5) / 8),
    ),
    bias: Float64Array.from(Float32Array.from({ length: outDim }, () => random.nextFloat())),
    activation,
  });
  return { inputDim: 784, layers: [layer(784, 1500, 'relu'), layer(1500, 10, 'linear')] };
}

beforeAll(async () => {
  serve = spawn(
    process.execPath,
    [cliPath, 'serve', '--zoo', zooFile, '--port', '0', '--json', '--workers', '1'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  serve.stderr!.on('data', (chunk: Buffer) => (serveStderr += chunk.toString('utf8')));
  const served = JSON.parse(await firstLine(serve)) as { port: number; token: string };
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
  await gui.info({});
});

afterAll(() => {
  closeGui?.();
  if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('imports from the command line through a running lab', () => {
  it('zoo import sends a model file over the message limit by path', async () => {
    const onnx = writeOnnx(wideNetwork());
    expect(onnx.byteLength).toBeGreaterThan(CALL_MESSAGE_BYTES);
    const file = join(dir, 'wide.onnx');
    writeFileSync(file, onnx);
    const model = answer<{ id: number; hidden: number[]; source: { format: string } }>(
      await cli('zoo', 'import', file, '--dataset', 'mnist', '--json'),
    );
    expect(model).toMatchObject({ hidden: [1500], source: { format: 'onnx' } });
    expect((await gui.listModels({})).map((listed) => listed.id)).toContain(model.id);
  });

  it('zoo import sends a tfjs model.json and the shard beside it by path', async () => {
    const folder = join(dir, 'tfjs');
    mkdirSync(folder);
    for (const name of ['model.json', 'group1-shard1of1.bin'])
      copyFileSync(join(FORMATS, 'tfjs-dense-relu', name), join(folder, name));
    const model = answer<{ id: number; source: { format: string; fileName: string } }>(
      await cli('zoo', 'import', join(folder, 'model.json'), '--json'),
    );
    expect(model.source).toMatchObject({ format: 'tfjs', fileName: 'model.json' });
    expect((await gui.getModelSource({ id: model.id }))?.format).toBe('tfjs');
  });

  it('data import sends a CSV by path when its encoded text would not fit in a message', async () => {
    // 3.9 Mi characters (under the 4 Mi an import may carry inline), 4.9 MiB as JSON.
    const rows = Math.floor((3.9 * 1024 * 1024) / 4);
    const lines = ['a,label', ...Array.from({ length: rows }, (_, i) => `${i % 7},${i % 2}`)];
    const text = lines.join('\n');
    expect(JSON.stringify(text).length).toBeGreaterThan(CALL_MESSAGE_BYTES);
    const file = join(dir, 'long.csv');
    writeFileSync(file, text);
    const imported = answer<{ id: string; train: number; test: number }>(
      await cli('data', 'import', file, '--name', 'long', '--json'),
    );
    expect(imported).toMatchObject({ id: 'user-long' });
    expect(imported.train + imported.test).toBe(rows);
    expect((await gui.listDatasets({})).map((dataset) => dataset.id)).toContain('user-long');
  });
});
