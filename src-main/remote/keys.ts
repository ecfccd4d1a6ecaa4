/**
 * Where the hub and its remote workers meet in Redis. Everything of one lab lives under
 * its queue name (default 'mbh-lab'), so several labs may share one Redis server.
 *
 * - BullMQ queue `<queue>`: one job per training run (a phase from a step; job name
 *   'train'), its data the worker thread's start message without the resume state (BullMQ
 *   stores job data as JSON; the resume state is binary and goes in `resume`), and one per
 *   measure run (job name 'measure'), its data naming the run and its dataset.
 * - `<queue>:run:<run>:events`: a stream of the run's messages, each one binary field
 *   (blob-codec: a JSON header and the typed arrays' bytes), in the order sent. The hub
 *   reads it from the start and applies each message once per (run, entry id); since
 *   its writes are upserts keyed by model and step, reading it again after a restart
 *   writes nothing twice.
 * - `<queue>:run:<run>:resume`: the run's latest resume state (binary): what it starts
 *   from, replaced by the worker at every snapshot, so a run taken over after its worker
 *   died continues from there.
 * - `<queue>:run:<run>:payload`: a measure run's input (binary): the checkpoints' weights,
 *   the planes and the options (measure-wire.ts), too large and too binary for job data.
 * - `<queue>:run:<run>:stop`: 'pause' or 'cancel' once asked; `<queue>:control` carries
 *   the same to the worker that runs it now.
 * - `<queue>:runs`: hash from the hub's job key (job id and phase) to its current run,
 *   so a restarted hub attaches to runs its previous process started.
 * - `<queue>:dataset:<sha256>`: list of chunks of a user dataset's cache file, for the
 *   workers that lack it. `<queue>:worker:<name>`: a worker's heartbeat (JSON, expires).
 */
export class RemoteKeys {
  constructor(readonly queue: string) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(queue))
      throw new RangeError(
        `queue name must be 1–64 letters, digits, '_', '.' or '-', got ${JSON.stringify(queue)}`,
      );
  }

  events(run: string): string {
    return `${this.queue}:run:${run}:events`;
  }

  resume(run: string): string {
    return `${this.queue}:run:${run}:resume`;
  }

  payload(run: string): string {
    return `${this.queue}:run:${run}:payload`;
  }

  stop(run: string): string {
    return `${this.queue}:run:${run}:stop`;
  }

  get control(): string {
    return `${this.queue}:control`;
  }

  get runs(): string {
    return `${this.queue}:runs`;
  }

  dataset(sha256: string): string {
    return `${this.queue}:dataset:${sha256}`;
  }

  worker(name: string): string {
    return `${this.queue}:worker:${name}`;
  }

  get workerPattern(): string {
    return `${this.queue}:worker:*`;
  }
}

export const DEFAULT_QUEUE = 'mbh-lab';

/** Seconds a worker's heartbeat lives; it is renewed every third of that. */
export const HEARTBEAT_SECONDS = 6;
