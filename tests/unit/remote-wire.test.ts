/**
 * What crosses Redis between a hub and its remote workers: a run's messages survive the
 * binary encoding bit for bit, and a message the hub did not get from a well-behaved
 * worker is refused naming the field, before anything is written. Redis URLs are checked
 * and their passwords never printed; a job's line says which remote worker ran it.
 */
import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { describeJob } from '../../src-main/cli/progress.ts';
import { checkRedisUrl, redactRedisUrl } from '../../src-main/remote/connection.ts';
import { RemoteKeys } from '../../src-main/remote/keys.ts';
import {
  decodeMessage,
  decodeResume,
  encodeMessage,
  encodeResume,
  validateRunData,
  validateRunMessage,
} from '../../src-main/remote/wire.ts';
import type { ResumeState } from '../../src-main/train/spec.ts';

const layers = [
  {
    inDim: 2,
    outDim: 3,
    weights: Float32Array.from([0.1, -0.2, 0.3, 1e-38, -0, Math.PI]),
    bias: Float32Array.from([0, 1, -1]),
    mask: Uint8Array.from([1, 1, 1, 1, 0, 1]),
  },
  {
    inDim: 3,
    outDim: 2,
    weights: new Float32Array(6).fill(0.5),
    bias: new Float32Array(2),
    mask: null,
  },
];

const state: ResumeState = {
  format: 'mbh-resume',
  version: 1,
  specKey: 'key',
  step: 40,
  layers,
  adam: layers.map((layer) => ({
    weights: [layer.weights.map((v) => v / 2), layer.weights.map((v) => v * v)],
    bias: [layer.bias.slice(), layer.bias.slice()],
  })),
  lossSum: 1.25,
  lossCount: 40,
  evaluations: [{ iteration: 0, validationAccuracy: 0.5, validationLoss: 0.69, trainLoss: null }],
};

describe('run messages over Redis', () => {
  it('round-trips a snapshot and a checkpoint bit for bit', () => {
    const snapshot = decodeMessage(encodeMessage({ type: 'snapshot', state }));
    expect(snapshot).toEqual({ type: 'snapshot', state });
    if (snapshot.type !== 'snapshot') throw new Error('not a snapshot');
    expect(Object.is(snapshot.state.layers[0].weights[4], -0)).toBe(true);
    expect(decodeResume(encodeResume(state))).toEqual(state);
    const checkpoint = { type: 'checkpoint' as const, iteration: 40, layers };
    expect(decodeMessage(encodeMessage(checkpoint))).toEqual(checkpoint);
  });

  it('sends typed arrays as bytes, not JSON numbers', () => {
    const big = new Float32Array(10_000).map((_, i) => Math.sin(i));
    const bytes = encodeMessage({
      type: 'checkpoint',
      iteration: 1,
      layers: [{ inDim: 100, outDim: 100, weights: big, bias: new Float32Array(100), mask: null }],
    });
    expect(bytes.length).toBeLessThan(big.byteLength + 100 * 4 + 1024);
  });

  it('refuses malformed messages naming the field', () => {
    expect(() =>
      validateRunMessage({
        type: 'checkpoint',
        iteration: 3,
        layers: [{ ...layers[0], weights: new Float32Array(5) }],
      }),
    ).toThrow('remote checkpoint.layers[0].weights: must be 6 float32 values');
    expect(() =>
      validateRunMessage({ type: 'checkpoint', iteration: 1, layers: [layers[0], layers[0]] }),
    ).toThrow('remote checkpoint.layers[1].inDim: must equal the previous layer’s outDim');
    expect(() =>
      validateRunMessage({
        type: 'progress',
        iteration: -1,
        iterations: 5,
        loss: 1,
        msPerIteration: 1,
        msPerEvaluation: 1,
      }),
    ).toThrow('remote progress.iteration: must be an integer ≥ 0, got -1');
    expect(() => validateRunMessage({ type: 'snapshot', state: { ...state, adam: [] } })).toThrow(
      'remote snapshot.state.adam: must hold one entry per layer',
    );
    expect(() =>
      validateRunMessage({
        type: 'evaluation',
        point: { iteration: 1, validationAccuracy: Number.NaN, validationLoss: 1, trainLoss: null },
      }),
    ).toThrow('remote evaluation.point.validationAccuracy: must be a finite number, got NaN');
    expect(() => validateRunMessage({ type: 'calibrated' })).toThrow(
      'remote message.type: unknown message type "calibrated"',
    );
  });

  it('checks a run’s job data with the worker thread’s own validator', () => {
    const data = {
      version: 1,
      run: 'j1-p0-abc',
      jobId: 1,
      phase: 0,
      dataset: { id: 'xor', identity: 'source:xor-generator@1' },
      start: {
        spec: { hidden: [4], seed: 1, dataset: 'xor', iterations: 10, checkpoints: [] },
        trainer: 'fused',
      },
    };
    expect(validateRunData(data)).toBe(data);
    expect(() => validateRunData({ ...data, start: { ...data.start, trainer: 'gpu' } })).toThrow(
      "start.trainer must be 'tfjs' or 'fused', got gpu",
    );
    expect(() => validateRunData({ ...data, dataset: { id: 'xor', identity: 'md5:1' } })).toThrow(
      'remote job data.dataset.identity: must be source:<key> or sha256:<hex>',
    );
  });
});

