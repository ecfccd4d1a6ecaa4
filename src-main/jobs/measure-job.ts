/**
 * Measure jobs: a model's checkpoints (the last, or all) on a plane set, every phenomenon
 * and cP, in a measure worker. Each plane's results land in one transaction as soon as
 * they arrive, and planes already measured are skipped, so a job that was paused or cut
 * off by a crash continues where it stopped without writing anything twice.
 */
import type { PhenomenonSpec, ScopeName } from '../../src-shared/api/dto.ts';
import type { StoredCheckpoint } from '../zoo/checkpoints.ts';
import { planeMessage, type PlaneResult } from '../workers/measure-protocol.ts';
import type { JobProgress } from '../zoo/jobs.ts';
import type { StoredPlane, StoredPlaneSet } from '../zoo/planes.ts';
import type { Zoo } from '../zoo/zoo.ts';
import { MeasureWorker } from './measure-client.ts';
import { readLimits } from '../lab/lab-limits.ts';
import type { ExactPatternMessage } from '../analyses/exact-protocol.ts';
import type { JobControl, JobOutcome, JobRunner } from './scheduler.ts';

export interface MeasureJobSpec {
  modelId: number;
  planeSetId: number;
  checkpoints: 'last' | 'all';
  cps: number[];
  phenomena: PhenomenonSpec[] | null;
  scope: ScopeName;
  /** Also the exact maximal patterns (appendix C.1), solved with this time limit per pass. */
  exact?: { timeLimit: number } | null;
}

/**
 * A key for a checkpoint's numbers, for caches in workers: row ids can be reused after a
 * delete, so the key also hashes the weights (FNV-1a over their bytes).
 */
export function checkpointKey(checkpoint: StoredCheckpoint): string {
  let hash = 0x811c9dc5;
  const bytes = new Uint8Array(
    checkpoint.weights.buffer,
    checkpoint.weights.byteOffset,
    checkpoint.weights.byteLength,
  );
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return `checkpoint:${checkpoint.id}:${(hash >>> 0).toString(16)}`;
}

export function networkMessage(widths: number[], checkpoint: StoredCheckpoint) {
  return {
    widths,
    weights: checkpoint.weights,
    biases: checkpoint.biases,
    masks: checkpoint.masks,
  };
}

/** Idle measure workers are kept this long for the next job, then stopped. */
const IDLE_WORKER_MS = 15_000;

/**
 * Measure worker threads kept warm between jobs (a thread's start, its dataset load and
 * its pattern cache cost more than a small job), each stopped after IDLE_WORKER_MS idle.
 */
export class WarmMeasureWorkers {
  private readonly idle: { worker: MeasureWorker; timer: NodeJS.Timeout }[] = [];

  constructor(private readonly create: () => MeasureWorker) {}

  /** A warm worker from an earlier job, or a new one. */
  acquire(): MeasureWorker {
    for (let entry = this.idle.pop(); entry; entry = this.idle.pop()) {
      clearTimeout(entry.timer);
      if (entry.worker.alive) return entry.worker;
    }
    return this.create();
  }

  /** Keeps a worker whose job ended for the next one (a dead one is dropped). */
  release(worker: MeasureWorker): void {
    if (!worker.alive) return;
    const timer = setTimeout(() => {
      const index = this.idle.findIndex((entry) => entry.worker === worker);
      if (index >= 0) this.idle.splice(index, 1);
      void worker.terminate();
    }, IDLE_WORKER_MS);
    timer.unref();
    this.idle.push({ worker, timer });
  }

  /** Stops the idle workers (the lab or the remote worker is closing). */
  async close(): Promise<void> {
    const entries = this.idle.splice(0);
    for (const entry of entries) clearTimeout(entry.timer);
    await Promise.all(entries.map((entry) => entry.worker.terminate()));
  }
}

