/**
 * Job progress on stderr: one bar per job on a terminal (redrawn in place), one line per
 * state change or tenth of progress otherwise. A sweep's overall progress and ETA head
 * the bars on a terminal, and otherwise get a line of their own whenever a job finishes
 * or the sweep passes a tenth.
 */
import type { JobSummary, SweepProgress } from '../../src-shared/api/dto.ts';
import { duration } from '../../src-shared/format/duration.ts';
import type { Io } from './engine-io.ts';
import { LOCAL_WORKER } from '../zoo/jobs.ts';

const BAR = 24;
const REDRAW_MS = 100;

function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return ` eta ${Math.round(seconds)}s`;
  if (seconds < 3600) return ` eta ${Math.round(seconds / 60)}m`;
  return ` eta ${(seconds / 3600).toFixed(1)}h`;
}

export function describeJob(job: JobSummary): string {
  const metrics = [
    // A job's loss is the last minibatch's training loss; its accuracy, like a model's
    // accuracy and loss, is on the validation split: say which is which.
    job.loss !== null ? `train loss ${job.loss.toFixed(4)}` : '',
    job.accuracy !== null ? `val acc ${(job.accuracy * 100).toFixed(2)}%` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const count =
    job.kind === 'train'
      ? `${job.iteration}/${job.iterations} it`
      : `${job.iteration}/${job.iterations} planes`;
  // Where it ran, for jobs of a hub's remote workers (the lab's own threads go unsaid).
  const where = job.worker !== null && job.worker !== LOCAL_WORKER ? ` on ${job.worker}` : '';
  return `#${job.id} ${job.label}  ${job.state}${where}  ${count}${metrics ? `  ${metrics}` : ''}${job.state === 'running' ? eta(job.etaSeconds) : ''}${job.error ? `  error: ${job.error}` : ''}`;
}

/** One line for a sweep: its share done, the jobs left and the time left. */
export function describeSweep(sweep: SweepProgress): string {
  const left =
    sweep.remainingJobs === 0
      ? 'no job left'
      : `${sweep.remainingJobs} job${sweep.remainingJobs === 1 ? '' : 's'} left`;
  const eta = sweep.etaSeconds === null ? '' : ` · eta ${duration(sweep.etaSeconds)}`;
  return `sweep ${Math.floor(sweep.progress * 100)}% · ${left}${eta} · ${sweep.workers} worker${sweep.workers === 1 ? '' : 's'}`;
}

export class ProgressDisplay {
  private readonly jobs = new Map<number, JobSummary>();
  private readonly reported = new Map<number, string>();
  private sweepState: SweepProgress | null = null;
  private sweepReported = '';
  private drawn = 0;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly io: Io,
    private readonly tty: boolean,
  ) {}

  update(job: JobSummary): void {
    this.jobs.set(job.id, job);
    if (!this.tty) {
      const key = `${job.state}:${Math.floor(job.progress * 10)}`;
      if (this.reported.get(job.id) !== key) {
        this.reported.set(job.id, key);
        this.io.stderr(`${describeJob(job)}\n`);
      }
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw >= REDRAW_MS) this.draw();
    else this.timer ??= setTimeout(() => this.draw(), REDRAW_MS);
  }

  /**
   * The sweep's latest progress (see describeSweep). The share shown never goes back: it is
   * work done over work estimated, and a finished job can raise the estimate of the rest
   * (the first measurement of a network replaces the prior cost per plane), which would
   * move the share back although no work was undone. The ETA follows the new estimate.
   */
  sweep(latest: SweepProgress): void {
    const progress = {
      ...latest,
      progress: Math.max(latest.progress, this.sweepState?.progress ?? 0),
    };
    this.sweepState = progress;
    if (this.tty) {
      this.draw();
      return;
    }
    const key = `${Math.floor(progress.progress * 10)}:${progress.remainingJobs}`;
    if (key !== this.sweepReported) {
      this.sweepReported = key;
      this.io.stderr(`${describeSweep(progress)}\n`);
    }
  }

  private draw(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastDraw = Date.now();
    const active = [...this.jobs.values()].filter(
      (job) => job.state === 'running' || job.state === 'queued',
    );
    const finished = [...this.jobs.values()].filter((job) => !active.includes(job));
    const lines = [
      `${finished.filter((job) => job.state === 'done').length} done, ${active.filter((job) => job.state === 'running').length} running, ${active.filter((job) => job.state === 'queued').length} queued${this.sweepState ? ` · ${describeSweep(this.sweepState)}` : ''}`,
      ...active
        .filter((job) => job.state === 'running')
        .map((job) => {
          const filled = Math.round(job.progress * BAR);
          return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${describeJob(job)}`;
        }),
    ];
    let out = this.drawn > 0 ? `\u001b[${this.drawn}A` : '';
    for (const line of lines) out += `\u001b[2K${line.slice(0, process.stderr.columns || 160)}\n`;
    for (let i = lines.length; i < this.drawn; i++) out += '\u001b[2K\n';
    const total = Math.max(lines.length, this.drawn);
    if (total > lines.length) out += `\u001b[${total - lines.length}A`;
    this.drawn = lines.length;
    this.io.stderr(out);
  }

  finish(): void {
    if (this.tty && this.jobs.size > 0) this.draw();
    if (this.timer) clearTimeout(this.timer);
    for (const job of this.jobs.values()) {
      if (job.state === 'failed') this.io.stderr(`${describeJob(job)}\n`);
    }
  }
}
