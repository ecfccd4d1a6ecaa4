/**
 * Estimates of how long training and measuring jobs take here, from the lab's cost model:
 * a training is its phases' steps (ms per step of that phase's network on the path it
 * trains on), its validation passes (every point of the schedule, over the whole test
 * split) and its run overhead (worker start, dataset load); a measurement is its planes ×
 * checkpoints at the measured cost per plane of its network. A sweep's duration is those
 * jobs played through the worker pool (sweep-estimate.ts).
 */
import type {
  ExperimentSpec,
  JobSummary,
  SetupPlan,
  SweepProgress,
  TrainerName,
} from '../../src-shared/api/dto.ts';
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import {
  phaseCount,
  phaseShape,
  type MeasureFollowUp,
  type TrainJobSpec,
} from '../jobs/train-job.ts';
import type { CostModel, NetworkShape, TrainerChoice } from '../train/cost-model.ts';
import type { PlannedSetup } from './setups.ts';
import { poolSeconds, type EstimatedJob } from './sweep-estimate.ts';
import type { ExploreCandidate, MeasureShape } from './training-costs.ts';

/** What the estimates need to know about this machine and its zoo. */
export interface EstimateContext {
  readonly model: CostModel;
  /** A dataset's share of non-zero training inputs, when counted (else every input counts). */
  inputNonZero?(datasetId: string): number | undefined;
  /** Rows of a dataset's validation split. */
  testCount(datasetId: string): number;
  /** Wall ms per plane × checkpoint of a measure job on this network. */
  measureMsPerUnit(shape: MeasureShape): number;
  /** Planes of a plane set (a training's follow-up names its set). */
  planeCount(planeSetId: number): number;
  readonly workers: number;
  readonly cores: number;
}

export interface TrainEstimate {
  readonly seconds: number;
  /** The path of each phase. */
  readonly trainers: readonly TrainerName[];
  /** ms per step of the last phase (the model's own network). */
  readonly msPerIteration: number;
}

/** The network facts a training estimate needs beyond its job spec. */
interface ModelFacts {
  readonly inputDim: number;
  readonly classCount: number;
}

/** Seconds a training job takes from its start, phase by phase. */
export function trainJobEstimate(
  spec: TrainJobSpec,
  facts: ModelFacts,
  context: EstimateContext,
): TrainEstimate {
  const choice: TrainerChoice = spec.trainer ?? 'auto';
  const testCount = context.testCount(spec.datasetId);
  const evaluations = evaluationSchedule(spec.iterations).length;
  const trainers: TrainerName[] = [];
  let ms = 0;
  let msPerIteration = 0;
  const inputNonZero = context.inputNonZero?.(spec.datasetId);
  for (let phase = 0; phase < phaseCount(spec.pruning); phase++) {
    const shape = withInputs(
      phaseShape(spec, phase, facts.inputDim, facts.classCount),
      inputNonZero,
    );
    const trainer = context.model.choose(shape, choice);
    msPerIteration = context.model.msPerStep(shape, trainer);
    ms +=
      spec.iterations * msPerIteration +
      evaluations * context.model.msPerEvaluation(shape, trainer, testCount) +
      context.model.overheadMs();
    trainers.push(trainer);
  }
  return { seconds: ms / 1000, trainers, msPerIteration };
}

function withInputs(shape: NetworkShape, inputNonZero: number | undefined): NetworkShape {
  return inputNonZero === undefined ? shape : { ...shape, inputNonZero };
}

/** The job spec a setup of `spec` trains with (its seed aside). */
function setupJobSpec(spec: ExperimentSpec, setup: PlannedSetup): TrainJobSpec {
  return {
    modelId: 0,
    family: setup.family,
    hidden: setup.hidden,
    density: setup.density,
    seed: 0,
    datasetId: setup.datasetId,
    iterations: spec.iterations,
    checkpoints: spec.checkpoints === 'all' ? 'all' : 'ends',
    pruning: spec.pruning,
    measure: null,
    trainer: spec.trainer ?? 'auto',
  };
}

/**
 * The networks of an experiment whose path 'auto' chooses: every phase of every setup,
 * with its dataset's input share (TrainingCosts.explore measures the close ones).
 */
export function exploreCandidates(
  spec: ExperimentSpec,
  setups: readonly PlannedSetup[],
  inputNonZero: (datasetId: string) => number | undefined,
): ExploreCandidate[] {
  if ((spec.trainer ?? 'auto') !== 'auto') return [];
  return setups.flatMap((setup) => {
    const jobSpec = setupJobSpec(spec, setup);
    const share = inputNonZero(setup.datasetId);
    return Array.from({ length: phaseCount(spec.pruning) }, (_, phase) => ({
      shape: withInputs(phaseShape(jobSpec, phase, setup.inputDim, setup.classCount), share),
      datasetId: setup.datasetId,
    }));
  });
}