export class MeasureRunner implements JobRunner {
  // The lab's settings at the time a worker starts: its heap limit.
  private readonly workers = new WarmMeasureWorkers(
    () => new MeasureWorker(this.home, { memoryMb: readLimits(this.zoo).workerMemoryMb }),
  );

  constructor(
    private readonly zoo: Zoo,
    private readonly home: string,
  ) {}

  /** Stops the idle workers (the lab is closing). */
  close(): Promise<void> {
    return this.workers.close();
  }

  /**
   * A checkpoint's exact patterns: stored ones when every cell is there, else solved in the
   * worker (phenomenon-major, as the measure request wants them) and stored.
   */
  private async exactPatterns(
    worker: MeasureWorker,
    spec: MeasureJobSpec,
    timeLimit: number,
    checkpoint: ReturnType<Zoo['checkpoints']['get']>,
    widths: number[],
  ): Promise<ExactPatternMessage[]> {
    const names = spec.phenomena?.map((phenomenon) => phenomenon.name);
    const stored = names
      ? this.zoo.exact.patterns(checkpoint.id, spec.scope, names, spec.cps, timeLimit)
      : null;
    if (stored) return stored;
    const model = this.zoo.models.get(spec.modelId);
    const solved = await worker.request<ExactPatternMessage[]>({
      type: 'exactPatterns',
      patternKey: checkpointKey(checkpoint),
      network: networkMessage(widths, checkpoint),
      datasetId: model.datasetId,
      phenomena: spec.phenomena,
      cps: spec.cps,
      scope: spec.scope,
      timeLimit,
    });
    this.zoo.transaction(() =>
      this.zoo.exact.putPatterns(checkpoint.id, spec.scope, timeLimit, solved),
    );
    return solved;
  }

  async run(control: JobControl): Promise<JobOutcome> {
    const spec = control.job.spec as MeasureJobSpec;
    const { model, planeSet, checkpoints, widths, total } = measureJobScope(this.zoo, spec);
    const progress = new MeasureProgress(total);

    const worker = this.workers.acquire();
    // A stop cannot wait for the plane in progress: the worker is stopped, not reused.
    control.onStop(() => void worker.terminate());
    try {
      for (const summary of checkpoints) {
        if (control.stopReason) break;
        const todo = planesToMeasure(this.zoo, spec, planeSet, summary.id);
        progress.skipped(planeSet.planes.length - todo.length);
        if (todo.length === 0) continue;
        const checkpoint = this.zoo.checkpoints.get(summary.id);
        const exact = spec.exact
          ? await this.exactPatterns(worker, spec, spec.exact.timeLimit, checkpoint, widths)
          : null;
        await worker.request<null>(
          {
            type: 'measure',
            patternKey: checkpointKey(checkpoint),
            network: networkMessage(widths, checkpoint),
            datasetId: model.datasetId,
            planes: todo.map(planeMessage),
            maxRegions: readLimits(this.zoo).regionBudget,
            phenomena: spec.phenomena,
            cps: spec.cps,
            scope: spec.scope,
            exact,
          },
          {
            onPlane: (result) => {
              storePlaneResult(this.zoo, spec, checkpoint.id, planeSet.id, result);
              control.progress(progress.measured());
            },
          },
        );
      }
    } catch (error) {
      void worker.terminate();
      if (control.stopReason) return { kind: 'stopped' };
      throw error;
    }
    if (control.stopReason) {
      void worker.terminate();
      return { kind: 'stopped' };
    }
    this.workers.release(worker);
    return { kind: 'done' };
  }
}

/**
 * What a measure job covers, checked: its model, its plane set (on the model's dataset)
 * and the checkpoints to measure, oldest first; `total` counts checkpoint × plane units.
 */
