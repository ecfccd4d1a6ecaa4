/**
 * Fuzz: every api method gets malformed payloads, through the real lab service on a
 * temporary zoo, and a sample of them through the browser-mode server's WebSocket. Every
 * payload the contract refuses must be refused with one clear error: one line, naming
 * the field (`params.…`), at most ERROR_LIMIT characters, the same error the contract
 * gives; payloads that pass the contract but name things that do not exist must be
 * refused naming what is missing. Nothing crashes or hangs, and the zoo's tables and the
 * data folder are byte-identical after every refusal. Seeded: the same cases every run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { methods, parseParams, type MethodName } from '../../src-shared/api/contract.ts';
import { decode, encode } from '../../src-shared/api/codec.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { fuzzRandom, mutate } from './fuzz-payloads.ts';
import { snapshotLab, type LabSnapshot } from './lab-snapshot.ts';

/** Payloads per method through the service, and through the WebSocket in all. */
const CASES_PER_METHOD = 40;
const SOCKET_CASES = 200;
/** The longest error message a refusal may have. */
const ERROR_LIMIT = 400;

const home = mkdtempSync(join(tmpdir(), 'mbh-api-fuzz-'));
const staticDir = mkdtempSync(join(tmpdir(), 'mbh-api-fuzz-static-'));
let lab: LabService;
let server: RunningServer;
const ids = { project: 0, model: 0, checkpoint: 0, planeSet: 0, experiment: 0 };

const figure32 = readFileSync(
  new URL('../fixtures/engine/fig32.model.json', import.meta.url),
  'utf8',
);

function csv(rows: number): string {
  const lines = ['a,b,label'];
  for (let row = 0; row < rows; row++) lines.push(`${row % 2},${Math.sin(row)},${row % 2}`);
  return lines.join('\n');
}

beforeAll(async () => {
  // The scheduler is not started: a call that queues a job cannot start heavy work.
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  ids.project = (await lab.createProject({ name: 'fuzz', description: '' })).id;
  await lab.importDataset({ name: 'Fuzz data', format: 'csv', csv: csv(20), testShare: 0.25 });
  const model = await lab.importModel({ projectId: ids.project, json: figure32, datasetId: 'xor' });
  ids.model = model.id;
  ids.checkpoint = (await lab.getModel({ id: model.id })).checkpoints[0].id;
  ids.planeSet = (
    await lab.createPlaneSet({ datasetId: 'xor', count: 2, seed: 1, clip: false })
  ).id;
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MBH Lab</title>');
  server = await startServer({ service: lab, staticDir });
});

afterAll(async () => {
  await server?.close();
  await lab?.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
  rmSync(staticDir, { recursive: true, force: true });
});

const spec = () => ({
  name: 'fuzz sweep',
  family: 'custom',
  hiddenNeurons: [4],
  customWidths: [[4, 2]],
  seeds: [1],
  datasets: ['xor'],
  iterations: 10,
  planeCount: 2,
  cps: [0.8, 1],
});

