/**
 * Where a hub's training runs and measure jobs go: to a local worker thread while one of
 * the hub's own slots is free (training and measuring share them), else to the remote
 * workers through BullMQ. A run a previous hub process gave to a remote worker stays
 * there (the hub attaches to it) whatever is free now.
 */
import type { MeasureRunner } from '../jobs/measure-job.ts';
import type { JobControl, JobOutcome, JobRunner } from '../jobs/scheduler.ts';
import { startTraining, type TrainingStarter } from '../jobs/train-job.ts';
import type { RemoteTraining, TrainingRun } from './hub-remote.ts';
import { measureContext, type RemoteMeasure } from './measure-hub.ts';

export class TrainingDispatch {
  private localRunning = 0;

  constructor(
    readonly localWorkers: number,
    private readonly remote: RemoteTraining,
    /** Called when a job's run goes to a local worker thread. */
    private readonly onLocal: (jobId: number) => void,
  ) {}

  /** Slots the scheduler may fill: the hub's own plus what the live workers take. */
  capacity(): number {
    return this.localWorkers + this.remote.capacity();
  }

  /** Takes one of the hub's own slots for `jobId` if one is free; releaseLocal() gives it back. */
  claimLocal(jobId: number): boolean {
    if (this.localRunning >= this.localWorkers) return false;
    this.localRunning++;
    this.onLocal(jobId);
    return true;
  }

  releaseLocal(): void {
    this.localRunning--;
  }

  readonly start: TrainingStarter = (message, onMessage, context) => {
    let chosen: TrainingRun | null = null;
    let requested: 'pause' | 'cancel' | null = null;
    const done = (async () => {
      const attached = await this.remote.existingRun(context);
      if (attached === null && this.claimLocal(context.jobId)) {
        try {
          chosen = startTraining(message, onMessage);
          if (requested) chosen.stop(requested);
          return await chosen.done;
        } finally {
          this.releaseLocal();
        }
      }
      chosen = this.remote.start(message, onMessage, context, attached);
      if (requested) chosen.stop(requested);
      return chosen.done;
    })();
    return {
      done,
      stop: (kind) => {
        if (chosen) chosen.stop(kind);
        else requested ??= kind;
      },
    };
  };
}

/** Measure jobs on a hub: in its own measure workers while a slot is free, else remotely. */
export class MeasureDispatch implements JobRunner {
  constructor(
    private readonly slots: TrainingDispatch,
    private readonly remote: RemoteTraining,
    private readonly local: MeasureRunner,
    private readonly measure: RemoteMeasure,
  ) {}

  async run(control: JobControl): Promise<JobOutcome> {
    const attached = await this.remote.existingRun(measureContext(control.job.id));
    if (attached === null && this.slots.claimLocal(control.job.id)) {
      try {
        return await this.local.run(control);
      } finally {
        this.slots.releaseLocal();
      }
    }
    return this.measure.run(control, attached);
  }
}
