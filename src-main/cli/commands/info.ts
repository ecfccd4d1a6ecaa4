/** `mbh-lab info`: version, shell, training backend, zoo path, worker count. */
import type { Io } from '../engine-io.ts';
import { COMMON_HELP, openLab, parseFlags } from '../lab-cli.ts';

export const usage = `mbh-lab info [--zoo PATH] [--json]

The lab's version, the training backend this machine uses (and why not a better one),
the zoo in use and the number of job workers.

${COMMON_HELP}`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, {});
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const lab = await openLab(values, { io });
  try {
    const info = await lab.info({});
    if (values.json) io.stdout(`${JSON.stringify(info)}\n`);
    else {
      io.stdout(
        [
          `MBH Lab ${info.version} (${info.shell})`,
          `  training backend: ${info.backend} — ${info.backendNote}`,
          `  zoo:              ${info.zooPath}`,
          `  job workers:      ${info.workers}`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    await lab.close({ pauseRunning: true });
  }
}
