/**
 * `mbh-lab serve`: browser mode on purpose. Opens the zoo, starts the job pool, serves the
 * built UI on 127.0.0.1 and prints the URL with its access token. As the hub of its zoo it
 * also advertises an api endpoint for the command line (src-main/hub). Stops on Ctrl-C,
 * pausing running jobs so that they resume on the next start.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { discoveryPath } from '../../hub/discovery.ts';
import { startHub } from '../../hub/hub-endpoint.ts';
import { startServer } from '../../server/server.ts';
import { checkRedisUrl, redactRedisUrl, REDIS_ENV } from '../../remote/connection.ts';
import { alreadyServedMessage, runningLab } from '../../hub/running-lab.ts';
import { labPaths } from '../../zoo/home.ts';
import { ZooInUseError } from '../../zoo/lock.ts';

/**
 * The hub's Redis settings from --redis (or MBH_LAB_REDIS), --local-workers and --queue;
 * null when no Redis is configured (the flags that need one are then refused).
 */
function remoteOptions(values: {
  redis?: string;
  workers?: string;
  'local-workers'?: string;
  queue?: string;
}): { redis: string; queue: string; localWorkers: number | undefined } | null {
  const redis = values.redis ?? (process.env[REDIS_ENV] || undefined);
  if (redis === undefined) {
    if (values['local-workers'] !== undefined)
      throw new Error('--local-workers: only with --redis (the local workers of a hub)');
    if (values.queue !== undefined) throw new Error('--queue: only with --redis');
    return null;
  }
  checkRedisUrl(redis, values.redis === undefined ? REDIS_ENV : '--redis');
  if (values['local-workers'] !== undefined && values.workers !== undefined)
    throw new Error('--local-workers and --workers: give one (with --redis they mean the same)');
  const local = values['local-workers'] ?? values.workers;
  const localWorkers = local === undefined ? undefined : Number(local);
  if (localWorkers !== undefined && (!Number.isInteger(localWorkers) || localWorkers < 0))
    throw new Error(`--local-workers: must be an integer ≥ 0, got ${local}`);
  return { redis, queue: values.queue ?? 'mbh-lab', localWorkers };
}

export const usage = `mbh-lab serve [--port N] [--zoo PATH] [--workers N] [--json]
              [--redis URL [--local-workers N] [--queue NAME]]

Serves the lab's UI to a browser on 127.0.0.1 and prints its URL with a random access
token. --port 0 (the default) picks a free port. --json prints {"url", "port", "token",
"discovery"}: the discovery file beside the zoo (mode 0600) through which mbh-lab
commands on this zoo reach this lab while it runs.

--redis URL (or MBH_LAB_REDIS) makes this lab the hub of remote workers (\`mbh-lab
worker --redis URL\` on other machines): training runs go to them through a BullMQ queue
in that Redis (redis://[:password@]host[:port][/db], rediss://… for TLS) while this
lab still trains --local-workers N at once itself (default as --workers; 0: remote only).
--queue NAME names the queue (default mbh-lab; one per hub). Without --redis or
MBH_LAB_REDIS, the Redis saved in the lab's settings (Settings → Remote workers) is used.`;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const rendererDir = fileURLToPath(new URL('../../../out/renderer', import.meta.url));

export async function run(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '0' },
      zoo: { type: 'string' },
      workers: { type: 'string' },
      redis: { type: 'string' },
      'local-workers': { type: 'string' },
      queue: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port: must be an integer from 0 to 65535, got ${values.port}`);
  }
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
    throw new Error(`--workers: must be a positive integer, got ${values.workers}`);
  }
  const remote = remoteOptions(values);
  if (!existsSync(`${rendererDir}/index.html`)) {
    throw new Error(
      `the UI is not built (${rendererDir}/index.html is missing): run \`npm run build\` first`,
    );
  }

  const { LabService } = await import('../../lab/service.ts');
  const service = await LabService.open({
    zooPath: values.zoo,
    workers: remote?.localWorkers ?? workers,
    shell: 'browser',
    // Without --redis or MBH_LAB_REDIS, the Redis saved in the lab's hub settings.
    ...(remote
      ? {
          redis: remote.redis,
          redisQueue: remote.queue,
          redisSource: values.redis !== undefined ? ('flag' as const) : ('environment' as const),
        }
      : { hubSettings: true }),
  }).catch((error: unknown) => {
    // One writer per zoo: when it is a lab, say which one and what to do instead.
    const running =
      error instanceof ZooInUseError
        ? runningLab(labPaths(values.zoo !== undefined ? { zooPath: values.zoo } : {}).zooFile)
        : null;
    throw running ? new Error(alreadyServedMessage(running)) : error;
  });
  const server = await startServer({
    service,
    staticDir: rendererDir,
    port,
    home: service.paths.home,
  });
  await service.start();
  const info = await service.info({});
  const hubSettings = await service.getHubSettings({});
  const hub = await startHub({
    service,
    zooFile: info.zooPath,
    home: service.paths.home,
    appVersion: info.version,
    shell: info.shell,
    browserUrl: server.openUrl,
  });

  if (values.json) {
    io.stdout(
      `${JSON.stringify({ url: server.openUrl, port: server.port, token: server.token, discovery: discoveryPath(info.zooPath) })}\n`,
    );
  } else {
    io.stdout(
      [
        `MBH Lab is running in browser mode (no Electron window on this machine).`,
        `  open:     ${server.openUrl}`,
        `  zoo:      ${info.zooPath}`,
        `  training: ${info.backend} backend (${info.backendNote})`,
        `  hub:      mbh-lab commands on this zoo go through this lab while it runs`,
        ...(remote
          ? [
              `  workers:  remote ones take runs from queue ${remote.queue} at ${redactRedisUrl(remote.redis)}`,
            ]
          : hubSettings.active
            ? [
                `  workers:  remote ones take runs from queue ${hubSettings.active.queue} at ${hubSettings.active.redis} (hub settings)`,
              ]
            : hubSettings.status === 'failed'
              ? [`  workers:  only this lab's: the saved Redis: ${hubSettings.error}`]
              : []),
        `Press Ctrl-C to stop; running jobs are paused and resume on the next start.`,
        '',
      ].join('\n'),
    );
  }

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await hub.close();
  await server.close();
  await service.close({ pauseRunning: true });
  return 0;
}
