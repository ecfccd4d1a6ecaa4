/**
 * Writing a new experiment's models and jobs without stalling the event loop (issue 7
 * §3): a 10,000-model experiment in one transaction held the main thread 0.5–0.8 s. The
 * experiment is created hidden (`creating`, migration 7: no listing shows it or its rows,
 * the scheduler does not run its jobs), its rows are written in short transactions of
 * CHUNK_ROWS with the event loop free between them, and a last short transaction makes it
 * visible. Any failure removes the hidden experiment with its rows; a crash leaves it
 * hidden, and the next lab that opens removes it (removeHidden).
 */
import type { ExperimentSpec, JobSummary } from '../../src-shared/api/dto.ts';
import { jobSummary, type NewJob } from '../zoo/jobs.ts';
import type { ModelRecord } from '../zoo/models.ts';
import type { Zoo } from '../zoo/zoo.ts';

/** Rows (a model and its job) per transaction: a few milliseconds each. */
export const CHUNK_ROWS = 100;

/** A model and its training job (given the model's id); the experiment's id is filled in. */
export interface PlannedRow {
  model: Omit<ModelRecord, 'experimentId'>;
  job(modelId: number): Omit<NewJob, 'experimentId'>;
}

export interface WriteOptions {
  /** Frees the event loop between chunks (default: one setImmediate turn). */
  pause?: () => Promise<void>;
  /** Called after each chunk is written (tests inject failures here). */
  afterChunk?: (index: number) => void;
  chunkRows?: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Creates the experiment with one model and one job per planned row, all or nothing, and
 * visible only once complete. `paused`: the jobs wait to be resumed instead of queueing.
 * `onRevealed` is told once it is visible; `onJobs` then receives the summaries of its
 * jobs, chunk by chunk.
 */
export async function writeExperiment(
  zoo: Zoo,
  experiment: { projectId: number; spec: ExperimentSpec; planeSetId: number | null },
  rows: readonly PlannedRow[],
  paused: boolean,
  onRevealed: (experimentId: number) => void,
  onJobs: (jobs: JobSummary[]) => void,
  options: WriteOptions = {},
): Promise<{ experimentId: number; jobIds: number[] }> {
  const pause = options.pause ?? nextTurn;
  const chunkRows = options.chunkRows ?? CHUNK_ROWS;
  const experimentId = zoo.transaction(() =>
    zoo.experiments.createHidden(experiment.projectId, experiment.spec, experiment.planeSetId),
  );
  const jobIds: number[] = [];
  try {
    for (let start = 0, index = 0; start < rows.length; start += chunkRows, index++) {
      await pause();
      zoo.transaction(() => {
        for (const row of rows.slice(start, start + chunkRows)) {
          const modelId = zoo.models.create({ ...row.model, experimentId });
          const jobId = zoo.jobs.create({ ...row.job(modelId), experimentId });
          if (paused) zoo.jobs.setState(jobId, 'paused');
          jobIds.push(jobId);
        }
      });
      options.afterChunk?.(index);
    }
    await pause();
    if (!zoo.transaction(() => zoo.experiments.reveal(experimentId))) {
      throw new Error(
        `the experiment was removed while it was being created (its project was deleted?)`,
      );
    }
  } catch (error) {
    try {
      zoo.transaction(() => zoo.experiments.removeHidden(experimentId));
    } catch {
      // The zoo closed meanwhile: the next lab to open removes the hidden remains.
    }
    throw error;
  }
  onRevealed(experimentId);
  for (let start = 0; start < jobIds.length; start += chunkRows) {
    if (start > 0) await pause();
    onJobs(jobIds.slice(start, start + chunkRows).map((id) => jobSummary(zoo.jobs.get(id))));
  }
  return { experimentId, jobIds };
}