describe('Redis URLs and names', () => {
  it('accepts redis:// and rediss:// with a password and refuses the rest in one line', () => {
    expect(checkRedisUrl('redis://:s3cret@10.0.0.5:6379/2')).toBe(
      'redis://:s3cret@10.0.0.5:6379/2',
    );
    expect(checkRedisUrl('rediss://user:pw@redis.lab:6380')).toBe(
      'rediss://user:pw@redis.lab:6380',
    );
    expect(() => checkRedisUrl('http://x:6379')).toThrow(
      '--redis: must start with redis:// or rediss:// (TLS), got http://',
    );
    expect(() => checkRedisUrl('localhost:6379', 'MBH_LAB_REDIS')).toThrow(
      'MBH_LAB_REDIS: must be a Redis URL: redis://[:password@]host[:port][/db], or rediss://… for TLS',
    );
    expect(() => checkRedisUrl('redis://h/x')).toThrow(
      '--redis: the database after the host must be a number, got "x"',
    );
  });

  it('never prints a password', () => {
    expect(redactRedisUrl('redis://:s3cret@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
    expect(redactRedisUrl('rediss://u:p@h:1/0')).toBe('rediss://u:***@h:1/0');
  });

  it('keeps every key of a lab under its queue name', () => {
    const keys = new RemoteKeys('lab-a');
    expect([
      keys.events('r1'),
      keys.resume('r1'),
      keys.stop('r1'),
      keys.runs,
      keys.worker('w'),
    ]).toEqual([
      'lab-a:run:r1:events',
      'lab-a:run:r1:resume',
      'lab-a:run:r1:stop',
      'lab-a:runs',
      'lab-a:worker:w',
    ]);
    expect(() => new RemoteKeys('a b')).toThrow('queue name must be');
  });
});

describe("a job's line", () => {
  const job: JobSummary = {
    id: 7,
    kind: 'train',
    state: 'running',
    experimentId: null,
    modelId: 1,
    label: 'FC(4) xor',
    progress: 0.5,
    iteration: 50,
    iterations: 100,
    loss: null,
    accuracy: null,
    etaSeconds: null,
    backend: 'cpu',
    trainer: 'fused',
    msPerIteration: null,
    error: null,
    worker: 'gpu-box-2',
    createdAt: 0,
    startedAt: 0,
    finishedAt: null,
    attempts: 1,
  };

  it('names the remote worker that runs it, and says nothing for the lab’s own threads', () => {
    expect(describeJob(job)).toBe('#7 FC(4) xor  running on gpu-box-2  50/100 it');
    expect(describeJob({ ...job, worker: 'local' })).toBe('#7 FC(4) xor  running  50/100 it');
  });
});
