/**
 * The hub's side of remote training: a training run the scheduler gives to a remote
 * worker becomes a BullMQ job; the run's messages come back on its Redis stream and go
 * to the same handler as a local worker thread's (TrainRunner), which validates nothing
 * less and writes the zoo as for a local run. The hub alone writes SQLite.
 *
 * Runs are recorded by the hub's job key (job id and phase) in Redis, so a hub restarted
 * while its runs go on attaches to them and reads their streams from the start: the
 * writes are upserts keyed by model and step, so what it had applied is not written
 * twice, and a run that finished while the hub was down is applied from its stream.
 */
import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DatasetRegistry } from '../data/registry.ts';
import type { FromWorker, StartMessage } from '../workers/train-protocol.ts';
import { connectRedis, duplicateRedis, whenReady } from './connection.ts';
import { DATASET_CHUNK_BYTES, DatasetIdentities } from './dataset-identity.ts';
import { RemoteKeys } from './keys.ts';
import type { WorkerHeartbeat } from './remote-worker.ts';
import {
  decodeMessage,
  encodeResume,
  type DatasetIdentity,
  type RunData,
  type RunMessage,
} from './wire.ts';

type Done = Extract<FromWorker, { type: 'done' }>;

/** One run as the TrainRunner sees it (the same shape as a local worker thread's). */
export interface TrainingRun {
  done: Promise<Done>;
  stop(kind: 'pause' | 'cancel'): void;
}

/** Which job and phase a run belongs to. */
export interface RunContext {
  readonly jobId: number;
  readonly phase: number;
}

export interface RemoteTrainingOptions {
  redis: string;
  queue: string;
  registry: DatasetRegistry;
  /** Called when the workers' total capacity changes (the scheduler starts more jobs). */
  onCapacity(): void;
  /** Called with the name of the worker a job's run was taken by. */
  onWorker(jobId: number, worker: string): void;
}

/** How often the hub reads the workers' heartbeats. */
const WORKERS_POLL_MS = 1_000;
/** Longest a stream read blocks before it checks whether the hub closes. */
const READ_BLOCK_MS = 2_000;
/** Seconds a dataset's chunks stay in Redis after a run last asked for them. */
const DATASET_TTL_SECONDS = 7 * 24 * 3600;

export class RemoteTraining {
  readonly keys: RemoteKeys;
  readonly identities: DatasetIdentities;
  private known: WorkerHeartbeat[] = [];
  private poll: NodeJS.Timeout | null = null;
  private closed = false;
  /**
   * Rejects when the hub closes. A command sent while Redis is away waits in ioredis'
   * queue, and a disconnect does not end it: a run followed then would never end, and a
   * lab that switches its Redis off (hub settings) would wait for it forever.
   */
  private readonly whenClosed: Promise<never>;
  private signalClosed: (error: Error) => void = () => {};
  private readonly readers = new Set<Redis>();

  private constructor(
    private readonly options: RemoteTrainingOptions,
    /** The hub's connection (remote measure runs share it). */
    readonly redis: Redis,
    private readonly queue: Queue,
    /** The queue's connection: BullMQ leaves one it was given open on close. */
    private readonly queueConnection: Redis,
  ) {
    this.keys = new RemoteKeys(options.queue);
    this.identities = new DatasetIdentities(options.registry);
    this.whenClosed = new Promise<never>((_, reject) => (this.signalClosed = reject));
    this.whenClosed.catch(() => {});
  }

  static async connect(options: RemoteTrainingOptions): Promise<RemoteTraining> {
    const redis = await connectRedis(options.redis, 'mbh-lab-hub');
    await whenReady(redis, options.redis);
    const { Queue } = await import('bullmq');
    const keys = new RemoteKeys(options.queue);
    const connection = duplicateRedis(redis);
    const queue = new Queue(keys.queue, { connection });
    queue.on('error', () => {});
    const self = new RemoteTraining(options, redis, queue, connection);
    await self.readWorkers();
    self.poll = setInterval(() => void self.readWorkers().catch(() => {}), WORKERS_POLL_MS);
    return self;
  }

  /** The live workers, from their heartbeats. */
  workers(): readonly WorkerHeartbeat[] {
    return this.known;
  }

  /** How many runs the live workers take at once. */
  capacity(): number {
    return this.known.reduce((sum, worker) => sum + worker.concurrency, 0);
  }

