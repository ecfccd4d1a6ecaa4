/**
 * The hub's side of remote measure jobs. A measure job the dispatch gives to the remote
 * workers becomes a BullMQ job (name 'measure') whose input — each checkpoint's network
 * and the planes it still lacks, the resolved phenomena, the cPs, the scope, the region
 * budget, the exact-pattern options and any exact patterns already stored — is one blob
 * in Redis. The worker sends back a message per plane on the run's stream; the hub checks
 * each against the input it sent and writes it exactly as a local measure job does
 * (storePlaneResult: one transaction per plane, upserts), so a plane read twice (a run
 * taken over after its worker died starts again from its first plane; a restarted hub
 * reads the stream from the start) writes nothing twice.
 *
 * A message that fails the checks fails the job with an error naming the worker and the
 * field; nothing of that message is written, and the run is cancelled on its worker.
 */
import type { JobControl, JobOutcome } from '../jobs/scheduler.ts';
import {
  MeasureProgress,
  measureJobScope,
  planesToMeasure,
  storePlaneResult,
  type MeasureJobSpec,
} from '../jobs/measure-job.ts';
import { planeMessage } from '../workers/measure-protocol.ts';
import type { DatasetRegistry } from '../data/registry.ts';
import { readLimits } from '../lab/lab-limits.ts';
import { classPhenomena } from '../../src-shared/model/phenomena.ts';
import type { Zoo } from '../zoo/zoo.ts';
import { newRunId, type RemoteTraining, type RunContext } from './hub-remote.ts';
import {
  decodeMeasureMessage,
  decodeMeasurePayload,
  encodeMeasurePayload,
  type MeasureCheckpoint,
  type MeasurePayload,
  type MeasureRunData,
  type MeasureRunMessage,
} from './measure-wire.ts';

/** A measure job is one run: phase 0 of its job. */
export function measureContext(jobId: number): RunContext {
  return { jobId, phase: 0 };
}

/** A message the hub refused: the job fails with it, and its run is cancelled. */
class RefusedMessage extends Error {
  constructor(worker: string, problem: string) {
    super(
      `worker ${worker} sent a measurement the hub refused (nothing of it was written): ${problem}`,
    );
    this.name = 'RefusedMessage';
  }
}

export class RemoteMeasure {
  constructor(
    private readonly zoo: Zoo,
    private readonly remote: RemoteTraining,
    private readonly registry: DatasetRegistry,
  ) {}

  /**
   * Measures the job's checkpoints on the remote workers, or follows the run a previous
   * hub process queued for it (`attachTo`); resolves as a local measure job does.
   */
  async run(control: JobControl, attachTo: string | null): Promise<JobOutcome> {
    const spec = control.job.spec as MeasureJobSpec;
    const context = measureContext(control.job.id);
    const scope = measureJobScope(this.zoo, spec);
    let run = attachTo;
    let payload = run === null ? null : await this.storedPayload(run);
    if (payload === null) {
      payload = this.payload(spec, scope, control.job.id);
      // Every plane is measured already (a job cut off after its last plane).
      if (payload === null) return { kind: 'done' };
      run = newRunId(context);
      const data: MeasureRunData = {
        version: 1,
        kind: 'measure',
        run,
        jobId: context.jobId,
        phase: 0,
        dataset: await this.remote.dataset(scope.model.datasetId),
      };
      await this.remote.submit('measure', data, context, [
        [this.remote.keys.payload(run), encodeMeasurePayload(payload)],
      ]);
    }
    const sent = payload;
    const chosen = run!;
    const units = sent.checkpoints.reduce((sum, checkpoint) => sum + checkpoint.planes.length, 0);
    const progress = new MeasureProgress(scope.total);
    progress.skipped(scope.total - units);
    control.onStop((reason) => {
      void this.remote
        .requestStop(chosen, reason === 'cancel' ? 'cancel' : 'pause')
        .catch(() => {});
    });
    const applied = new Set<string>();
    try {
      const done = await this.remote.follow<MeasureRunMessage>(
        chosen,
        context,
        (bytes, worker) => {
          try {
            return decodeMeasureMessage(bytes, sent);
          } catch (error) {
            throw new RefusedMessage(worker, (error as Error).message);
          }
        },
        (message) => {
          if (message.type === 'exactPatterns') {
            this.zoo.transaction(() =>
              this.zoo.exact.putPatterns(
                message.checkpointId,
                spec.scope,
                sent.exactTimeLimit!,
                message.patterns,
              ),
            );
            return;
          }
          const unit = `${message.checkpointId}:${message.plane}`;
          // A plane sent again (a run started over on another worker) is already written.
          if (applied.has(unit)) return;
          storePlaneResult(this.zoo, spec, message.checkpointId, spec.planeSetId, message);
          applied.add(unit);
          control.progress(progress.measured());
        },
        (status) => ({ type: 'done', status }),
      );
      if (done.status !== 'completed' || control.stopReason) return { kind: 'stopped' };
      for (const checkpoint of sent.checkpoints)
        for (const plane of checkpoint.planes)
          if (!applied.has(`${checkpoint.id}:${plane}`))
            throw new Error(
              `the remote run ended without plane ${plane} of checkpoint ${checkpoint.id}`,
            );
      return { kind: 'done' };
    } catch (error) {
      // The worker of a refused message would go on for nothing.
      if (error instanceof RefusedMessage)
        await this.remote.requestStop(chosen, 'cancel').catch(() => {});
      else if (control.stopReason) return { kind: 'stopped' };
      throw error;
    } finally {
      await this.remote.forget(chosen, context).catch(() => {});
    }
  }

