/**
 * The lab's memory of what training and measuring cost on this machine: the cost model's
 * calibration (quiet short runs of each training path, in a worker) and the speeds of
 * finished jobs, kept in the zoo's settings per tfjs backend; each dataset's share of
 * non-zero inputs (counted once, in a worker); and the measured wall time per plane of
 * finished measure jobs. Plans, 'auto' trainer choices and sweep ETAs all read it here.
 *
 * The calibration and the shares are also kept in this user's cache file beside the zoo
 * (calibration-cache.ts): a plan that opens the zoo read-only keeps them there, and the
 * next writer adopts them into the zoo.
 *
 * Its workers are its own: close() terminates them, their callers get LabClosedError, and
 * nothing is written after it.
 */
import type { Worker } from 'node:worker_threads';
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
import type {
  CalibrateMessage,
  CalibrationRun,
  CountInputsMessage,
  FromWorker,
  InputsCounted,
} from '../workers/train-protocol.ts';
import type { Zoo } from '../zoo/zoo.ts';
import type { CachedCalibration, CalibrationCache, InputShare } from './calibration-cache.ts';

/**
 * Measure cost per plane and checkpoint before any measure job has finished here (wall ms):
 * a fixed part and a part per hidden neuron (more neurons, more regions to cut). Fitted to
 * the §6.2 Fashion sweep on this 2-core machine with 2 workers, 10 planes per model, ms per
 * plane: (300,100) 535–591 dense to 197 at density 0.0164, (102,34) 116–240, (35,11)
 * 78–101, (12,4) 69–74; the line takes the dense end. (It was a flat 2 s, which made the
 * sweep's first plan predict 23 min of measuring for 2.5 min measured.)
 */
export function defaultMeasureMsPerUnit(shape: MeasureShape): number {
  const neurons = shape.hidden.reduce((sum, width) => sum + width, 0);
  return 60 + 1.3 * neurons;
}
/** Timed steps per calibration network, after a few untimed ones (first-call compilation). */
const CALIBRATION_STEPS = 40;
const CALIBRATION_WARMUP = 8;
/**
 * The network whose step time, alone and with `workers` copies at once, gives the
 * slowdown of a shared machine (the fused path's: its step is one long loop, as a
 * training's is, and its calibration is the cheaper one).
 */
const SHARED_NETWORK = { hidden: [100], density: 1 } as const;

/** Timed steps of the shared-machine runs: long enough to overlap for a second or more. */
const SHARED_STEPS = 300;
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

/**
 * The version of what the lab remembers of training costs. Version 2 counts the fused
 * path's first layer by the dataset's non-zero inputs (a calibration or sample of version
 * 1 has other features); version 3 came with the fused path's WebAssembly kernels, which
 * made its steps several times cheaper, so costs measured before would send networks to
 * the slower path.
 */
export const COST_MODEL_VERSION = 3;

/** Settings key of a backend's costs. */
const costsKey = (backend: Backend) => `cost-model-${COST_MODEL_VERSION}:${backend}`;
/** Settings key of the datasets' non-zero input shares (by dataset id). */
const SHARES_KEY = 'input-non-zero';

/** Steps timed per network when 'auto' measures both paths on a network (worthExploring). */
export const EXPLORE_STEPS = 200;
/** Networks measured so per plan at most: a plan waits for them. */
const EXPLORE_LIMIT = 8;

/** The lab closed while the cost model was being calibrated or a dataset counted. */
export class LabClosedError extends Error {
  constructor() {
    super('the lab is closed: calibrating the training cost model stopped');
    this.name = 'LabClosedError';
  }
}

/** What `from` lacks, taken from `cache` (a calibration of another process of this user). */
function withCached(from: StoredCosts, cache: CachedCalibration | null): StoredCosts {
  if (cache === null) return from;
  return {
    ...from,
    calibration: { ...cache.calibration, ...from.calibration },
    evaluationShare: { ...cache.evaluationShare, ...from.evaluationShare },
    slowdown: { ...cache.slowdown, ...from.slowdown },
    ...(from.startMs !== undefined || cache.startMs !== undefined
      ? { startMs: from.startMs ?? cache.startMs }
      : {}),
    calibratedOn: from.calibratedOn ?? cache.calibratedOn,
  };
}

