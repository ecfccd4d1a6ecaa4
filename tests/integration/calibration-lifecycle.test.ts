/**
 * The training cost model's calibration across the lab's life (src-main/lab/training-costs.ts):
 *
 * - Bug: background calibration workers ran on after LabService.close, and their caller
 *   then failed on a closed database. Now close() terminates them, the caller gets one
 *   clear 'lab is closed' error, and nothing is written after.
 * - Bug: `experiment plan` beside another process opens the zoo read-only, so the
 *   calibration it computed was lost and every such plan calibrated again (30–60 s). Now
 *   it is kept in this user's cache file beside the zoo, and the next writer adopts it.
 * - 'auto' measures both paths on a network whose two predictions are close and that the
 *   other path never ran, so a wrong first choice does not stand.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExperimentSpec } from '../../src-shared/api/dto.ts';
import { DatasetRegistry, type DatasetEntry } from '../../src-main/data/registry.ts';
import {
  CalibrationCache,
  calibrationCachePath,
  thisMachine,
} from '../../src-main/lab/calibration-cache.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { EXPLORE_STEPS, TrainingCosts } from '../../src-main/lab/training-costs.ts';
import { shapeKey, type NetworkShape } from '../../src-main/train/cost-model.ts';
import { lockZoo } from '../../src-main/zoo/lock.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

let home: string;
let file: string;
let xor: DatasetEntry;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'mbh-calibration-'));
  file = join(home, 'zoo.sqlite');
  xor = new DatasetRegistry(home).list().find((entry) => entry.id === 'xor')!;
  // A known backend: the plan need not probe one in a worker first.
  const zoo = Zoo.open(file);
  zoo.settings.set('backend', { backend: 'wasm', note: 'using wasm' });
  zoo.close();
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const CLOSED = 'the lab is closed: calibrating the training cost model stopped';

const spec: ExperimentSpec = {
  name: 'calibration',
  family: 'custom',
  hiddenNeurons: [8],
  customWidths: [[8]],
  densities: [1],
  seeds: [1],
  datasets: ['xor'],
  iterations: 100,
  checkpoints: 'default',
  pruning: { kind: 'random' },
  planeCount: 1,
  planeSeed: 0,
  cps: [0.8],
  scope: 'last',
};

function costsOn(zoo: Zoo): TrainingCosts {
  return new TrainingCosts(
    zoo,
    home,
    new CalibrationCache(calibrationCachePath(file), thisMachine('test')),
  );
}

describe('closing the lab while it calibrates', () => {
  it('terminates the calibration workers, fails the caller clearly and writes nothing', async () => {
    const zoo = Zoo.open(file);
    const costs = costsOn(zoo);
    const calibrating = costs.ensureCalibrated('wasm', xor, 1);
    calibrating.catch(() => {});
    await vi.waitFor(() => expect(costs.activeWorkers).toBe(1), { timeout: 30_000 });
    await costs.close();
    await expect(calibrating).rejects.toThrow(CLOSED);
    expect(costs.activeWorkers).toBe(0);
    expect(zoo.settings.get('cost-model-3:wasm')).toBeNull();
    expect(existsSync(calibrationCachePath(file))).toBe(false);
    // Closed stays closed: nothing starts again.
    await expect(costs.ensureCalibrated('wasm', xor, 1)).rejects.toThrow(CLOSED);
    await expect(costs.ensureInputShares([xor])).rejects.toThrow(CLOSED);
    zoo.close();
  });

  it('rejects a waiting plan with that error when LabService.close runs', async () => {
    const lab = await LabService.open({ zooPath: file, home, shell: 'cli', workers: 1 });
    const plan = lab.planExperiment({ spec, wait: true });
    plan.catch(() => {});
    // Closed as the plan starts: before or during its calibration, it fails with the closing.
    await lab.close({ pauseRunning: false });
    await expect(plan).rejects.toThrow(CLOSED);
    expect(existsSync(calibrationCachePath(file))).toBe(false);
    const zoo = Zoo.open(file, { readonly: true });
    expect(zoo.settings.get('cost-model-3:wasm')).toBeNull();
    zoo.close();
  });
});

describe('a read-only plan', () => {
  it('keeps its calibration for the next plan, and the next writer adopts it', async () => {
    const release = lockZoo(file);
    let first;
    try {
      const reader = await LabService.open({
        zooPath: file,
        home,
        shell: 'cli',
        workers: 1,
        readOnly: true,
      });
      try {
        first = await reader.planExperiment({ spec, wait: true });
      } finally {
        await reader.close();
      }
      expect(first.calibrated).toBe(true);
      expect(existsSync(calibrationCachePath(file))).toBe(true);
      // The next read-only plan is calibrated at once: it does not wait for runs.
      const again = await LabService.open({
        zooPath: file,
        home,
        shell: 'cli',
        workers: 1,
        readOnly: true,
      });
      try {
        const second = await again.planExperiment({ spec, wait: false });
        expect(second.calibrated).toBe(true);
      } finally {
        await again.close();
      }
    } finally {
      release();
    }
    // The zoo itself was not written by the readers.
    const before = Zoo.open(file, { readonly: true });
    expect(before.settings.get('cost-model-3:wasm')).toBeNull();
    before.close();
    const writer = await LabService.open({ zooPath: file, home, shell: 'cli', workers: 1 });
    try {
      const plan = await writer.planExperiment({ spec, wait: false });
      expect(plan.calibrated).toBe(true);
      const kept = writer.zoo.settings.get<{ calibration: object; calibratedOn: string }>(
        'cost-model-3:wasm',
      );
      const cached = new CalibrationCache(calibrationCachePath(file), thisMachine('x'));
      expect(kept?.calibratedOn).toBe('xor');
      expect(Object.keys(kept!.calibration).sort()).toEqual(['fused', 'tfjs']);
      // The machine key names this lab's version, not 'x': another version's file is ignored.
      expect(cached.calibration('wasm')).toBeNull();
    } finally {
      await writer.close();
    }
  });
});

describe("a dataset's share of non-zero inputs", () => {
  it('is counted once per dataset in a worker: Digit MNIST about 0.19, Fashion about 0.50', async () => {
    const zoo = Zoo.open(file);
    const costs = costsOn(zoo);
    try {
      const entries = new DatasetRegistry(home).list();
      const mnist = entries.find((entry) => entry.id === 'mnist')!;
      const fashion = entries.find((entry) => entry.id === 'fashion')!;
      await costs.ensureInputShares([mnist, fashion]);
      expect(costs.inputShare(mnist)).toBeGreaterThan(0.18);
      expect(costs.inputShare(mnist)).toBeLessThan(0.2);
      expect(costs.inputShare(fashion)).toBeGreaterThan(0.49);
      expect(costs.inputShare(fashion)).toBeLessThan(0.51);
      // Kept: a known share (for this split size) is not counted again…
      const counted =
        zoo.settings.get<Record<string, { share: number; trainCount: number }>>('input-non-zero')!;
      zoo.settings.set('input-non-zero', { ...counted, mnist: { ...counted.mnist, share: 0.25 } });
      await costs.ensureInputShares([mnist]);
      expect(costs.inputShare(mnist)).toBe(0.25);
      // …but a dataset whose split changed (another import under its id) is.
      zoo.settings.set('input-non-zero', {
        ...counted,
        mnist: { share: 0.25, trainCount: mnist.trainCount + 1 },
      });
      expect(costs.inputShare(mnist)).toBeUndefined();
      await costs.ensureInputShares([mnist]);
      expect(costs.inputShare(mnist)).toBe(counted.mnist.share);
    } finally {
      await costs.close();
      zoo.close();
    }
  });
});

describe("'auto' on a close call", () => {
  it('measures both paths on the network once, then chooses by what it measured', async () => {
    const zoo = Zoo.open(file);
    const costs = costsOn(zoo);
    try {
      // Equal lines for both paths: every network is a close call until measured.
      zoo.settings.set('cost-model-3:wasm', {
        calibration: { fused: [0.5, 0.1, 1, 1], tfjs: [0.5, 0.1, 1, 0] },
        samples: [],
        calibratedOn: 'xor',
      });
      const shape = (hidden: number[]): NetworkShape => ({
        inputDim: xor.inputDim,
        hidden,
        classCount: xor.classCount,
        density: 1,
        batchSize: 60,
      });
      const close = shape([16]);
      expect(costs.model('wasm').worthExploring(close)).toBe(true);
      const explored = await costs.explore('wasm', [
        { shape: close, datasetId: 'xor' },
        { shape: close, datasetId: 'xor' },
      ]);
      expect(explored).toBe(1);
      const samples = costs.model('wasm').state.samples;
      expect(samples.map((sample) => [sample.trainer, sample.key]).sort()).toEqual([
        ['fused', shapeKey(close)],
        ['tfjs', shapeKey(close)],
      ]);
      for (const sample of samples) expect(sample.msPerIteration).toBeGreaterThan(0);
      // Settled: a second plan measures nothing, and 'auto' takes the measured faster path.
      const model = costs.model('wasm');
      expect(model.worthExploring(close)).toBe(false);
      expect(await costs.explore('wasm', [{ shape: close, datasetId: 'xor' }])).toBe(0);
      const measured = (trainer: string) =>
        samples.find((sample) => sample.trainer === trainer)!.msPerIteration;
      const [fused, tfjs] = [measured('fused'), measured('tfjs')];
      expect(model.choose(close, 'auto')).toBe(fused <= tfjs ? 'fused' : 'tfjs');
      expect(model.msPerStep(close, 'fused')).toBe(fused);
      expect(EXPLORE_STEPS).toBeGreaterThanOrEqual(100);
    } finally {
      await costs.close();
      zoo.close();
    }
  });

  it('does not measure a clear choice', async () => {
    const zoo = Zoo.open(file);
    const costs = costsOn(zoo);
    try {
      // TensorFlow.js priced ten times the fused path: nothing to explore.
      zoo.settings.set('cost-model-3:wasm', {
        calibration: { fused: [0.1, 0, 0, 0], tfjs: [1, 0, 0, 0] },
        samples: [],
        calibratedOn: 'xor',
      });
      const shape: NetworkShape = {
        inputDim: xor.inputDim,
        hidden: [16],
        classCount: xor.classCount,
        density: 1,
        batchSize: 60,
      };
      expect(await costs.explore('wasm', [{ shape, datasetId: 'xor' }])).toBe(0);
      expect(costs.model('wasm').state.samples).toEqual([]);
      expect(costs.activeWorkers).toBe(0);
    } finally {
      await costs.close();
      zoo.close();
    }
  });
});
