/**
 * Where a hub's training run goes: to a local worker thread while one of the hub's own
 * slots is free, else to the remote workers through BullMQ. A run a previous hub process
 * gave to a remote worker stays there (the hub attaches to it) whatever is free now.
 */
import { startTraining, type TrainingStarter } from '../jobs/train-job.ts';
import type { RemoteTraining, TrainingRun } from './hub-remote.ts';

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

  readonly start: TrainingStarter = (message, onMessage, context) => {
    let chosen: TrainingRun | null = null;
    let requested: 'pause' | 'cancel' | null = null;
    const done = (async () => {
      const attached = await this.remote.existingRun(context);
      if (attached === null && this.localRunning < this.localWorkers) {
        this.localRunning++;
        this.onLocal(context.jobId);
        try {
          chosen = startTraining(message, onMessage);
          if (requested) chosen.stop(requested);
          return await chosen.done;
        } finally {
          this.localRunning--;
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