  /** The input of a run a previous hub process queued; null when Redis no longer has it. */
  private async storedPayload(run: string): Promise<MeasurePayload | null> {
    const bytes = await this.remote.redis.getBuffer(this.remote.keys.payload(run));
    return bytes === null ? null : decodeMeasurePayload(bytes);
  }

  /** What the job still has to measure, as a run's input; null when nothing is left. */
  private payload(
    spec: MeasureJobSpec,
    scope: ReturnType<typeof measureJobScope>,
    jobId: number,
  ): MeasurePayload | null {
    const { model, planeSet, widths } = scope;
    const phenomena = spec.phenomena ?? this.classPhenomena(model.datasetId);
    const names = phenomena.map((phenomenon) => phenomenon.name);
    const timeLimit = spec.exact ? spec.exact.timeLimit : null;
    const checkpoints: MeasureCheckpoint[] = [];
    const planes = new Set<number>();
    for (const summary of scope.checkpoints) {
      const todo = planesToMeasure(this.zoo, spec, planeSet, summary.id);
      if (todo.length === 0) continue;
      const checkpoint = this.zoo.checkpoints.get(summary.id);
      for (const plane of todo) planes.add(plane.index);
      checkpoints.push({
        id: checkpoint.id,
        iteration: checkpoint.iteration,
        weights: checkpoint.weights,
        biases: checkpoint.biases,
        masks: checkpoint.masks,
        planes: todo.map((plane) => plane.index),
        exact:
          timeLimit === null
            ? null
            : this.zoo.exact.patterns(checkpoint.id, spec.scope, names, spec.cps, timeLimit),
      });
    }
    if (checkpoints.length === 0) return null;
    return {
      version: 1,
      jobId,
      datasetId: model.datasetId,
      widths,
      phenomena: phenomena.map((phenomenon) => ({
        name: phenomenon.name,
        labels: [...phenomenon.labels],
      })),
      cps: spec.cps,
      scope: spec.scope,
      maxRegions: readLimits(this.zoo).regionBudget,
      exactTimeLimit: timeLimit,
      planes: planeSet.planes.filter((plane) => planes.has(plane.index)).map(planeMessage),
      checkpoints,
    };
  }

  /** One phenomenon per class, as a measure worker makes them when a job names none. */
  private classPhenomena(datasetId: string) {
    const entry = this.registry.list().find((candidate) => candidate.id === datasetId);
    if (!entry) throw new Error(`dataset '${datasetId}' is not on the hub`);
    return classPhenomena(entry.classNames);
  }
}