  private async readWorkers(): Promise<void> {
    const names: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(
        cursor,
        'MATCH',
        this.keys.workerPattern,
        'COUNT',
        200,
      );
      cursor = next;
      names.push(...found);
    } while (cursor !== '0');
    const values = names.length > 0 ? await this.redis.mget(names) : [];
    const workers: WorkerHeartbeat[] = [];
    for (const value of values) {
      if (value === null) continue;
      try {
        workers.push(JSON.parse(value) as WorkerHeartbeat);
      } catch {
        // A heartbeat that does not parse is not a worker.
      }
    }
    workers.sort((a, b) => a.name.localeCompare(b.name));
    const before = this.capacity();
    this.known = workers;
    if (this.capacity() !== before) this.options.onCapacity();
  }

  /** The run a previous hub process started for this job and phase, if it is still known. */
  async existingRun(context: RunContext): Promise<string | null> {
    return this.redis.hget(this.keys.runs, runKey(context));
  }

  /**
   * Runs `message` on a remote worker, or attaches to the run already recorded for the
   * job and phase; `onMessage` gets each message, checked, in order.
   */
  start(
    message: StartMessage,
    onMessage: (message: Exclude<RunMessage, { type: 'done' | 'error' }>) => void,
    context: RunContext,
    attachTo: string | null,
  ): TrainingRun {
    let requested: 'pause' | 'cancel' | null = null;
    let stop: (kind: 'pause' | 'cancel') => void = (kind) => (requested ??= kind);
    const done = (async (): Promise<Done> => {
      const run = attachTo ?? (await this.enqueue(message, context));
      stop = (kind) => void this.requestStop(run, kind);
      if (requested) await this.requestStop(run, requested);
      try {
        return await this.follow(run, context, decodeMessage, onMessage, pausedBeforeStart);
      } finally {
        await this.forget(run, context).catch(() => {});
      }
    })();
    return { done, stop: (kind) => stop(kind) };
  }

  private async enqueue(message: StartMessage, context: RunContext): Promise<string> {
    const run = newRunId(context);
    const dataset = await this.dataset(message.spec.dataset);
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { type, dataDirectory, resume, ...start } = message;
    const data: RunData = {
      version: 1,
      run,
      jobId: context.jobId,
      phase: context.phase,
      dataset,
      start,
    };
    await this.submit(
      'train',
      data,
      context,
      resume ? [[this.keys.resume(run), encodeResume(resume)]] : [],
    );
    return run;
  }

  /** The hub's identity of a dataset, its file shared in Redis when it is a user dataset. */
  async dataset(id: string): Promise<DatasetIdentity> {
    const dataset = await this.identities.of(id);
    if (dataset === null) throw new Error(`dataset '${id}' is not on the hub`);
    await this.share(dataset);
    return dataset;
  }

  /**
   * Queues a run as a BullMQ job named `name` (its id the run's), after recording it for
   * its job and phase and writing its binary parts (`blobs`: Redis key and bytes).
   */
  async submit(
    name: 'train' | 'measure',
    data: { readonly run: string },
    context: RunContext,
    blobs: readonly (readonly [string, Buffer])[],
  ): Promise<void> {
    const write = this.redis.multi().hset(this.keys.runs, runKey(context), data.run);
    for (const [key, bytes] of blobs) write.set(key, bytes);
    await write.exec();
    await this.queue.add(name, data, {
      jobId: data.run,
      removeOnComplete: true,
      removeOnFail: 1_000,
    });
  }

  /** Puts a user dataset's cache file in Redis once, for workers that lack it. */
  private async share(dataset: DatasetIdentity): Promise<void> {
    if (!dataset.identity.startsWith('sha256:')) return;
    const key = this.keys.dataset(dataset.identity.slice('sha256:'.length));
    if ((await this.redis.expire(key, DATASET_TTL_SECONDS)) === 1) return;
    // Written under a temporary key and renamed, so a worker never reads half a file.
    const staging = `${key}:staging:${randomUUID()}`;
    const file = await open(this.options.registry.cachePath(dataset.id), 'r');
    try {
      for (;;) {
        const chunk = Buffer.alloc(DATASET_CHUNK_BYTES);
        const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        await this.redis.rpush(staging, chunk.subarray(0, bytesRead));
      }
    } finally {
      await file.close();
    }
    await this.redis.multi().rename(staging, key).expire(key, DATASET_TTL_SECONDS).exec();
  }

  async requestStop(run: string, kind: 'pause' | 'cancel'): Promise<void> {
    await this.redis.set(this.keys.stop(run), kind, 'EX', 7 * 24 * 3600);
    await this.redis.publish(this.keys.control, JSON.stringify({ run, kind }));
  }

  /**
   * Reads the run's stream until its done (resolved) or error (rejected) message; each
   * entry is decoded (and checked) by `decode`, told which worker sent it. A run stopped
   * before any worker took it leaves the queue and ends as `removed` says.
   */
  async follow<M extends { readonly type: string }>(
    run: string,
    context: RunContext,
    decode: (bytes: Uint8Array, worker: string) => M,
    onMessage: (message: Exclude<M, { type: 'done' | 'error' }>) => void,
    removed: (status: 'paused' | 'cancelled') => Extract<M, { type: 'done' }>,
  ): Promise<Extract<M, { type: 'done' }>> {
    const reader = duplicateRedis(this.redis);
    this.readers.add(reader);
    let worker: string | null = null;
    try {
      let last = '0';
      for (;;) {
        if (this.closed) throw new Error('the lab closed while the run went on remotely');
        const stopRequested = await this.untilClosed(this.redis.get(this.keys.stop(run)));
        // A paused or cancelled run no worker has taken yet leaves the queue at once.
        if (stopRequested !== null && (await this.removeIfWaiting(run))) {
          return removed(stopRequested === 'cancel' ? 'cancelled' : 'paused');
        }
        const answer = await this.untilClosed(
          reader.xreadBuffer(
            'COUNT',
            64,
            'BLOCK',
            READ_BLOCK_MS,
            'STREAMS',
            this.keys.events(run),
            last,
          ),
        );
        for (const [, entries] of answer ?? []) {
          for (const [id, fields] of entries) {
            last = id.toString();
            const entry = fieldsOf(fields);
            const from = entry.w.toString();
            // Recorded first: a job failed by a message the hub refuses names its sender.
            if (from !== worker) {
              worker = from;
              this.options.onWorker(context.jobId, from);
            }
            const message = decode(entry.m, from);
            if (message.type === 'done') return message as Extract<M, { type: 'done' }>;
            if (message.type === 'error')
              throw new Error(`on worker ${from}: ${(message as { message?: string }).message}`);
            onMessage(message as Exclude<M, { type: 'done' | 'error' }>);
          }
        }
      }
    } finally {
      this.readers.delete(reader);
      reader.disconnect();
    }
  }

  /**
   * Removes a run that waits in the queue; false when a worker has it. BullMQ's remove
   * alone cannot tell: it refuses an active (locked) job but "removes" one that is gone,
   * and a run the worker finished is gone from the queue while its last messages (its
   * checkpoints, its 'done') are still in its stream to be read. A worker that takes the
   * run between the two calls holds its lock, so the remove then refuses.
   */
  private async removeIfWaiting(run: string): Promise<boolean> {
    const state = await this.queue.getJobState(run);
    if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return false;
    return (await this.queue.remove(run)) === 1;
  }

  /** Removes what Redis kept of a finished run. */
  async forget(run: string, context: RunContext): Promise<void> {
    if (this.closed) return;
    const key = runKey(context);
    const current = await this.redis.hget(this.keys.runs, key);
    const write = this.redis
      .multi()
      .del(
        this.keys.events(run),
        this.keys.resume(run),
        this.keys.payload(run),
        this.keys.stop(run),
      );
    if (current === run) write.hdel(this.keys.runs, key);
    await write.exec();
  }

  /** `command`'s answer, or the hub's closing, whichever comes first. */
  private untilClosed<T>(command: Promise<T>): Promise<T> {
    command.catch(() => {});
    return Promise.race([command, this.whenClosed]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signalClosed(new Error('the lab closed while the run went on remotely'));
    if (this.poll) clearInterval(this.poll);
    for (const reader of this.readers) reader.disconnect();
    await this.queue.close();
    this.queueConnection.disconnect();
    this.redis.disconnect();
  }
}

/** A new run id of a job's phase: unique, and readable in logs. */
export function newRunId(context: RunContext): string {
  return `j${context.jobId}-p${context.phase}-${randomUUID().slice(0, 8)}`;
}

function runKey(context: RunContext): string {
  return `${context.jobId}:${context.phase}`;
}

function fieldsOf(fields: Buffer[]): { w: Buffer; m: Buffer } {
  const found: Partial<Record<string, Buffer>> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) found[fields[i].toString()] = fields[i + 1];
  if (!found.w || !found.m) throw new TypeError('remote stream entry: needs fields w and m');
  return { w: found.w, m: found.m };
}

/** The outcome of a run stopped before any worker took it: nothing trained, nothing to keep. */
function pausedBeforeStart(status: 'paused' | 'cancelled'): Done {
  return {
    type: 'done',
    status,
    iteration: 0,
    layers: [],
    evaluations: [],
    resume: null,
    msPerIteration: Number.NaN,
    backend: { name: 'cpu', skipped: [] },
    trainer: 'tfjs',
    evaluationMs: 0,
    evaluationCount: 0,
    testCount: 0,
    wallMs: 0,
  };
}
