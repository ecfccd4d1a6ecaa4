/**
 * `mbh-lab worker`: a remote worker of a lab (issue 9 §2). Takes training runs and measure
 * jobs from the hub's queue in Redis and runs them here, in the same worker threads a
 * local job uses; the hub writes its zoo from what comes back. Ctrl-C pauses the runs here
 * and gives them back to the queue, where another worker (or this one, started again)
 * continues them (a measure job starts again from its first plane).
 */
import { availableParallelism, hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { checkRedisUrl, redactRedisUrl, REDIS_CA_ENV, REDIS_ENV } from '../../remote/connection.ts';
import { DEFAULT_QUEUE } from '../../remote/keys.ts';
import { defaultHome } from '../../zoo/home.ts';
import type { Io } from '../engine-io.ts';

export const usage = `mbh-lab worker --redis URL [--concurrency N] [--name NAME] [--queue NAME]
                 [--home DIR] [--lock-ms N] [--json]

Trains runs and runs measure jobs of a lab started with \`mbh-lab serve --redis URL\`
(or MBH_LAB_REDIS) on this machine. The URL is redis://[:password@]host[:port][/db], or
rediss://… for TLS (a server certificate signed by a private CA: set $${REDIS_CA_ENV} to
the CA's PEM file); default $${REDIS_ENV}. Only Redis is contacted: this process listens
on no port.
  --concurrency N  runs at once (default: the number of cores − 1, at least 1)
  --name NAME      shown in the lab's jobs and workers panel (default host-pid)
  --queue NAME     the lab's queue in Redis (default ${DEFAULT_QUEUE})
  --home DIR       the lab folder whose dataset cache to use (default $MBH_LAB_HOME or
                   the per-user lab folder); datasets imported on the hub travel here once
  --lock-ms N      how long a run stays with this worker without a sign of life before
                   another worker takes it over (default 30000)
  --snapshot-every N  steps between resume snapshots (default: the trainer's)
  --json           print one JSON line {"name", "host", "concurrency", "queue"} once ready
Stops on Ctrl-C: running runs are paused and go back to the queue.`;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new RangeError(`${flag}: must be a positive integer, got ${value}`);
  return number;
}

export async function run(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      name: { type: 'string' },
      queue: { type: 'string', default: DEFAULT_QUEUE },
      home: { type: 'string' },
      'lock-ms': { type: 'string' },
      'snapshot-every': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const url = values.redis ?? process.env[REDIS_ENV];
  if (url === undefined || url === '')
    throw new Error(`--redis: the lab's Redis URL is required (or set ${REDIS_ENV})`);
  checkRedisUrl(url, values.redis === undefined ? REDIS_ENV : '--redis');
  const name = values.name ?? `${hostname()}-${process.pid}`;
  if (!NAME.test(name))
    throw new RangeError(
      `--name: 1–64 letters, digits, '_', '.', '@' or '-' (starting with a letter or digit), got ${JSON.stringify(name)}`,
    );
  const concurrency = positiveInteger(
    values.concurrency,
    '--concurrency',
    Math.max(1, availableParallelism() - 1),
  );
  const lockMs = positiveInteger(values['lock-ms'], '--lock-ms', 30_000);
  if (lockMs < 1_000) throw new RangeError(`--lock-ms: must be at least 1000, got ${lockMs}`);
  const snapshotEvery =
    values['snapshot-every'] === undefined
      ? undefined
      : positiveInteger(values['snapshot-every'], '--snapshot-every', 1);

  const { RemoteWorker } = await import('../../remote/remote-worker.ts');
  const worker = await RemoteWorker.start({
    redis: url,
    queue: values.queue,
    home: values.home ?? defaultHome(),
    name,
    concurrency,
    lockMs,
    ...(snapshotEvery !== undefined ? { snapshotEvery } : {}),
    log: (line) => io.stderr(`${line}\n`),
  });
  if (values.json) {
    io.stdout(`${JSON.stringify({ name, host: hostname(), concurrency, queue: values.queue })}\n`);
  } else {
    io.stdout(
      `worker ${name} on ${hostname()}: ${concurrency} run(s) at once from queue ${values.queue} at ${redactRedisUrl(url)}\nPress Ctrl-C to stop; running runs are paused and go back to the queue.\n`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await worker.close();
  return 0;
}
