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

export const usage = `mbh-lab serve [--port N] [--zoo PATH] [--workers N] [--json]

Serves the lab's UI to a browser on 127.0.0.1 and prints its URL with a random access
token. --port 0 (the default) picks a free port. --json prints {"url", "port", "token",
"discovery"}: the discovery file beside the zoo (mode 0600) through which mbh-lab
commands on this zoo reach this lab while it runs.`;

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
  if (!existsSync(`${rendererDir}/index.html`)) {
    throw new Error(
      `the UI is not built (${rendererDir}/index.html is missing): run \`npm run build\` first`,
    );
  }

  const { LabService } = await import('../../lab/service.ts');
  const service = await LabService.open({ zooPath: values.zoo, workers, shell: 'browser' });
  const server = await startServer({ service, staticDir: rendererDir, port });
  await service.start();
  const info = await service.info({});
  const hub = await startHub({
    service,
    zooFile: info.zooPath,
    home: service.paths.home,
    appVersion: info.version,
    shell: info.shell,
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
