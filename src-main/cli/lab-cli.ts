/**
 * What the zoo commands share: opening the lab for the command line (a running lab's api
 * when one serves the zoo, else the zoo itself), waiting for jobs with a progress
 * display, flag parsing with one-line errors, Ctrl-C handling (running jobs of this
 * process go back into the queue, so `mbh-lab jobs resume` continues them; a running
 * lab's jobs go on).
 */
import { existsSync, rmSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { discoveryPath } from '../hub/discovery.ts';
import { connectToHub, type StaleReason } from '../hub/hub-client.ts';
import { ignoredWorkersWarning } from '../hub/running-lab.ts';
import { LabService } from '../lab/service.ts';
import { ZooOutdatedError } from '../zoo/database.ts';
import { ZooInUseError } from '../zoo/lock.ts';
import { labPaths } from '../zoo/home.ts';
import { hereConnection, type LabConnection } from './lab-connection.ts';
import { BUSY_MESSAGE, isBusyError, stopMessage } from './busy.ts';
import type { Io } from './engine-io.ts';
import { ProgressDisplay } from './progress.ts';

export const COMMON_FLAGS = {
  zoo: { type: 'string' },
  workers: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false, short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const COMMON_HELP = `  --zoo PATH     the zoo file (default: $MBH_LAB_HOME/zoo.sqlite or the per-user lab folder)
  --workers N    jobs run at once (default: cores − 1; experiment run and plan: every core);
                 ignored while a lab (the desktop app or mbh-lab serve) serves the zoo
  --json         machine-readable output on stdout
  --help         this help`;

/** Thrown for bad command-line input; main prints it as one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  positionals = false,
) {
  try {
    return parseArgs({
      args,
      options: { ...COMMON_FLAGS, ...options },
      strict: true,
      allowPositionals: positionals,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag}: must be a positive integer, got "${text}"`);
  }
  return value;
}

export function nonNegativeInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${flag}: must be an integer ≥ 0, got "${text}"`);
  }
  return value;
}

/**
 * The lab a command works with. When a lab (the desktop app or `mbh-lab serve`) serves
 * the zoo, its api: the command is one more client of it, and `--workers` is the lab's
 * own. Otherwise the zoo itself, as the one writer (its lock; a stale discovery file
 * beside it is removed) — or, with `readOnly`, without the lock, migrations or writes, so
 * that commands that only look work beside any other process. A read-only open of a
 * zoo that does not exist yet or needs an upgrade opens it as a writer instead. With
 * `readOnly: 'if-busy'`, the zoo opens as its writer when it is free (what the command
 * computes is kept: a plan's calibration) and read-only only while another holds it.
 */
export async function openLab(
  values: { zoo?: string; workers?: string },
  options: {
    readOnly?: boolean | 'if-busy';
    /** Where a warning goes (the user's --workers ignored beside a running lab). */
    io?: Pick<Io, 'stderr'>;
    /** The pool when --workers is not given and this process opens the zoo itself. */
    defaultWorkers?: number;
  } = {},
): Promise<LabConnection> {
  const workers = positiveInteger(values.workers, '--workers');
  const paths = labPaths(values.zoo !== undefined ? { zooPath: values.zoo } : {});
  const hub = await connectToHub(paths.zooFile);
  if (hub.connection) {
    if (workers !== undefined) options.io?.stderr(ignoredWorkersWarning(hub.connection.where));
    return hub.connection;
  }
  const pool = workers ?? options.defaultWorkers;
  const labOptions = {
    shell: 'cli' as const,
    ...(values.zoo !== undefined ? { zooPath: values.zoo } : {}),
    ...(pool !== undefined ? { workers: pool } : {}),
  };
  let outdated: ZooOutdatedError | null = null;
  if (options.readOnly === 'if-busy') {
    try {
      return writerConnection(await LabService.open(labOptions), paths.zooFile, hub.reason);
    } catch (error) {
      if (!(error instanceof ZooInUseError)) throw error;
    }
  }
  if (options.readOnly && existsSync(paths.zooFile)) {
    try {
      return hereConnection(await LabService.open({ ...labOptions, readOnly: true }), true);
    } catch (error) {
      if (!(error instanceof ZooOutdatedError)) throw error;
      outdated = error;
    }
  }
  let service: LabService;
  try {
    service = await LabService.open(labOptions);
  } catch (error) {
    if (outdated === null) throw error;
    throw new Error(`${outdated.message}, and ${(error as Error).message}`);
  }
  return writerConnection(service, paths.zooFile, hub.reason);
}

function writerConnection(
  service: LabService,
  zooFile: string,
  advert: StaleReason | null,
): LabConnection {
  // This process holds the writer lock, so no lab serves the zoo: an advert is stale.
  if (advert !== 'none') rmSync(discoveryPath(zooFile), { force: true });
  return hereConnection(service, false);
}

/**
 * Runs `use` with the id of the project the command line files models under (`name`, by
 * default "Command line"), creating the project if needed. A project created here is
 * deleted again when `use` fails, so bad input leaves the zoo as it was.
 */
export async function inCliProject<T>(
  lab: LabConnection,
  name: string | undefined,
  use: (projectId: number) => Promise<T>,
): Promise<T> {
  const wanted = name ?? 'Command line';
  const existing = (await lab.listProjects({})).find((project) => project.name === wanted);
  if (existing) return use(existing.id);
  const created = await lab
    .createProject({ name: wanted, description: 'Models made with the mbh-lab command' })
    .catch((error: unknown) => {
      if (error instanceof ValidationError) throw new UsageError(`--project: ${error.problem}`);
      throw error;
    });
  try {
    return await use(created.id);
  } catch (error) {
    await lab.deleteProject({ id: created.id });
    throw error;
  }
}

/** How often a sweep's progress and ETA are recomputed while its jobs report (ms). */
const SWEEP_REFRESH_MS = 2_000;

/**
 * Starts the lab's scheduler and waits until no job is queued or running — or, with
 * `jobIds`, until those jobs have finished — showing progress on stderr (bars on a
 * terminal, plain lines otherwise, nothing when quiet). With `sweep`, also the progress
 * and ETA of all jobs (or one experiment's) as a whole. Ctrl-C pauses running jobs back
 * into the queue and closes the lab — or, attached to a running lab, leaves its jobs
 * running and only detaches. Returns false when interrupted.
 */
export async function runJobs(
  lab: LabConnection,
  io: Io,
  quiet: boolean,
  jobIds?: readonly number[],
  sweep?: { experimentId?: number },
): Promise<boolean> {
  const display = quiet ? null : new ProgressDisplay(io, Boolean(process.stderr.isTTY));
  const waiting = new Set(jobIds ?? []);
  let finish: (completed: boolean) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const finished = new Promise<boolean>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // A running lab that goes away (quit or crashed) ends the wait with its reason.
  void lab.lost.then(fail);
  let sweepAsked = 0;
  let sweepPending = false;
  // A job finished while the sweep was being computed: compute it again afterwards.
  let sweepAgain = false;
  const refreshSweep = (now: boolean) => {
    if (!display || !sweep) return;
    if (sweepPending) {
      sweepAgain ||= now;
      return;
    }
    if (!now && Date.now() - sweepAsked < SWEEP_REFRESH_MS) return;
    sweepAsked = Date.now();
    sweepPending = true;
    lab
      .sweepProgress(sweep)
      .then((progress) => display.sweep(progress))
      // The lab may close under the request (Ctrl-C): the progress line simply stops.
      .catch(() => {})
      .finally(() => {
        sweepPending = false;
        if (sweepAgain) {
          sweepAgain = false;
          refreshSweep(true);
        }
      });
  };
  const listener = (job: JobSummary) => {
    display?.update(job);
    refreshSweep(['done', 'failed', 'cancelled'].includes(job.state));
    if (waiting.has(job.id) && ['done', 'failed', 'cancelled', 'paused'].includes(job.state)) {
      waiting.delete(job.id);
      if (waiting.size === 0) finish(true);
    }
  };
  // Ctrl-C: say what happens to which jobs (counted now), then stop the running ones at
  // their last snapshot; the lab puts them back in the queue. A running lab's jobs are
  // its own: they go on, and this command only stops watching.
  const stop = () => {
    const where = lab.where;
    if (where.kind === 'hub') {
      void lab
        .listJobs(sweep?.experimentId !== undefined ? { experimentId: sweep.experimentId } : {})
        .then(
          (jobs) => detachMessage(where.pid, jobs),
          () => detachMessage(where.pid, []),
        )
        .then((message) => io.stderr(`\n${message}`))
        .then(() => lab.close())
        .finally(() => finish(false));
      return;
    }
    void lab
      .listJobs({})
      .then(
        (jobs) =>
          stopMessage(
            jobs.filter((job) => job.state === 'running').length,
            jobs.filter((job) => job.state === 'queued').length,
          ),
        () => 'stopping: running jobs go back to the queue at their last snapshot\n',
      )
      .then((message) => {
        io.stderr(`\n${message}`);
        return lab.close({ pauseRunning: true });
      })
      .catch((error: unknown) => {
        io.stderr(`mbh-lab: ${isBusyError(error) ? BUSY_MESSAGE : String(error)}\n`);
      })
      .finally(() => finish(false));
  };
  lab.on('job', listener);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await lab.start();
    if (jobIds === undefined)
      void lab
        .idle(sweep?.experimentId !== undefined ? { experimentId: sweep.experimentId } : {})
        .then(() => finish(true), fail);
    else {
      for (const id of jobIds) {
        const [job] = (await lab.listJobs({})).filter((candidate) => candidate.id === id);
        if (!job || ['done', 'failed', 'cancelled', 'paused'].includes(job.state))
          waiting.delete(id);
      }
      if (waiting.size === 0) finish(true);
    }
    return await finished;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    lab.off('job', listener);
    display?.finish();
  }
}

/** What Ctrl-C does to a running lab's jobs: nothing; says so in one line. */
export function detachMessage(pid: number, jobs: readonly JobSummary[]): string {
  const running = jobs.filter((job) => job.state === 'running').length;
  const queued = jobs.filter((job) => job.state === 'queued').length;
  return `stopped watching: the lab serving this zoo (pid ${pid}) keeps running its jobs (${running} running, ${queued} queued); \`mbh-lab jobs\` lists them, \`mbh-lab jobs pause ID\` pauses one.\n`;
}