/** A valid call of each method the fixture can make; others start from {}. */
function example(method: MethodName): Record<string, unknown> {
  const known: Partial<Record<MethodName, Record<string, unknown>>> = {
    importDataset: { name: 'fuzzed', format: 'csv', csv: csv(10), testShare: 0.2 },
    deleteDataset: { id: 'user-fuzz-data' },
    createProject: { name: 'p', description: 'd' },
    renameProject: { id: ids.project, name: 'q' },
    setProjectNotes: { id: ids.project, notes: 'n' },
    deleteProject: { id: ids.project },
    exportProject: { id: ids.project },
    importProject: { json: '{}' },
    planExperiment: { spec: spec() },
    createExperiment: { projectId: ids.project, spec: spec(), launch: false },
    listExperiments: { projectId: ids.project },
    renameExperiment: { id: 1, name: 'e' },
    deleteExperiment: { id: 1 },
    listModels: { projectId: ids.project, search: 'x', tag: 't' },
    getModel: { id: ids.model },
    renameModel: { id: ids.model, name: 'm' },
    setModelNotes: { id: ids.model, notes: 'n' },
    setModelTags: { id: ids.model, tags: ['a', 'b'] },
    deleteModel: { id: ids.model },
    exportModel: { id: ids.model, iteration: 0 },
    exportToFile: { what: 'model', id: ids.model, iteration: 0, to: 'download' },
    importModel: { projectId: ids.project, json: figure32, name: 'n', datasetId: 'xor' },
    importModelFile: {
      projectId: ids.project,
      files: [
        { name: 'model.json', source: { upload: '0'.repeat(32) } },
        { name: 'group1-shard1of1.bin', source: { upload: '1'.repeat(32) } },
      ],
      datasetId: 'xor',
      maskZeros: false,
    },
    getMaskHeatmap: { modelId: ids.model },
    trainModel: {
      projectId: ids.project,
      family: 'custom',
      hidden: [4],
      density: 0.5,
      seed: 1,
      datasetId: 'xor',
      iterations: 10,
      pruning: { kind: 'iterative', rate: 0.5, rounds: 2 },
    },
    listPlaneSets: { datasetId: 'xor' },
    createPlaneSet: { datasetId: 'xor', count: 2, seed: 1, clip: false },
    getSpanningImages: { planeSetId: ids.planeSet, plane: 0 },
    getPartition: { checkpointId: ids.checkpoint, planeSetId: ids.planeSet, plane: 0 },
    getBlanket: {
      checkpointId: ids.checkpoint,
      planeSetId: ids.planeSet,
      plane: 0,
      phenomenon: 'class 0',
      cp: 0.9,
      scope: 'last',
    },
    getBlankets: {
      checkpointId: ids.checkpoint,
      planeSetId: ids.planeSet,
      plane: 0,
      phenomena: ['class 0'],
      cps: [0.9, 1],
    },
    measureModel: { modelId: ids.model, planeSetId: ids.planeSet, allCheckpoints: true },
    listJobs: { experimentId: 1, state: 'queued' },
    pauseJob: { id: 1 },
    resumeJob: { id: 1 },
    cancelJob: { id: 1 },
    retryJob: { id: 1 },
    compare: { projectId: ids.project, modelIds: [ids.model], planeSetId: ids.planeSet },
  };
  return known[method] ?? {};
}

