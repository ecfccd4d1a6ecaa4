/**
 * The lab's memory of what training and measuring cost on this machine: the cost model's
 * calibration (quiet short runs of each training path, in a worker) and the speeds of
 * finished jobs, kept in the zoo's settings per tfjs backend; and the measured wall time
 * per plane of finished measure jobs. Plans, 'auto' trainer choices and sweep ETAs all
 * read it here.
 */
import type { Backend } from '../../src-shared/api/dto.ts';
import { TRAINING_DEFAULTS } from '../train/spec.ts';
import {
  CALIBRATION_NETWORKS,
  CostModel,
  evaluationShare,
  fitCoefficients,
  median,
  shapeKey,
  stepFeatures,
  withSample,
  type Coefficients,
  type CostModelState,
  type NetworkShape,
  type SpeedSample,
} from '../train/cost-model.ts';
import { TRAINER_NAMES, type TrainerName } from '../train/trainers.ts';
import { workerEntry } from '../workers/entries.ts';
import { spawnWorker } from '../workers/spawn.ts';
import type { CalibrateMessage, CalibrationRun, FromWorker } from '../workers/train-protocol.ts';
import type { Zoo } from '../zoo/zoo.ts';

/** Measure cost per plane and checkpoint before any measure job has finished here (ms). */
export const DEFAULT_MS_PER_PLANE = 2_000;
/** Timed steps per calibration network, after a few untimed ones (first-call compilation). */
const CALIBRATION_STEPS = 40;
const CALIBRATION_WARMUP = 8;
/** Finished measure jobs consulted for the per-plane cost. */
const MEASURE_HISTORY = 200;

/** The TensorFlow.js path's calibration needs no sparse networks: it multiplies masks. */
function calibrationNetworks(trainer: TrainerName) {
  return CALIBRATION_NETWORKS.filter((network) => trainer === 'fused' || network.density === 1);
}

interface StoredCosts extends CostModelState {
  /** The dataset the calibration ran on. */
  readonly calibratedOn: string | null;
}

const EMPTY: StoredCosts = { calibration: {}, samples: [], calibratedOn: null };

export interface MeasureShape {
  readonly hidden: readonly number[];
  readonly density: number;
  readonly inputDim: number;
}

export class TrainingCosts {
  private calibrating: Promise<void> | null = null;

  constructor(
    private readonly zoo: Zoo,
    private readonly home: string,
  ) {}

  private key(backend: Backend): string {
    return `cost-model:${backend}`;
  }

  private stored(backend: Backend): StoredCosts {
    return this.zoo.settings.get<StoredCosts>(this.key(backend)) ?? EMPTY;
  }

  /** The cost model as the zoo knows it now (calibrated or not), for a pool of `workers`. */
  model(backend: Backend, workers = 1): CostModel {
    return new CostModel(this.stored(backend), workers);
  }

  /** Whether both paths, and `workers` runs at once, have been calibrated on this backend. */
  calibrated(backend: Backend, workers = 1): boolean {
    const { calibration, slowdown } = this.stored(backend);
    return (
      TRAINER_NAMES.every((trainer) => calibration[trainer] !== undefined) &&
      (workers === 1 || slowdown?.[String(workers)] !== undefined)
    );
  }

  /**
   * Calibrates what is not yet: each path in one worker, one after the other, so each
   * runs as quietly as the machine allows; then, for a pool of several workers, the
   * slowdown of that many runs at once. Concurrent callers share one calibration.
   */
  async ensureCalibrated(
    backend: Backend,
    dataset: { id: string; inputDim: number; classCount: number },
    workers = 1,
  ): Promise<void> {
    while (!this.calibrated(backend, workers)) {
      this.calibrating ??= this.calibrate(backend, dataset, workers).finally(() => {
        this.calibrating = null;
      });
      await this.calibrating;
      if (!this.zoo.db.open) return;
    }
  }

  private async calibrate(
    backend: Backend,
    dataset: { id: string; inputDim: number; classCount: number },
    workers: number,
  ): Promise<void> {
    const stored = this.stored(backend);
    const calibration: Partial<Record<TrainerName, Coefficients>> = { ...stored.calibration };
    const shares: Partial<Record<TrainerName, number>> = { ...stored.evaluationShare };
    const slowdown: Record<string, number> = { ...stored.slowdown };
    let startMs = stored.startMs;
    for (const trainer of TRAINER_NAMES) {
      if (calibration[trainer] !== undefined) continue;
      const { runs, startMs: start } = await calibrationRuns(
        this.home,
        dataset.id,
        trainer,
        calibrationNetworks(trainer),
      );
      startMs = startMs === undefined ? start : Math.min(startMs, start);
      const share = evaluationShare(runs, TRAINING_DEFAULTS.batchSize);
      if (share !== null) shares[trainer] = share;
      calibration[trainer] = fitCoefficients(
        runs.map((run) => ({
          features: stepFeatures(
            {
              inputDim: dataset.inputDim,
              hidden: run.hidden,
              classCount: dataset.classCount,
              density: run.density,
              batchSize: TRAINING_DEFAULTS.batchSize,
            },
            trainer,
          ),
          ms: run.msPerIteration,
        })),
      );
    }
    if (workers > 1 && slowdown[String(workers)] === undefined) {
      slowdown[String(workers)] = await concurrentSlowdown(
        this.home,
        dataset.id,
        workers,
        startMs ?? 0,
      );
    }
    if (!this.zoo.db.open) return;
    this.zoo.settings.set(this.key(backend), {
      ...this.stored(backend),
      calibration,
      evaluationShare: shares,
      slowdown,
      ...(startMs !== undefined ? { startMs } : {}),
      calibratedOn: dataset.id,
    } satisfies StoredCosts);
  }

