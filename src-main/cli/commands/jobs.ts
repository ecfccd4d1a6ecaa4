/**
 * `mbh-lab jobs`: the job queue. Lists jobs; `resume` runs every unfinished job (queued,
 * interrupted by a crash, or paused) to the end; `pause`, `resume`, `cancel`, `retry`
 * change one. Beside a running lab, all of it goes to that lab's queue.
 */
import type { Io } from '../engine-io.ts';
import {
  COMMON_HELP,
  openLab,
  parseFlags,
  positiveInteger,
  runJobs,
  UsageError,
} from '../lab-cli.ts';
import { describeJob } from '../progress.ts';

export const usage = `mbh-lab jobs [--state queued|running|paused|done|failed|cancelled] [--json]
mbh-lab jobs resume [--workers N]
mbh-lab jobs pause|resume|cancel|retry ID [--json]

Without a subcommand, lists the jobs of the zoo. \`resume\` runs every unfinished job —
queued, cut off by a crash, or paused — to the end; trainings continue from their last
resume state. --json prints the job list (after resume: the jobs it ran). With an ID,
pause, resume, cancel and retry change that job and print it: while a lab (the desktop
app or \`mbh-lab serve\`) serves the zoo, in that lab's queue, which runs it; otherwise a
resumed job waits in the queue for \`mbh-lab jobs resume\` or the lab.

${COMMON_HELP}`;

const STATES = ['queued', 'running', 'paused', 'done', 'failed', 'cancelled'] as const;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(args, { state: { type: 'string' } }, true);
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const [action, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const state = values.state as (typeof STATES)[number] | undefined;
  if (state !== undefined && !STATES.includes(state)) {
    throw new UsageError(`--state: must be one of ${STATES.join(', ')}, got "${values.state}"`);
  }
  // Listing only looks: beside another writer, without taking the zoo's lock.
  const lab = await openLab(values, { readOnly: action === undefined, io });
  let closed = false;
  try {
    if (action === undefined) {
      const jobs = await lab.listJobs(state ? { state } : {});
      if (values.json) io.stdout(`${JSON.stringify(jobs)}\n`);
      else if (jobs.length === 0) io.stdout('no jobs\n');
      else io.stdout(`${jobs.map(describeJob).join('\n')}\n`);
      return 0;
    }
    if (action === 'resume' && target === undefined) {
      const before = new Set((await lab.listJobs({ state: 'done' })).map((job) => job.id));
      for (const job of await lab.listJobs({ state: 'paused' }))
        await lab.resumeJob({ id: job.id });
      const completed = await runJobs(lab, io, values.json);
      if (!completed) {
        closed = true;
        return 130;
      }
      const jobs = (await lab.listJobs({})).filter((job) => !before.has(job.id));
      const failed = jobs.filter((job) => job.state === 'failed');
      if (values.json) io.stdout(`${JSON.stringify(jobs)}\n`);
      else
        io.stdout(
          `${jobs.filter((job) => job.state === 'done').length} jobs finished, ${failed.length} failed\n`,
        );
      return failed.length > 0 ? 1 : 0;
    }
    if (action === 'pause' || action === 'resume' || action === 'cancel' || action === 'retry') {
      const id = positiveInteger(target, `jobs ${action} ID`);
      if (id === undefined) throw new UsageError(`jobs ${action}: give the job id`);
      const job =
        action === 'pause'
          ? await lab.pauseJob({ id })
          : action === 'resume'
            ? await lab.resumeJob({ id })
            : action === 'cancel'
              ? await lab.cancelJob({ id })
              : await lab.retryJob({ id });
      io.stdout(values.json ? `${JSON.stringify(job)}\n` : `${describeJob(job)}\n`);
      return 0;
    }
    throw new UsageError(`unknown jobs subcommand "${action}" (resume, pause, cancel, retry)`);
  } finally {
    if (!closed) await lab.close({ pauseRunning: true });
  }
}