/** The contract's refusal of a payload, or null when it accepts it. */
function contractRefusal(method: MethodName, params: unknown): ValidationError | null {
  try {
    parseParams(method, params);
    return null;
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
}

function checkShape(error: unknown, label: string): Error {
  expect(error, label).toBeInstanceOf(Error);
  const { message } = error as Error;
  expect(message, label).not.toContain('\n');
  expect(message.length, `${label}: ${message.slice(0, 200)}`).toBeLessThanOrEqual(ERROR_LIMIT);
  return error as Error;
}

async function outcome(
  call: Promise<unknown>,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  return call.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

const methodNames = Object.keys(methods) as MethodName[];

describe('api fuzz through the lab service', () => {
  it('refuses every malformed payload of every method with the contract error, changing nothing', async () => {
    const random = fuzzRandom('api-service');
    let current: LabSnapshot = snapshotLab(home);
    const refusedPer = new Map<MethodName, number>();
    for (const method of methodNames) {
      const base = example(method);
      for (let i = 0; i < CASES_PER_METHOD; i++) {
        const mutation = mutate(random, base);
        const expected = contractRefusal(method, mutation.value);
        // A payload the contract accepts is a valid call, not a malformed one: skip it.
        if (expected === null) continue;
        const label = `${method}: ${mutation.label}`;
        const call = (lab[method] as (params: unknown) => Promise<unknown>).call(
          lab,
          mutation.value,
        );
        const result = await outcome(call);
        expect(result.ok, label).toBe(false);
        const error = checkShape((result as { error: unknown }).error, label);
        expect(error, label).toBeInstanceOf(ValidationError);
        expect(error.message, label).toBe(expected.message);
        expect((error as ValidationError).path, label).toMatch(/^params(\.|\[|$)/);
        refusedPer.set(method, (refusedPer.get(method) ?? 0) + 1);
      }
      // Checked once per method: every call above was refused, so nothing may have moved.
      const now = snapshotLab(home);
      expect(now, `after ${method}`).toEqual(current);
      current = now;
    }
    for (const method of methodNames) {
      expect(refusedPer.get(method) ?? 0, method).toBeGreaterThanOrEqual(CASES_PER_METHOD / 4);
    }
  });

  it('refuses well-formed calls that name missing things, naming them, changing nothing', async () => {
    const before = snapshotLab(home);
    const missing: [MethodName, Record<string, unknown>, RegExp][] = [
      ['deleteDataset', { id: 'user-nope' }, /^params\.id: no imported dataset "user-nope"/],
      ['deleteDataset', { id: 'xor' }, /^params\.id: xor is a built-in dataset/],
      ['renameProject', { id: 999_999, name: 'x' }, /^no project with id 999999$/],
      ['deleteProject', { id: 999_999 }, /^no project with id 999999$/],
      ['getModel', { id: 999_999 }, /^no model with id 999999$/],
      ['deleteModel', { id: 999_999 }, /^no model with id 999999$/],
      ['importModel', { projectId: 999_999, json: figure32 }, /^no project with id 999999$/],
      [
        'importModel',
        { projectId: ids.project, json: figure32, datasetId: 'nope' },
        /^params\.datasetId: unknown dataset "nope"/,
      ],
      [
        'importModel',
        { projectId: ids.project, json: `{"format": "mbh-model", "x": ${'['.repeat(3000)}` },
        /^params\.json: is not valid JSON/,
      ],
      ['importProject', { json: 'not json' }, /^params\.json: is not valid JSON/],
      [
        'importModelFile',
        { projectId: 999_999, files: [{ name: 'n.onnx', source: { upload: '0'.repeat(32) } }] },
        /^no project with id 999999$/,
      ],
      [
        'importModelFile',
        { projectId: ids.project, files: [{ name: 'n.onnx', source: { upload: '0'.repeat(32) } }] },
        /^params\.files\[0\]\.source\.upload: no upload 0{32}: it was used by an earlier import or expired/,
      ],
      [
        'importModelFile',
        {
          projectId: ids.project,
          files: [{ name: 'n.onnx', source: { path: join(home, 'n.onnx') } }],
        },
        /^params\.files\[0\]: n\.onnx: cannot read \/.*n\.onnx: no such file$/,
      ],
      [
        'importProject',
        { json: '{"format": "mbh-project-bundle", "version": 1, "__proto__": {}}' },
        /^project\./,
      ],
      [
        'importDataset',
        { name: 'Fuzz data', format: 'csv', csv: csv(10) },
        /^params\.name: a dataset with id 'user-fuzz-data' exists already/,
      ],
      [
        'importDataset',
        { name: '!!!', format: 'csv', csv: csv(10) },
        /^params\.name: dataset name '!!!' needs at least one letter or digit$/,
      ],
      [
        'importDataset',
        { name: 'no data', format: 'idx' },
        /^params\.images: an IDX import needs the images file/,
      ],
      [
        'createPlaneSet',
        { datasetId: 'nope', count: 1, seed: 0 },
        /^params\.datasetId: unknown dataset "nope"/,
      ],
      [
        'getPartition',
        { checkpointId: 999_999, planeSetId: ids.planeSet, plane: 0 },
        /^no checkpoint with id 999999$/,
      ],
      [
        'getPartition',
        { checkpointId: ids.checkpoint, planeSetId: 999_999, plane: 0 },
        /^no plane set with id 999999$/,
      ],
      [
        'getPartition',
        { checkpointId: ids.checkpoint, planeSetId: ids.planeSet, plane: 99 },
        /^params\.plane: /,
      ],
      [
        'measureModel',
        { modelId: ids.model, planeSetId: 999_999 },
        /^no plane set with id 999999$/,
      ],
      ['cancelJob', { id: 999_999 }, /^no job with id 999999$/],
      [
        'trainModel',
        { projectId: ids.project, family: 'custom', hidden: [4], datasetId: 'nope', iterations: 1 },
        /^params\.datasetId: unknown dataset "nope"/,
      ],
      [
        'createExperiment',
        { projectId: ids.project, spec: { ...spec(), datasets: ['x'.repeat(100)] } },
        /^params\.spec\.datasets\[0\]: unknown dataset "x{80}"… \(100 characters\)/,
      ],
    ];
    for (const [method, params, message] of missing) {
      const label = `${method} ${JSON.stringify(params).slice(0, 120)}`;
      const result = await outcome(
        (lab[method] as (p: unknown) => Promise<unknown>).call(lab, params),
      );
      expect(result.ok, label).toBe(false);
      const error = checkShape((result as { error: unknown }).error, label);
      expect(error.message, label).toMatch(message);
      expect(snapshotLab(home), label).toEqual(before);
    }
  });
});

/** One WebSocket client speaking the raw wire protocol. */
async function rawSocket(): Promise<{
  send(text: string | Buffer): void;
  next(): Promise<Record<string, unknown>>;
  close(): void;
}> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const queue: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return; // results of this test's calls come as text
    const message = decode(data.toString('utf8')) as Record<string, unknown>;
    if (message.type !== 'result') return; // events
    const resolve = waiting.shift();
    if (resolve) resolve(message);
    else queue.push(message);
  });
  return {
    send: (text) => socket.send(text),
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : new Promise((resolve) => waiting.push(resolve)),
    close: () => socket.close(),
  };
}