  /** Remembers a finished run's speed (a sample refines the model from then on). */
  record(backend: Backend, sample: SpeedSample): void {
    const stored = this.stored(backend);
    this.zoo.settings.set(this.key(backend), {
      ...stored,
      samples: withSample(stored.samples, sample),
    } satisfies StoredCosts);
  }

  /**
   * Wall ms per plane × checkpoint of a measure job on `shape`: the median of finished
   * measure jobs of the same network, else of all of them, else a default.
   */
  measureMsPerUnit(shape: MeasureShape): number {
    const finished = this.zoo.jobs.recentDurations('measure', MEASURE_HISTORY);
    const perUnit = (rows: typeof finished) => median(rows.map((row) => row.ms / row.iterations));
    const same = finished.filter(
      (row) =>
        row.inputDim === shape.inputDim &&
        row.density === shape.density &&
        row.hidden.join(',') === shape.hidden.join(','),
    );
    return perUnit(same) ?? perUnit(finished) ?? DEFAULT_MS_PER_PLANE;
  }
}

/** A speed sample from a finished training run. */
export function speedSample(
  shape: NetworkShape,
  trainer: TrainerName,
  run: {
    msPerIteration: number;
    evaluationMs: number;
    evaluationCount: number;
    testCount: number;
    /** Wall time of the whole run as its job saw it (worker start to result). */
    wallMs: number;
    steps: number;
  },
): SpeedSample {
  const msPerEvaluation = run.evaluationCount > 0 ? run.evaluationMs / run.evaluationCount : null;
  const overheadMs = run.wallMs - run.msPerIteration * run.steps - run.evaluationMs;
  return {
    trainer,
    key: shapeKey(shape),
    features: stepFeatures(shape, trainer),
    msPerIteration: run.msPerIteration,
    msPerEvaluation,
    testCount: run.testCount,
    overheadMs: Number.isFinite(overheadMs) ? Math.max(0, overheadMs) : null,
  };
}

/**
 * The network whose step time, alone and with `workers` copies at once, gives the
 * slowdown of a shared machine (the fused path's: its step is one long loop, as a
 * training's is, and its calibration is the cheaper one).
 */
const SHARED_NETWORK = { hidden: [100], density: 1 } as const;

/** Timed steps of the shared-machine runs: long enough to overlap for a second or more. */
const SHARED_STEPS = 300;

/**
 * How much slower a step is when `workers` runs share the machine than when one runs.
 * The workers load first and start their runs together (at twice a quiet worker start
 * from now), so the runs do overlap.
 */
async function concurrentSlowdown(
  home: string,
  dataset: string,
  workers: number,
  startMs: number,
): Promise<number> {
  const alone = await calibrationRuns(home, dataset, 'fused', [SHARED_NETWORK], {
    iterations: SHARED_STEPS,
  });
  const startAt = Date.now() + 2 * Math.max(startMs, 1_000);
  const together = await Promise.all(
    Array.from({ length: workers }, () =>
      calibrationRuns(home, dataset, 'fused', [SHARED_NETWORK], {
        iterations: SHARED_STEPS,
        startAt,
      }),
    ),
  );
  const shared = median(together.map(({ runs }) => runs[0].msPerIteration)) ?? Number.NaN;
  // Sharing cannot make a step faster: a ratio below 1 is noise.
  const ratio = shared / alone.runs[0].msPerIteration;
  return Number.isFinite(ratio) ? Math.max(1, ratio) : 1;
}

/**
 * Runs calibration networks of one path in one worker thread. `startMs`: the wall time
 * that was not the runs themselves — starting the thread, loading its modules and the
 * dataset — which every training job pays too.
 */
function calibrationRuns(
  home: string,
  dataset: string,
  trainer: TrainerName,
  networks: CalibrateMessage['networks'],
  options: { iterations?: number; startAt?: number } = {},
): Promise<{ runs: readonly CalibrationRun[]; startMs: number }> {
  const spawned = performance.now();
  const worker = spawnWorker(workerEntry('train'));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, runs?: readonly CalibrationRun[]) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error) reject(error);
      else {
        const wall = performance.now() - spawned;
        const inRuns = runs!.reduce((sum, run) => sum + run.wallMs, 0);
        resolve({ runs: runs!, startMs: Math.max(0, wall - inRuns) });
      }
    };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'calibrated') finish(null, message.runs);
      else if (message.type === 'error')
        finish(new Error(`calibrating the ${trainer} path: ${message.message}`));
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) =>
      finish(new Error(`the calibration worker exited (code ${code}) before reporting`)),
    );
    worker.postMessage({
      type: 'calibrate',
      dataDirectory: home,
      dataset,
      trainer,
      networks,
      iterations: options.iterations ?? CALIBRATION_STEPS,
      warmup: CALIBRATION_WARMUP,
      ...(options.startAt !== undefined ? { startAt: options.startAt } : {}),
    } satisfies CalibrateMessage);
  });
}
