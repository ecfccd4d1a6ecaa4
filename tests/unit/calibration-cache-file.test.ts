/**
 * The calibration cache beside the zoo (src-main/lab/calibration-cache.ts): a read-only
 * plan keeps its calibration there, so the next plan need not calibrate again. It is used
 * only when it is this user's, unwritable by others, well formed and of this machine.
 */
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CalibrationCache,
  calibrationCachePath,
  thisMachine,
  type CachedCalibration,
} from '../../src-main/lab/calibration-cache.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-calibration-cache-'));
  path = calibrationCachePath(join(dir, 'zoo.sqlite'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const machine = thisMachine('1.2.3');
const measured: CachedCalibration = {
  calibration: { fused: [0.1, 0.02, 0.5, 1.1], tfjs: [0.8, 0.4, 0.27, 0] },
  evaluationShare: { fused: 0.4, tfjs: 0.5 },
  slowdown: { '2': 1.3 },
  startMs: 900,
  calibratedOn: 'fashion',
};

describe('the calibration cache file', () => {
  it('is named after the zoo and keeps what was saved, per backend, 0600', () => {
    expect(path).toBe(join(dir, 'zoo.sqlite.calibration.json'));
    const cache = new CalibrationCache(path, machine);
    expect(cache.calibration('wasm')).toBeNull();
    cache.saveCalibration('wasm', measured);
    cache.saveInputShare('fashion', { share: 0.5, trainCount: 50_000 });
    expect(cache.calibration('wasm')).toEqual(measured);
    expect(cache.calibration('cpu')).toBeNull();
    expect(cache.inputShare('fashion')).toEqual({ share: 0.5, trainCount: 50_000 });
    expect(cache.inputShare('toString')).toBeNull();
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    // Written whole: no temporary file is left beside it.
    expect(readdirSync(dir)).toEqual(['zoo.sqlite.calibration.json']);
    // A second instance (another process) reads the same.
    expect(new CalibrationCache(path, machine).calibration('wasm')).toEqual(measured);
  });

  it('is ignored when made by another version, core count, CPU or host', () => {
    new CalibrationCache(path, machine).saveCalibration('wasm', measured);
    for (const other of [
      { ...machine, version: '1.2.4' },
      { ...machine, cores: machine.cores + 1 },
      { ...machine, cpu: `${machine.cpu} (other)` },
      { ...machine, host: `${machine.host}-other` },
    ])
      expect(new CalibrationCache(path, other).calibration('wasm')).toBeNull();
  });

  it('is ignored when torn, malformed or out of range, and rewritten whole by the next save', () => {
    const cache = new CalibrationCache(path, machine);
    cache.saveCalibration('wasm', measured);
    const good = readFileSync(path, 'utf8');
    const variants = [
      good.slice(0, good.length >> 1),
      'null',
      good.replace('"format":2', '"format":1'),
      good.replace('[0.1,0.02,0.5,1.1]', '[0.1,0.02,0.5]'),
      good.replace('[0.1,0.02,0.5,1.1]', '[0.1,0.02,-0.5,1.1]'),
      good.replace('"fused":[0.1', '"gpu":[0.1'),
      good.replace('"2":1.3', '"2":0'),
      good.replace('"startMs":900', '"startMs":"soon"'),
    ];
    for (const text of variants) {
      writeFileSync(path, text, { mode: 0o600 });
      expect(cache.calibration('wasm'), text).toBeNull();
    }
    cache.saveCalibration('wasm', measured);
    expect(cache.calibration('wasm')).toEqual(measured);
    writeFileSync(
      path,
      good.replace('"inputNonZero":{}', '"inputNonZero":{"fashion":{"share":1.5,"trainCount":5}}'),
      { mode: 0o600 },
    );
    expect(cache.calibration('wasm')).toBeNull();
  });

  it.runIf(process.platform !== 'win32')('is ignored when others may write it', () => {
    const cache = new CalibrationCache(path, machine);
    cache.saveCalibration('wasm', measured);
    chmodSync(path, 0o622);
    expect(cache.calibration('wasm')).toBeNull();
    chmodSync(path, 0o644);
    expect(cache.calibration('wasm')).toEqual(measured);
  });
});
