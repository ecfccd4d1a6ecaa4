/**
 * The hub bench's direct measure of the queue's overhead per job, read from Redis as it
 * happens (nothing in the lab or the worker is instrumented). Every time here is a Redis
 * stream entry id, whose first part is the Redis server's clock in ms at the write, or
 * the hub's Date.now(): the same machine's clock.
 *   - pickup: BullMQ's 'added' event of a run (the hub's queue.add) to its 'active' event
 *     (a worker took it from the queue);
 *   - return: the run's 'done' message on its stream (the worker's last message) to the
 *     hub's job event that says 'done' (sent after the hub's SQLite transaction).
 * The watcher follows each run's stream from its 'added' event; the hub deletes a stream
 * once it has read the 'done' message, so a 'done' the watcher had not read by then is
 * missed and counted as such.
 */
import { Redis } from 'ioredis';
import type { LabService } from '../../src-main/lab/service.ts';
import { decodeMessage } from '../../src-main/remote/wire.ts';

interface Run {
  jobId: number;
  added: number;
  active: number | null;
  done: number | null;
}

const idTime = (id: string) => Number(id.slice(0, id.indexOf('-')));

export class QueueWatch {
  private readonly runs = new Map<string, Run>();
  private readonly written = new Map<number, number>();
  /** Stream key → the last entry id read. */
  private readonly cursors = new Map<string, string>();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly onJob = (job: { id: number; state: string }) => {
    if (job.state === 'done' && !this.written.has(job.id)) this.written.set(job.id, Date.now());
  };

  private constructor(
    private readonly redis: Redis,
    private readonly queue: string,
    private readonly lab: LabService,
  ) {}

  /** Starts watching `queue` (BullMQ's default prefix) and `lab`'s job events. */
  static async start(url: string, queue: string, lab: LabService): Promise<QueueWatch> {
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    const self = new QueueWatch(redis, queue, lab);
    const events = `bull:${queue}:events`;
    const [last] = await redis.xrevrange(events, '+', '-', 'COUNT', 1);
    self.cursors.set(events, last?.[0] ?? '0');
    lab.on('job', self.onJob);
    self.loop = self.follow(events);
    return self;
  }

  private async follow(events: string): Promise<void> {
    while (!this.stopped) {
      const keys = [...this.cursors.keys()];
      const answer = await this.redis.xreadBuffer(
        'BLOCK',
        100,
        'STREAMS',
        ...keys,
        ...keys.map((key) => this.cursors.get(key)!),
      );
      for (const [rawKey, entries] of answer ?? []) {
        const key = rawKey.toString();
        for (const [rawId, fields] of entries) {
          const id = rawId.toString();
          this.cursors.set(key, id);
          const field = (name: string) => {
            for (let i = 0; i + 1 < fields.length; i += 2)
              if (fields[i].toString() === name) return fields[i + 1];
            return undefined;
          };
          if (key === events) this.queueEvent(id, field('event')?.toString(), field('jobId'));
          else if (decodeMessage(field('m')!).type === 'done') {
            const run = key.slice(`${this.queue}:run:`.length, -':events'.length);
            const entry = this.runs.get(run);
            if (entry) entry.done = idTime(id);
            this.cursors.delete(key);
          }
        }
      }
    }
  }

  private queueEvent(id: string, event: string | undefined, rawRun: Buffer | undefined): void {
    const run = rawRun?.toString() ?? '';
    if (event === 'added') {
      const jobId = /^j(\d+)-p\d+-/.exec(run);
      if (!jobId) return;
      this.runs.set(run, { jobId: Number(jobId[1]), added: idTime(id), active: null, done: null });
      this.cursors.set(`${this.queue}:run:${run}:events`, '0');
    } else if (event === 'active') {
      const entry = this.runs.get(run);
      if (entry && entry.active === null) entry.active = idTime(id);
    }
  }

  /** Stops watching; the runs' pickup and return times in ms, and how many were missed. */
  async stop(): Promise<{ pickup: number[]; back: number[]; runs: number; missed: number }> {
    this.stopped = true;
    await this.loop;
    this.lab.off('job', this.onJob);
    this.redis.disconnect();
    const runs = [...this.runs.values()];
    const pickup = runs.filter((run) => run.active !== null).map((run) => run.active! - run.added);
    const back: number[] = [];
    for (const run of runs) {
      const written = this.written.get(run.jobId);
      if (run.done !== null && written !== undefined) back.push(written - run.done);
    }
    return { pickup, back, runs: runs.length, missed: runs.length - back.length };
  }
}

/** The median and the 95th percentile (nearest rank) of `values`. */
export function medianAndP95(values: readonly number[]): { median: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 1
      ? sorted[Math.floor(middle)]
      : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, p95: rank(0.95) };
}
