/**
 * The checks on what travels for a remote measure run: the worker refuses an input that
 * does not fit its own widths and planes, and the hub refuses a result it did not ask
 * for or whose cells are not the ones asked for, each in one error naming the field.
 */
import { describe, expect, it } from 'vitest';
import { encodeBlob } from '../../src-main/jobs/blob-codec.ts';
import {
  decodeMeasureMessage,
  decodeMeasurePayload,
  encodeMeasureMessage,
  encodeMeasurePayload,
  validateMeasureRunData,
  type MeasurePayload,
  type MeasureRunMessage,
} from '../../src-main/remote/measure-wire.ts';

const widths = [2, 3, 2];
const plane = (index: number) => ({
  index,
  origin: new Float64Array([0, 0]),
  u: new Float64Array([1, 0]),
  v: new Float64Array([0, 1]),
  domain: new Float64Array([-1, -1, 1, -1, 1, 1, -1, 1]),
  points: new Float64Array([0, 0, 1, 0, 0, 1]),
});

function payload(changes: Partial<MeasurePayload> = {}): MeasurePayload {
  return {
    version: 1,
    jobId: 4,
    datasetId: 'xor',
    widths,
    phenomena: [
      { name: '0', labels: [0] },
      { name: '1', labels: [1] },
    ],
    cps: [0.8, 1],
    scope: 'last',
    maxRegions: 1000,
    exactTimeLimit: null,
    planes: [plane(0), plane(1)],
    checkpoints: [
      {
        id: 9,
        iteration: 100,
        weights: new Float32Array(2 * 3 + 3 * 2),
        biases: new Float32Array(3 + 2),
        masks: null,
        planes: [1],
        exact: null,
      },
    ],
    ...changes,
  };
}

function planeResult(
  changes: Partial<Extract<MeasureRunMessage, { type: 'plane' }>> = {},
): MeasureRunMessage {
  return {
    type: 'plane',
    checkpointId: 9,
    plane: 1,
    regions: 4,
    domainArea: 4,
    ms: 2,
    phenomena: ['0', '1'],
    cps: [0.8, 1],
    s: new Float64Array([0.5, 0.25, 1, 0]),
    blanketArea: new Float64Array([2, 1, 4, 0]),
    constraints: new Int32Array([1, 2, 0, 3]),
    coverage: new Float64Array([1, 1, 0.9, 1]),
    ...changes,
  };
}

describe('a measure run’s input, on the worker', () => {
  it('round trips bit for bit', () => {
    const sent = payload();
    sent.checkpoints[0].weights.set([0.1, -2.5e-8, 3]);
    expect(decodeMeasurePayload(encodeMeasurePayload(sent))).toEqual(sent);
  });

  it('refuses weights that do not fit the widths', () => {
    const [checkpoint] = payload().checkpoints;
    const bad = payload({ checkpoints: [{ ...checkpoint, weights: new Float32Array(11) }] });
    expect(() => decodeMeasurePayload(encodeMeasurePayload(bad))).toThrow(
      'payload.checkpoints[0].weights: must hold 12 values, got 11',
    );
  });

  it('refuses a plane it was not sent, and a class that does not exist', () => {
    const [checkpoint] = payload().checkpoints;
    expect(() =>
      decodeMeasurePayload(
        encodeMeasurePayload(payload({ checkpoints: [{ ...checkpoint, planes: [5] }] })),
      ),
    ).toThrow('payload.checkpoints[0].planes: names plane 5, which is not sent');
    expect(() =>
      decodeMeasurePayload(
        encodeMeasurePayload(payload({ phenomena: [{ name: 'two', labels: [2] }] })),
      ),
    ).toThrow('payload.phenomena[0].labels: class 2 does not exist (2 classes)');
  });

  it('refuses fields it does not know, with the api’s validators', () => {
    expect(() => decodeMeasurePayload(encodeBlob({ ...payload(), extra: 1 }))).toThrow(
      'payload.extra: is not a known field',
    );
    expect(() =>
      validateMeasureRunData({
        version: 1,
        kind: 'measure',
        run: 'j1-p0-ab',
        jobId: 1,
        phase: 0,
        dataset: { id: 'xor', identity: 'xor' },
      }),
    ).toThrow('job data.dataset.identity: must be source:<key> or sha256:<hex>');
  });
});

describe('a measure run’s results, on the hub', () => {
  const sent = payload();

  it('accepts the cells asked for, as sent', () => {
    const result = planeResult();
    expect(decodeMeasureMessage(encodeMeasureMessage(result), sent)).toEqual(result);
  });

  it('refuses a plane or checkpoint it did not ask for', () => {
    expect(() =>
      decodeMeasureMessage(encodeMeasureMessage(planeResult({ plane: 0 })), sent),
    ).toThrow('remote plane.plane: plane 0 was not asked for at checkpoint 9');
    expect(() =>
      decodeMeasureMessage(encodeMeasureMessage(planeResult({ checkpointId: 8 })), sent),
    ).toThrow('remote plane.checkpointId: checkpoint 8 was not sent');
  });

  it('refuses other cells, short arrays and values out of range', () => {
    expect(() =>
      decodeMeasureMessage(encodeMeasureMessage(planeResult({ cps: [0.8, 0.9] })), sent),
    ).toThrow('remote plane.cps: must be [0.8,1]');
    expect(() =>
      decodeMeasureMessage(
        encodeMeasureMessage(planeResult({ coverage: new Float64Array(3) })),
        sent,
      ),
    ).toThrow('remote plane.coverage: must hold 4 values, got 3');
    expect(() =>
      decodeMeasureMessage(
        encodeMeasureMessage(planeResult({ s: new Float64Array([0.5, 1.5, 0, 0]) })),
        sent,
      ),
    ).toThrow('remote plane.s[1]: must be a finite number ≥ 0 and ≤ 1, got 1.5');
    expect(() =>
      decodeMeasureMessage(
        encodeMeasureMessage(planeResult({ blanketArea: new Float64Array([NaN, 0, 0, 0]) })),
        sent,
      ),
    ).toThrow('remote plane.blanketArea[0]: must be a finite number ≥ 0, got NaN');
  });

  it('refuses exact cells nobody asked for, and an unknown message', () => {
    const exact = {
      s: new Float64Array(4),
      blanketArea: new Float64Array(4),
      constraints: new Int32Array(4),
      coverage: new Float64Array(4),
      optimal: new Uint8Array(4),
    };
    expect(() => decodeMeasureMessage(encodeMeasureMessage(planeResult({ exact })), sent)).toThrow(
      'remote plane.exact: must be absent (no exact patterns were asked for)',
    );
    expect(() => decodeMeasureMessage(encodeBlob({ type: 'snapshot' }), sent)).toThrow(
      'remote message.type: unknown message type "snapshot"',
    );
  });
});