/** A network to consider measuring on both paths, on the dataset it trains on. */
export interface ExploreCandidate {
  readonly shape: NetworkShape;
  readonly datasetId: string;
}

export interface MeasureShape {
  readonly hidden: readonly number[];
  readonly density: number;
  readonly inputDim: number;
}

export class TrainingCosts {
  private calibrating: Promise<void> | null = null;
  private closed = false;
  /** Calibration and counting workers running now, with how to fail their caller. */
  private readonly running = new Map<Worker, (error: Error) => void>();

  constructor(
    private readonly zoo: Zoo,
    private readonly home: string,
    /** This user's cache file beside the zoo (null: none, e.g. a zoo only in memory). */
    private readonly cache: CalibrationCache | null = null,
  ) {}

  private key(backend: Backend): string {
    return costsKey(backend);
  }

  /** The zoo's costs, completed by this user's cache file (the zoo's own win). */
  private stored(backend: Backend): StoredCosts {
    const own = this.zoo.settings.get<StoredCosts>(this.key(backend)) ?? EMPTY;
    return withCached(own, this.cache?.calibration(backend) ?? null);
  }

  /** Calibration and counting workers running now. */
  get activeWorkers(): number {
    return this.running.size;
  }

  /** Terminates the running workers; their callers get LabClosedError; nothing is written after. */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.running];
    this.running.clear();
    await Promise.all(
      running.map(([worker, fail]) => {
        fail(new LabClosedError());
        return worker.terminate();
      }),
    );
  }

  private checkOpen(): void {
    if (this.closed) throw new LabClosedError();
  }

  /** Spawns a worker this object stops on close(). */
  private worker(): { worker: Worker; track: (fail: (error: Error) => void) => void } {
    this.checkOpen();
    const worker = spawnWorker(workerEntry('train'));
    return {
      worker,
      track: (fail) => {
        this.running.set(worker, fail);
        worker.once('exit', () => this.running.delete(worker));
      },
    };
  }

  /** A dataset's share of non-zero training inputs, if counted (for its current split size). */
  inputShare(dataset: { id: string; trainCount: number }): number | undefined {
    const stored = this.zoo.settings.get<Record<string, InputShare>>(SHARES_KEY) ?? {};
    const found = Object.hasOwn(stored, dataset.id)
      ? stored[dataset.id]
      : (this.cache?.inputShare(dataset.id) ?? null);
    return found !== null && found.trainCount === dataset.trainCount ? found.share : undefined;
  }

  private saveShare(id: string, share: InputShare): void {
    this.checkOpen();
    const stored = this.zoo.settings.get<Record<string, InputShare>>(SHARES_KEY) ?? {};
    this.zoo.settings.set(SHARES_KEY, { ...stored, [id]: share });
    this.cache?.saveInputShare(id, share);
  }

  /** Counts the non-zero inputs of each dataset not counted yet (one worker each, in turn). */
  async ensureInputShares(datasets: readonly { id: string; trainCount: number }[]): Promise<void> {
    for (const dataset of datasets) {
      if (this.inputShare(dataset) !== undefined) continue;
      const counted = await this.countInputs(dataset.id);
      this.saveShare(dataset.id, { share: counted.inputNonZero, trainCount: counted.trainCount });
    }
  }

  private countInputs(dataset: string): Promise<InputsCounted> {
    const { worker, track } = this.worker();
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, counted?: InputsCounted) => {
        if (settled) return;
        settled = true;
        this.running.delete(worker);
        void worker.terminate();
        if (error) reject(error);
        else resolve(counted!);
      };
      track((error) => finish(error));
      worker.on('message', (message: FromWorker | InputsCounted) => {
        if (message.type === 'inputs-counted') finish(null, message);
        else if (message.type === 'error')
          finish(new Error(`counting the inputs of ${dataset}: ${message.message}`));
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) =>
        finish(new Error(`the counting worker exited (code ${code}) before reporting`)),
      );
      worker.postMessage({
        type: 'count-inputs',
        dataDirectory: this.home,
        dataset,
      } satisfies CountInputsMessage);
    });
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
    dataset: { id: string; inputDim: number; classCount: number; trainCount: number },
    workers = 1,
  ): Promise<void> {
    this.checkOpen();
    this.adoptCache(backend);
    while (!this.calibrated(backend, workers)) {
      this.calibrating ??= this.calibrate(backend, dataset, workers).finally(() => {
        this.calibrating = null;
      });
      await this.calibrating;
      this.checkOpen();
    }
  }

  /**
   * What a plan needs before it estimates: the calibration (on its first dataset), the
   * non-zero input share of each of its datasets, then (a writer only) both paths measured
   * on its networks whose choice is close (`candidates`, asked once the shares are known).
   */
  async preparePlan(
    backend: Backend,
    datasets: readonly { id: string; inputDim: number; classCount: number; trainCount: number }[],
    workers: number,
    candidates: () => readonly ExploreCandidate[],
  ): Promise<void> {
    await this.ensureCalibrated(backend, datasets[0], workers);
    await this.ensureInputShares(datasets);
    // A reader's samples would be lost with it (they live in the zoo): every read-only
    // plan would measure again. The writer measures when it plans or runs the sweep.
    if (!this.zoo.db.readonly) await this.explore(backend, candidates(), workers);
  }

  /** A writer keeps in the zoo what only the cache file held (a read-only plan's calibration). */
  private adoptCache(backend: Backend): void {
    if (this.zoo.db.readonly) return;
    const own = this.zoo.settings.get<StoredCosts>(this.key(backend)) ?? EMPTY;
    const merged = withCached(own, this.cache?.calibration(backend) ?? null);
    if (JSON.stringify(merged) !== JSON.stringify(own))
      this.zoo.settings.set(this.key(backend), merged);
  }

  private async calibrate(
    backend: Backend,
    dataset: { id: string; inputDim: number; classCount: number; trainCount: number },
    workers: number,
  ): Promise<void> {
    const stored = this.stored(backend);
    const calibration: Partial<Record<TrainerName, Coefficients>> = { ...stored.calibration };
    const shares: Partial<Record<TrainerName, number>> = { ...stored.evaluationShare };
    const slowdown: Record<string, number> = { ...stored.slowdown };
    let startMs = stored.startMs;
    for (const trainer of TRAINER_NAMES) {
      if (calibration[trainer] !== undefined) continue;
      const {
        runs,
        startMs: start,
        inputNonZero,
      } = await this.calibrationRuns(dataset.id, trainer, calibrationNetworks(trainer));
      startMs = startMs === undefined ? start : Math.min(startMs, start);
      if (this.inputShare(dataset) === undefined)
        this.saveShare(dataset.id, { share: inputNonZero, trainCount: dataset.trainCount });
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
              inputNonZero,
            },
            trainer,
          ),
          ms: run.msPerIteration,
        })),
      );
    }
    if (workers > 1 && slowdown[String(workers)] === undefined) {
      slowdown[String(workers)] = await this.concurrentSlowdown(dataset.id, workers, startMs ?? 0);
    }
    this.checkOpen();
    const measured: CachedCalibration = {
      calibration,
      evaluationShare: shares,
      slowdown,
      ...(startMs !== undefined ? { startMs } : {}),
      calibratedOn: dataset.id,
    };
    this.zoo.settings.set(this.key(backend), {
      ...this.stored(backend),
      ...measured,
    } satisfies StoredCosts);
    this.cache?.saveCalibration(backend, measured);
  }

  /**
   * Measures both paths on each network whose choice is close and unmeasured
   * (CostModel.worthExploring), quietly in a calibration worker per path and dataset, and
   * records the runs as speed samples (scaled by the pool's measured slowdown, as the
   * calibrated line is): from then on that network is priced, and 'auto' chooses, by what
   * was measured on it. At most EXPLORE_LIMIT networks per call, in the order given.
   */
  async explore(
    backend: Backend,
    candidates: readonly ExploreCandidate[],
    workers = 1,
  ): Promise<number> {
    this.checkOpen();
    const model = this.model(backend, workers);
    const chosen = new Map<string, ExploreCandidate>();
    for (const candidate of candidates) {
      const key = shapeKey(candidate.shape);
      if (chosen.size < EXPLORE_LIMIT && !chosen.has(key) && model.worthExploring(candidate.shape))
        chosen.set(key, candidate);
    }
    const byDataset = new Map<string, ExploreCandidate[]>();
    for (const candidate of chosen.values())
      byDataset.set(candidate.datasetId, [
        ...(byDataset.get(candidate.datasetId) ?? []),
        candidate,
      ]);
    const shared = this.stored(backend).slowdown?.[String(workers)] ?? 1;
    for (const [datasetId, group] of byDataset) {
      for (const trainer of TRAINER_NAMES) {
        const { runs } = await this.calibrationRuns(
          datasetId,
          trainer,
          group.map(({ shape }) => ({ hidden: shape.hidden, density: shape.density })),
          { iterations: EXPLORE_STEPS },
        );
        this.checkOpen();
        runs.forEach((run, index) => {
          const shape = group[index].shape;
          this.record(backend, {
            trainer,
            key: shapeKey(shape),
            features: stepFeatures(shape, trainer),
            msPerIteration: run.msPerIteration * shared,
            msPerEvaluation: Number.isFinite(run.msPerEvaluation)
              ? run.msPerEvaluation * shared
              : null,
            testCount: run.testCount,
            // A calibration worker's start is not a job's: leave the overhead to real jobs.
            overheadMs: null,
          });
        });
      }
    }
    return chosen.size;
  }

  /** Remembers a finished run's speed (a sample refines the model from then on). */
  record(backend: Backend, sample: SpeedSample): void {
    if (this.closed) return;
    const stored = this.zoo.settings.get<StoredCosts>(this.key(backend)) ?? EMPTY;
    this.zoo.settings.set(this.key(backend), {
      ...stored,
      samples: withSample(stored.samples, sample),
    } satisfies StoredCosts);
  }

  /**
   * Wall ms per plane × checkpoint of a measure job on `shape`: the median of finished
   * measure jobs of the same network, else of all of them, else defaultMeasureMsPerUnit.
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
    return perUnit(same) ?? perUnit(finished) ?? defaultMeasureMsPerUnit(shape);
  }

  /**
   * How much slower a step is when `workers` runs share the machine than when one runs.
   * The workers load first and start their runs together (at twice a quiet worker start
   * from now), so the runs do overlap.
   */
  private async concurrentSlowdown(
    dataset: string,
    workers: number,
    startMs: number,
  ): Promise<number> {
    const alone = await this.calibrationRuns(dataset, 'fused', [SHARED_NETWORK], {
      iterations: SHARED_STEPS,
    });
    const startAt = Date.now() + 2 * Math.max(startMs, 1_000);
    const together = await Promise.all(
      Array.from({ length: workers }, () =>
        this.calibrationRuns(dataset, 'fused', [SHARED_NETWORK], {
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
  private calibrationRuns(
    dataset: string,
    trainer: TrainerName,
    networks: CalibrateMessage['networks'],
    options: { iterations?: number; startAt?: number } = {},
  ): Promise<{ runs: readonly CalibrationRun[]; startMs: number; inputNonZero: number }> {
    const spawned = performance.now();
    const { worker, track } = this.worker();
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, reply?: Extract<FromWorker, { type: 'calibrated' }>) => {
        if (settled) return;
        settled = true;
        this.running.delete(worker);
        void worker.terminate();
        if (error) reject(error);
        else {
          const wall = performance.now() - spawned;
          const inRuns = reply!.runs.reduce((sum, run) => sum + run.wallMs, 0);
          resolve({
            runs: reply!.runs,
            startMs: Math.max(0, wall - inRuns),
            inputNonZero: reply!.inputNonZero,
          });
        }
      };
      track((error) => finish(error));
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'calibrated') finish(null, message);
        else if (message.type === 'error')
          finish(new Error(`calibrating the ${trainer} path: ${message.message}`));
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) =>
        finish(new Error(`the calibration worker exited (code ${code}) before reporting`)),
      );
      worker.postMessage({
        type: 'calibrate',
        dataDirectory: this.home,
        dataset,
        trainer,
        networks,
        iterations: options.iterations ?? CALIBRATION_STEPS,
        warmup: CALIBRATION_WARMUP,
        ...(options.startAt !== undefined ? { startAt: options.startAt } : {}),
      } satisfies CalibrateMessage);
    });
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
