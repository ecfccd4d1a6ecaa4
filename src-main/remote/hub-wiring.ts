/**
 * A hub's remote workers, as the lab service holds them: the Redis connection, the
 * dispatch between local threads and remote workers, and where each job's last run went.
 * The service imports this module only when a Redis URL is configured, so an embedded
 * lab loads neither ioredis nor BullMQ.
 */
import { DatasetRegistry } from '../data/registry.ts';
import type { MeasureRunner } from '../jobs/measure-job.ts';
import type { JobRunner } from '../jobs/scheduler.ts';
import { LOCAL_WORKER } from '../zoo/jobs.ts';
import type { Zoo } from '../zoo/zoo.ts';
import { checkRedisUrl } from './connection.ts';
import { MeasureDispatch, TrainingDispatch } from './dispatch.ts';
import { RemoteTraining } from './hub-remote.ts';
import { RemoteMeasure } from './measure-hub.ts';
import { DEFAULT_QUEUE } from './keys.ts';
import type { WorkerHeartbeat } from './remote-worker.ts';

export interface HubRemoteOptions {
  redis: string;
  queue?: string;
  home: string;
  /** Runs the hub trains in its own worker threads at once (0: remote workers only). */
  localWorkers: number;
}

export class HubRemote {
  /** Set by the service: the scheduler starts more jobs when workers join. */
  onCapacity: () => void = () => {};
  /** Set by the service: a job's run went to `worker`. */
  onWorker: (jobId: number, worker: string) => void = () => {};

  private constructor(
    readonly training: RemoteTraining,
    readonly dispatch: TrainingDispatch,
    private readonly registry: DatasetRegistry,
  ) {}

  static async connect(options: HubRemoteOptions): Promise<HubRemote> {
    checkRedisUrl(options.redis, 'redis');
    let self: HubRemote | null = null;
    const registry = new DatasetRegistry(options.home);
    const training = await RemoteTraining.connect({
      redis: options.redis,
      queue: options.queue ?? DEFAULT_QUEUE,
      registry,
      onCapacity: () => self?.onCapacity(),
      onWorker: (jobId, worker) => self?.onWorker(jobId, worker),
    });
    const dispatch = new TrainingDispatch(options.localWorkers, training, (jobId) =>
      self?.onWorker(jobId, LOCAL_WORKER),
    );
    self = new HubRemote(training, dispatch, registry);
    return self;
  }

  /**
   * The hub's measure jobs: in `local`'s measure workers while one of the hub's slots is
   * free, else on the remote workers; the results are written to `zoo` as local ones are.
   */
  measureRunner(zoo: Zoo, local: MeasureRunner): JobRunner {
    return new MeasureDispatch(
      this.dispatch,
      this.training,
      local,
      new RemoteMeasure(zoo, this.training, this.registry),
    );
  }

  workers(): readonly WorkerHeartbeat[] {
    return this.training.workers();
  }

  close(): Promise<void> {
    return this.training.close();
  }
}
