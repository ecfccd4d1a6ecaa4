/**
 * A remote worker (`mbh-lab worker --redis URL`): takes training runs from the lab's
 * BullMQ queue and runs each in the same training worker thread a local job uses
 * (startTraining, train.worker.ts), streaming the thread's messages back to the hub
 * through Redis; measure runs likewise go to a measure worker thread (measure-run.ts).
 * It writes no zoo; the hub applies what comes back.
 *
 * A run starts from the latest resume state stored for it in Redis, which the worker
 * replaces at every snapshot: when a worker dies mid-run, BullMQ's stalled-job check
 * gives the job back to the queue after its lock expires, and the next worker continues
 * from the last snapshot. Closing (Ctrl-C) pauses the threads, stores their resume
 * states and puts their jobs back in the queue for another worker.
 */
import { availableParallelism, hostname } from 'node:os';
import type { Job, Worker as QueueWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DatasetRegistry } from '../data/registry.ts';
import { startTraining } from '../jobs/train-job.ts';
import { connectRedis, duplicateRedis, whenReady } from './connection.ts';
import { DatasetIdentities } from './dataset-identity.ts';
import { HEARTBEAT_SECONDS, RemoteKeys } from './keys.ts';
import { MeasureWorker } from '../jobs/measure-client.ts';
import { WarmMeasureWorkers } from '../jobs/measure-job.ts';
import { MeasureRun } from './measure-run.ts';
import {
  decodeMeasurePayload,
  encodeMeasureMessage,
  validateMeasureRunData,
  type MeasureRunMessage,
} from './measure-wire.ts';
import {
  decodeResume,
  encodeMessage,
  encodeResume,
  validateRunData,
  type RunMessage,
} from './wire.ts';

export interface RemoteWorkerOptions {
  redis: string;
  queue: string;
  /** The lab folder whose dataset cache this worker uses. */
  home: string;
  name: string;
  concurrency: number;
  /** How long a run's lock lasts without renewal: a dead worker's run is given back after it. */
  lockMs: number;
  /** Snapshot cadence in steps (default: the trainer's). */
  snapshotEvery?: number;
  log(line: string): void;
}

/** What a worker advertises for the hub's workers panel (its heartbeat). */
export interface WorkerHeartbeat {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly cores: number;
  readonly concurrency: number;
  readonly startedAt: number;
  readonly runs: readonly {
    readonly run: string;
    readonly jobId: number;
    readonly iteration: number;
    readonly iterations: number;
    readonly trainer: string | null;
    readonly backend: string | null;
    readonly stepsPerSecond: number | null;
  }[];
}

interface Active {
  jobId: number;
  stop(kind: 'pause' | 'cancel'): void;
  /** Set when the worker itself stops the run to close: the job goes back to the queue. */
  closing: boolean;
  iteration: number;
  iterations: number;
  trainer: string | null;
  backend: string | null;
  stepsPerSecond: number | null;
}

export class RemoteWorker {
  private readonly keys: RemoteKeys;
  private readonly identities: DatasetIdentities;
  private readonly active = new Map<string, Active>();
  private readonly startedAt = Date.now();
  private heartbeat: NodeJS.Timeout | null = null;
  private closing = false;
  private queueConnection: Redis | null = null;
  /** Measure runs' threads, kept warm between runs as a lab keeps its own. */
  private readonly measureThreads: WarmMeasureWorkers;

  private constructor(
    private readonly options: RemoteWorkerOptions,
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private worker: QueueWorker | null = null,
  ) {
    this.keys = new RemoteKeys(options.queue);
    this.identities = new DatasetIdentities(new DatasetRegistry(options.home));
    this.measureThreads = new WarmMeasureWorkers(() => new MeasureWorker(options.home));
  }

  static async start(options: RemoteWorkerOptions): Promise<RemoteWorker> {
    const redis = await connectRedis(options.redis, `mbh-lab-worker:${options.name}`);
    await whenReady(redis, options.redis);
    const subscriber = duplicateRedis(redis);
    const self = new RemoteWorker(options, redis, subscriber);
    await self.listen();
    return self;
  }