describe('api fuzz through the browser-mode server', () => {
  it('answers a sample of malformed calls with the contract error and stays up', async () => {
    const random = fuzzRandom('api-socket');
    const socket = await rawSocket();
    const before = snapshotLab(home);
    let sent = 0;
    let seq = 1000;
    while (sent < SOCKET_CASES) {
      const method = methodNames[random.nextInt(methodNames.length)];
      const mutation = mutate(random, example(method));
      // JSON has no NaN, Infinity or undefined: send what the wire can carry (plain JSON:
      // the payloads hold no typed arrays, and the codec's replacer recurses too deep).
      const text = JSON.stringify({ type: 'call', seq: ++seq, method, params: mutation.value });
      const params = (JSON.parse(text) as { params: unknown }).params;
      const expected = contractRefusal(method, params);
      if (expected === null) continue;
      sent++;
      socket.send(text);
      const reply = await socket.next();
      const label = `${method}: ${mutation.label}`;
      expect(reply, label).toMatchObject({ type: 'result', seq, ok: false });
      const error = reply.error as { name: string; message: string; path?: string };
      // A message too large for the socket, or nested too deep for its decoder, is refused
      // as such before the contract sees it.
      if (error.name !== 'TooLarge' && error.name !== 'BadMessage') {
        expect(error, label).toEqual({
          name: 'ValidationError',
          message: expected.message,
          path: expected.path,
        });
      }
      expect(error.message.length, label).toBeLessThanOrEqual(ERROR_LIMIT);
      expect(error.message, label).not.toContain('\n');
    }
    // Frames that are not calls at all.
    const frames: (string | Buffer)[] = [
      'not json',
      '{"type": "call"}',
      '{"type": "call", "seq": "one", "method": "info", "params": {}}',
      '{"type": "call", "seq": 1, "method": "toString", "params": {}}',
      '{"type": "call", "seq": 2, "method": "constructor", "params": {}}',
      `{"type": "call", "seq": 3, "method": "${'m'.repeat(100_000)}", "params": {}}`,
      `{"type": "call", "seq": 4, "method": "info", "params": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      '{"type": "call", "seq": 5, "method": "info", "params": {"__proto__": {"polluted": true}}}',
      Buffer.from([0xff, 0x00, 0x13, 0x37, 0xde, 0xad]),
      '[]',
      'null',
    ];
    for (const frame of frames) socket.send(frame);
    // Each frame is refused (with seq 0 where it has none) or dropped; none takes the server down.
    // A read-only call behind them shows the server still answers.
    socket.send(encode({ type: 'call', seq: 42, method: 'listProjects', params: {} }));
    let answer = await socket.next();
    const refusals: Record<string, unknown>[] = [];
    while (answer.seq !== 42) {
      refusals.push(answer);
      answer = await socket.next();
    }
    expect(answer).toMatchObject({ type: 'result', seq: 42, ok: true });
    for (const refusal of refusals) {
      const error = refusal.error as { message: string };
      expect(refusal.ok).toBe(false);
      expect(error.message.length).toBeLessThanOrEqual(ERROR_LIMIT);
      expect(error.message).not.toContain('\n');
    }
    // The 20,000-deep frame is too deep for the decoder, and the refusal says so.
    expect(refusals.map((refusal) => (refusal.error as { message: string }).message)).toContain(
      'the message is nested too deeply to read',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    socket.close();
    expect(snapshotLab(home)).toEqual(before);
  });

  it('answers a malformed %-escape in a URL with 400 and the security headers', async () => {
    for (const path of ['/%E0%A4%A', '/%', '/%zz/index.html', '/assets/%C0%AF']) {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}?token=${server.token}`);
      expect(response.status, path).toBe(400);
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'self'");
      expect(await response.text()).toBe('bad request: the path has a malformed %-escape');
    }
    const page = await fetch(server.openUrl);
    expect(page.status).toBe(200);
  });
});
