/**
 * Measure jobs: a model's checkpoints (the last, or all) on a plane set, every phenomenon
 * and cP, in a measure worker. Each plane's results land in one transaction as soon as
 * they arrive, and planes already measured are skipped, so a job that was paused or cut
 * off by a crash continues where it stopped without writing anything twice.
 */
import type { PhenomenonSpec, ScopeName } from '../../src-shared/api/dto.ts';
import type { StoredCheckpoint } from '../zoo/checkpoints.ts';
import { planeMessage } from '../workers/measure-protocol.ts';
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

export class MeasureRunner implements JobRunner {
  private readonly idle: { worker: MeasureWorker; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly zoo: Zoo,
    private readonly home: string,
  ) {}

  /** A warm worker from an earlier job, or a new one. */
  private acquire(): MeasureWorker {
    for (let entry = this.idle.pop(); entry; entry = this.idle.pop()) {
      clearTimeout(entry.timer);
      if (entry.worker.alive) return entry.worker;
    }
    // The lab's settings at the time the worker starts: its heap limit.
    return new MeasureWorker(this.home, { memoryMb: readLimits(this.zoo).workerMemoryMb });
  }

  private release(worker: MeasureWorker): void {
    if (!worker.alive) return;
    const timer = setTimeout(() => {
      const index = this.idle.findIndex((entry) => entry.worker === worker);
      if (index >= 0) this.idle.splice(index, 1);
      void worker.terminate();
    }, IDLE_WORKER_MS);
    timer.unref();
    this.idle.push({ worker, timer });
  }

  /** Stops the idle workers (the lab is closing). */
  async close(): Promise<void> {
    const entries = this.idle.splice(0);
    for (const entry of entries) clearTimeout(entry.timer);
    await Promise.all(entries.map((entry) => entry.worker.terminate()));
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

  /** The checkpoints a measure job covers, oldest first. */
  checkpointsOf(spec: MeasureJobSpec) {
    const all = this.zoo.checkpoints.list(spec.modelId);
    return spec.checkpoints === 'all' ? all : all.slice(-1);
  }

  async run(control: JobControl): Promise<JobOutcome> {
    const spec = control.job.spec as MeasureJobSpec;
    const model = this.zoo.models.get(spec.modelId);
    const planeSet = this.zoo.planeSets.get(spec.planeSetId);
    if (planeSet.datasetId !== model.datasetId) {
      throw new Error(
        `plane set ${planeSet.id} is on dataset ${planeSet.datasetId}, model ${model.id} on ${model.datasetId}`,
      );
    }
    const checkpoints = this.checkpointsOf(spec);
    if (checkpoints.length === 0) throw new Error(`model ${model.id} has no checkpoint to measure`);
    const widths = [model.inputDim, ...model.hidden, model.classCount];
    const total = checkpoints.length * planeSet.planes.length;
    let done = 0;
    const started = Date.now();
    let measuredHere = 0;

    const worker = this.acquire();
    // A stop cannot wait for the plane in progress: the worker is stopped, not reused.
    control.onStop(() => void worker.terminate());
    try {
      for (const summary of checkpoints) {
        if (control.stopReason) break;
        const todo = planeSet.planes.filter(
          (plane) =>
            !this.zoo.measurements.isPlaneMeasured(
              summary.id,
              planeSet.id,
              plane.index,
              spec.scope,
              spec.cps,
            ) ||
            (spec.exact &&
              !this.zoo.exact.isPlaneMeasured(
                summary.id,
                planeSet.id,
                plane.index,
                spec.scope,
                spec.cps,
              )),
        );
        done += planeSet.planes.length - todo.length;
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
              this.zoo.transaction(() => {
                const rows = [];
                let k = 0;
                for (const phenomenon of result.phenomena) {
                  for (const cp of result.cps) {
                    rows.push({
                      checkpointId: checkpoint.id,
                      planeSetId: planeSet.id,
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
                this.zoo.measurements.put(rows);
                const exactCells = result.exact;
                if (exactCells) {
                  this.zoo.exact.putMeasurements(
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
                this.zoo.measurements.putRegionCounts([
                  {
                    checkpointId: checkpoint.id,
                    planeSetId: planeSet.id,
                    plane: result.plane,
                    regions: result.regions,
                    domainArea: result.domainArea,
                    ms: result.ms,
                  },
                ]);
              });
              done++;
              measuredHere++;
              const perUnit = (Date.now() - started) / measuredHere;
              control.progress({
                progress: done / total,
                iteration: done,
                loss: null,
                accuracy: null,
                etaSeconds: ((total - done) * perUnit) / 1000,
              });
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
    this.release(worker);
    return { kind: 'done' };
  }
}