  private async listen(): Promise<void> {
    const { Worker } = await import('bullmq');
    await this.subscriber.subscribe(this.keys.control);
    this.subscriber.on('message', (_channel: string, raw: string) => {
      try {
        const { run, kind } = JSON.parse(raw) as { run: string; kind: string };
        if (kind === 'pause' || kind === 'cancel') this.active.get(run)?.stop(kind);
      } catch {
        // Not ours: the control channel carries only {run, kind}.
      }
    });
    this.queueConnection = duplicateRedis(this.redis);
    this.worker = new Worker(this.keys.queue, (job, token) => this.process(job, token), {
      connection: this.queueConnection,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockMs,
      stalledInterval: Math.max(500, Math.round(this.options.lockMs / 2)),
      // A run may outlive several dead workers; each continues from the last snapshot.
      maxStalledCount: 100,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 1_000 },
    });
    this.worker.on('error', (error) => this.options.log(`queue: ${error.message}`));
    await this.beat();
    this.heartbeat = setInterval(
      () => void this.beat().catch(() => {}),
      (HEARTBEAT_SECONDS * 1000) / 3,
    );
    await this.worker.waitUntilReady();
  }

  private async beat(): Promise<void> {
    const heartbeat: WorkerHeartbeat = {
      name: this.options.name,
      host: hostname(),
      pid: process.pid,
      cores: availableParallelism(),
      concurrency: this.options.concurrency,
      startedAt: this.startedAt,
      runs: [...this.active].map(([run, active]) => ({
        run,
        jobId: active.jobId,
        iteration: active.iteration,
        iterations: active.iterations,
        trainer: active.trainer,
        backend: active.backend,
        stepsPerSecond: active.stepsPerSecond,
      })),
    };
    if (this.closing) return;
    await this.redis.set(
      this.keys.worker(this.options.name),
      JSON.stringify(heartbeat),
      'EX',
      HEARTBEAT_SECONDS,
    );
  }

  private async downloadDataset(sha256: string, id: string): Promise<Buffer> {
    const key = this.keys.dataset(sha256);
    const count = await this.redis.llen(key);
    if (count === 0)
      throw new Error(`dataset '${id}' is not on this worker and the hub did not send it`);
    this.options.log(`dataset ${id}: fetching ${count} chunk(s) from the hub`);
    const chunks: Buffer[] = [];
    for (let index = 0; index < count; index += 16)
      chunks.push(...(await this.redis.lrangeBuffer(key, index, Math.min(count, index + 16) - 1)));
    return Buffer.concat(chunks);
  }

  private async process(job: Job, token: string | undefined): Promise<string> {
    if (job.name === 'measure') return this.processMeasure(job, token);
    const data = validateRunData(job.data);
    const { run } = data;
    const events = this.keys.events(run);
    const send = (message: RunMessage) =>
      this.redis.xaddBuffer(events, '*', 'w', this.options.name, 'm', encodeMessage(message));
    try {
      await this.identities.ensure(data.dataset, () =>
        this.downloadDataset(data.dataset.identity.slice('sha256:'.length), data.dataset.id),
      );
    } catch (error) {
      await send({ type: 'error', name: 'DatasetError', message: (error as Error).message });
      throw error;
    }
    const [resumeBytes, requested] = await Promise.all([
      this.redis.getBuffer(this.keys.resume(run)),
      this.redis.get(this.keys.stop(run)),
    ]);
    const resume = resumeBytes ? decodeResume(resumeBytes) : undefined;
    this.options.log(
      `job ${data.jobId} (run ${run}): ${resume ? `resuming at step ${resume.step}` : 'starting'}`,
    );
    const active: Active = {
      jobId: data.jobId,
      stop: () => {},
      closing: false,
      iteration: resume?.step ?? 0,
      iterations: data.start.spec.iterations,
      trainer: null,
      backend: null,
      stepsPerSecond: null,
    };
    // Redis keeps the order of one connection's commands: messages land as the thread sent them.
    let last: Promise<unknown> = Promise.resolve();
    const training = startTraining(
      {
        type: 'start',
        ...data.start,
        dataDirectory: this.options.home,
        ...(this.options.snapshotEvery !== undefined
          ? { snapshotEvery: this.options.snapshotEvery }
          : {}),
        ...(resume ? { resume } : {}),
      },
      (message) => {
        if (message.type === 'ready') {
          active.trainer = message.trainer;
          active.backend = message.backend.name;
        } else if (message.type === 'progress') {
          active.iteration = message.iteration;
          active.stepsPerSecond = message.msPerIteration > 0 ? 1000 / message.msPerIteration : null;
        }
        if (message.type === 'snapshot') {
          // Encoded before the thread's next message: the state's arrays are the thread's own.
          const bytes = encodeResume(message.state);
          last = this.redis
            .multi()
            .set(this.keys.resume(run), bytes)
            .xaddBuffer(events, '*', 'w', this.options.name, 'm', encodeMessage(message))
            .exec();
        } else last = send(message);
      },
    );
    active.stop = (kind) => training.stop(kind);
    this.active.set(run, active);
    if (requested === 'pause' || requested === 'cancel') training.stop(requested);
    try {
      const done = await training.done;
      if (active.closing && done.status !== 'completed') {
        // This worker closes: keep where the run got to and give the job back.
        await last;
        if (done.resume) await this.redis.set(this.keys.resume(run), encodeResume(done.resume));
        await job.moveToWait(token);
        const { WaitingError } = await import('bullmq');
        throw new WaitingError();
      }
      await last;
      await send(done);
      this.options.log(`job ${data.jobId} (run ${run}): ${done.status} at step ${done.iteration}`);
      return done.status;
    } catch (error) {
      if ((error as Error).name === 'WaitingError') throw error;
      await last.catch(() => {});
      await send({ type: 'error', name: (error as Error).name, message: (error as Error).message });
      throw error;
    } finally {
      this.active.delete(run);
    }
  }

  /**
   * A measure run: its input from Redis, checked; its planes measured in a measure worker
   * thread and sent as they come. A run stopped here to close goes back to the queue and
   * starts again from its first plane wherever it lands (the hub writes each plane once).
   */
  private async processMeasure(job: Job, token: string | undefined): Promise<string> {
    const data = validateMeasureRunData(job.data);
    const { run } = data;
    const events = this.keys.events(run);
    let last: Promise<unknown> = Promise.resolve();
    const send = (message: MeasureRunMessage) => {
      last = this.redis.xaddBuffer(
        events,
        '*',
        'w',
        this.options.name,
        'm',
        encodeMeasureMessage(message),
      );
      return last;
    };
    const active: Active = {
      jobId: data.jobId,
      stop: () => {},
      closing: false,
      iteration: 0,
      iterations: 0,
      trainer: null,
      backend: null,
      stepsPerSecond: null,
    };
    try {
      await this.identities.ensure(data.dataset, () =>
        this.downloadDataset(data.dataset.identity.slice('sha256:'.length), data.dataset.id),
      );
      const [payloadBytes, requested] = await Promise.all([
        this.redis.getBuffer(this.keys.payload(run)),
        this.redis.get(this.keys.stop(run)),
      ]);
      if (payloadBytes === null)
        throw new Error(`measure run ${run}: its input is no longer in Redis`);
      const payload = decodeMeasurePayload(payloadBytes);
      const started = Date.now();
      const measuring = new MeasureRun({
        threads: this.measureThreads,
        run,
        payload,
        send: (message) => void send(message),
        onProgress: (done, total) => {
          active.iteration = done;
          active.iterations = total;
          active.stepsPerSecond = done / ((Date.now() - started) / 1000);
        },
      });
      active.iterations = payload.checkpoints.reduce((sum, entry) => sum + entry.planes.length, 0);
      active.stop = (kind) => measuring.stop(kind);
      this.active.set(run, active);
      if (requested === 'pause' || requested === 'cancel') measuring.stop(requested);
      this.options.log(`job ${data.jobId} (run ${run}): measuring ${active.iterations} plane(s)`);
      const status = await measuring.run();
      await last;
      if (active.closing && status !== 'completed') {
        // This worker closes: the run goes back to the queue for another worker.
        await job.moveToWait(token);
        const { WaitingError } = await import('bullmq');
        throw new WaitingError();
      }
      await send({ type: 'done', status });
      this.options.log(`job ${data.jobId} (run ${run}): measure ${status}`);
      return status;
    } catch (error) {
      if ((error as Error).name === 'WaitingError') throw error;
      await last.catch(() => {});
      await send({ type: 'error', name: (error as Error).name, message: (error as Error).message });
      throw error;
    } finally {
      this.active.delete(run);
    }
  }

  /** Stops taking runs, pauses the running ones back into the queue, and disconnects. */
  async close(): Promise<void> {
    if (this.closing) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const active of this.active.values()) {
      active.closing = true;
      active.stop('pause');
    }
    await this.worker?.close();
    await this.measureThreads.close();
    // BullMQ leaves a connection it was given open on close.
    this.queueConnection?.disconnect();
    this.closing = true;
    await this.redis.del(this.keys.worker(this.options.name)).catch(() => {});
    this.subscriber.disconnect();
    this.redis.disconnect();
  }
}