/** Plane × checkpoint units a measure job will have for a training of `iterations`. */
export function measureUnits(
  follow: Pick<MeasureFollowUp, 'checkpoints'>,
  iterations: number,
  planes: number,
): number {
  return (follow.checkpoints === 'all' ? evaluationSchedule(iterations).length : 1) * planes;
}

export interface PlanEstimate {
  readonly setups: SetupPlan[];
  readonly trainSeconds: number;
  readonly measureSeconds: number;
  readonly estimatedSeconds: number;
}

/** The estimate of an experiment before it runs: its jobs in the order it queues them. */
export function planEstimate(
  spec: ExperimentSpec,
  setups: readonly PlannedSetup[],
  context: EstimateContext,
): PlanEstimate {
  const jobs: EstimatedJob[] = [];
  let trainSeconds = 0;
  let measureSeconds = 0;
  const plans: SetupPlan[] = [];
  for (const setup of setups) {
    const train = trainJobEstimate(setupJobSpec(spec, setup), setup, context);
    const units = measureUnits(
      { checkpoints: spec.checkpoints === 'all' ? 'all' : 'last' },
      spec.iterations,
      spec.planeCount,
    );
    const measure =
      (units *
        context.measureMsPerUnit({
          hidden: setup.hidden,
          density: setup.density,
          inputDim: setup.inputDim,
        })) /
      1000;
    for (let seed = 0; seed < spec.seeds.length; seed++) {
      jobs.push({ seconds: train.seconds, followUpSeconds: measure, kind: 'train' });
      trainSeconds += train.seconds;
      measureSeconds += measure;
    }
    plans.push({
      family: setup.family,
      hidden: setup.hidden,
      density: setup.density,
      hnps: setup.hnps,
      datasetId: setup.datasetId,
      ...(setup.hnpLevel !== undefined ? { hnpLevel: setup.hnpLevel } : {}),
      trainer: train.trainers[train.trainers.length - 1],
      msPerIteration: train.msPerIteration,
    });
  }
  return {
    setups: plans,
    trainSeconds,
    measureSeconds,
    estimatedSeconds: poolSeconds({
      workers: context.workers,
      cores: context.cores,
      running: [],
      queued: jobs,
    }),
  };
}

/** A stored job with what its estimate needs: its spec and its model's network. */
export interface JobForEstimate {
  readonly job: JobSummary;
  readonly spec: unknown;
  readonly model: {
    inputDim: number;
    classCount: number;
    hidden: number[];
    density: number;
  } | null;
}

/**
 * Progress and ETA of a set of jobs: the work done over the work estimated (each job
 * weighted by its estimated seconds), and the time the pool needs for the rest. A
 * running job has its own ETA (measured speed) once it reports one; a training whose
 * measurement is not queued yet brings that measurement along.
 */
export function sweepProgress(
  jobs: readonly JobForEstimate[],
  context: EstimateContext,
): SweepProgress {
  let doneSeconds = 0;
  let leftSeconds = 0;
  let remainingJobs = 0;
  const running: EstimatedJob[] = [];
  const queued: EstimatedJob[] = [];
  for (const { job, spec, model } of jobs) {
    if (job.state === 'failed' || job.state === 'cancelled' || model === null) continue;
    let total: number;
    let followUpSeconds: number | null = null;
    if (job.kind === 'train') {
      const trainSpec = spec as TrainJobSpec;
      total = trainJobEstimate(trainSpec, model, context).seconds;
      if (trainSpec.measure !== null && job.state !== 'done') {
        followUpSeconds =
          (measureUnits(
            trainSpec.measure,
            trainSpec.iterations,
            context.planeCount(trainSpec.measure.planeSetId),
          ) *
            context.measureMsPerUnit(model)) /
          1000;
      }
    } else {
      total = (job.iterations * context.measureMsPerUnit(model)) / 1000;
    }
    if (job.state === 'done') {
      doneSeconds += total;
      continue;
    }
    remainingJobs += followUpSeconds !== null ? 2 : 1;
    const left =
      job.state === 'running' && job.etaSeconds !== null && Number.isFinite(job.etaSeconds)
        ? job.etaSeconds
        : total * (1 - job.progress);
    doneSeconds += Math.max(0, total - left);
    leftSeconds += left + (followUpSeconds ?? 0);
    const estimated: EstimatedJob = { seconds: left, followUpSeconds, kind: job.kind };
    if (job.state === 'running') running.push(estimated);
    else if (job.state === 'queued') queued.push(estimated);
  }
  const all = doneSeconds + leftSeconds;
  const active = running.length + queued.length > 0;
  return {
    progress: all > 0 ? doneSeconds / all : remainingJobs === 0 ? 1 : 0,
    etaSeconds: active
      ? poolSeconds({ workers: context.workers, cores: context.cores, running, queued })
      : null,
    remainingJobs,
    workers: context.workers,
  };
}