export function measureJobScope(zoo: Zoo, spec: MeasureJobSpec) {
  const model = zoo.models.get(spec.modelId);
  const planeSet = zoo.planeSets.get(spec.planeSetId);
  if (planeSet.datasetId !== model.datasetId) {
    throw new Error(
      `plane set ${planeSet.id} is on dataset ${planeSet.datasetId}, model ${model.id} on ${model.datasetId}`,
    );
  }
  const all = zoo.checkpoints.list(spec.modelId);
  const checkpoints = spec.checkpoints === 'all' ? all : all.slice(-1);
  if (checkpoints.length === 0) throw new Error(`model ${model.id} has no checkpoint to measure`);
  const widths = [model.inputDim, ...model.hidden, model.classCount];
  return {
    model,
    planeSet,
    checkpoints,
    widths,
    total: checkpoints.length * planeSet.planes.length,
  };
}

/**
 * The planes of a checkpoint the job still has to measure: those missing a cell (or an
 * exact cell, when the job asks for exact patterns). A job cut off continues from here.
 */
export function planesToMeasure(
  zoo: Zoo,
  spec: MeasureJobSpec,
  planeSet: StoredPlaneSet,
  checkpointId: number,
): StoredPlane[] {
  return planeSet.planes.filter(
    (plane) =>
      !zoo.measurements.isPlaneMeasured(
        checkpointId,
        planeSet.id,
        plane.index,
        spec.scope,
        spec.cps,
      ) ||
      (spec.exact &&
        !zoo.exact.isPlaneMeasured(checkpointId, planeSet.id, plane.index, spec.scope, spec.cps)),
  );
}

/** One plane's results as a measure worker computes them (a local thread or a remote worker). */
export type PlaneCells = Omit<PlaneResult, 'type' | 'id'>;

/**
 * Stores one plane's results — every phenomenon × cP cell, the exact cells when measured,
 * and the plane's region count — in one transaction. Upserts: writing a plane again
 * (a job resumed, a remote result read twice) replaces the same rows.
 */
export function storePlaneResult(
  zoo: Zoo,
  spec: MeasureJobSpec,
  checkpointId: number,
  planeSetId: number,
  result: PlaneCells,
): void {
  zoo.transaction(() => {
    const rows = [];
    let k = 0;
    for (const phenomenon of result.phenomena) {
      for (const cp of result.cps) {
        rows.push({
          checkpointId,
          planeSetId,
          plane: result.plane,
          phenomenon,
          cp,
          scope: spec.scope,
          s: result.s[k],
          blanketArea: result.blanketArea[k],
          domainArea: result.domainArea,
          constraints: result.constraints[k],
          coverage: result.coverage[k],
        });
        k++;
      }
    }
    zoo.measurements.put(rows);
    const exactCells = result.exact;
    if (exactCells) {
      zoo.exact.putMeasurements(
        rows.map((row, cell) => ({
          ...row,
          s: exactCells.s[cell],
          blanketArea: exactCells.blanketArea[cell],
          constraints: exactCells.constraints[cell],
          coverage: exactCells.coverage[cell],
          optimal: exactCells.optimal[cell] === 1,
        })),
      );
    }
    zoo.measurements.putRegionCounts([
      {
        checkpointId,
        planeSetId,
        plane: result.plane,
        regions: result.regions,
        domainArea: result.domainArea,
        ms: result.ms,
      },
    ]);
  });
}

/** A measure job's progress: units (checkpoint × plane) done of its total, and an ETA from this run's pace. */
export class MeasureProgress {
  private done = 0;
  private measuredHere = 0;
  private readonly started = Date.now();

  constructor(readonly total: number) {}

  /** Units found measured already (by an earlier run of the job). */
  skipped(units: number): void {
    this.done += units;
  }

  /** One unit measured now; the progress to report. */
  measured(): JobProgress {
    this.done++;
    this.measuredHere++;
    const perUnit = (Date.now() - this.started) / this.measuredHere;
    return {
      progress: this.done / this.total,
      iteration: this.done,
      loss: null,
      accuracy: null,
      etaSeconds: ((this.total - this.done) * perUnit) / 1000,
    };
  }
}
