/**
 * Training jobs. One job trains one model in a training worker (train.worker.ts) and
 * stores what it emits as it comes: metrics at every evaluation point, checkpoints at the
 * chosen iterations, and a resume state (snapshot) now and then. Writes are upserts keyed
 * by (model, iteration), so a run resumed from its last snapshot after a crash rewrites
 * the same rows instead of adding new ones.
 *
 * Pruning after training (one-shot with rewinding, iterative) is a sequence of phases: a
 * dense run, then one or more pruned-and-rewound runs; only the last phase's checkpoints
 * and metrics are the model's. Between phases the job keeps the original initialisation
 * and the last trained parameters in its resume blob.
 *
 * Each phase runs on a training path: the spec's, or for 'auto' the one the lab's cost
 * model predicts to be faster for that phase's network. The choice is kept in the resume
 * blob, so a paused phase continues on the path it started on (bit-exact resuming holds
 * within a path). The model and the job record the path and backend of the last phase.
 */
import type {
  Backend,
  PhenomenonSpec,
  PruningScheme,
  ScopeName,
} from '../../src-shared/api/dto.ts';
import type { ArchitectureFamily } from '../../src-shared/model/architecture.ts';
import { evaluationSchedule } from '../../src-shared/model/schedule.ts';
import type { KernelName } from '../train/backend.ts';
import type { NetworkShape, TrainerChoice } from '../train/cost-model.ts';
import { magnitudePruningRound, oneShotWinningTicket } from '../train/pruning.ts';
import {
  TRAINING_DEFAULTS,
  type LayerParameters,
  type ResumeState,
  type TrainSpec,
} from '../train/spec.ts';
import type { TrainerName } from '../train/trainers.ts';
import { workerEntry } from '../workers/entries.ts';
import { spawnWorker } from '../workers/spawn.ts';
import type { FromWorker, ToWorker } from '../workers/train-protocol.ts';
import { resumeBuffers } from '../workers/train-protocol.ts';
import { packNetwork } from '../zoo/checkpoints.ts';
import type { Zoo } from '../zoo/zoo.ts';
import { decodeBlob, encodeBlob } from './blob-codec.ts';
import type { JobControl, JobOutcome, JobRunner } from './scheduler.ts';

/** What to measure once the model is trained. */
export interface MeasureFollowUp {
  planeSetId: number;
  checkpoints: 'last' | 'all';
  cps: number[];
  phenomena: PhenomenonSpec[] | null;
  scope: ScopeName;
}

export interface TrainJobSpec {
  modelId: number;
  family: ArchitectureFamily;
  hidden: number[];
  density: number;
  seed: number;
  datasetId: string;
  iterations: number;
  checkpoints: 'ends' | 'all';
  pruning: PruningScheme;
  measure: MeasureFollowUp | null;
  /** The training path; absent (jobs made before there were two) means 'auto'. */
  trainer?: TrainerChoice;
}

/** What a training job keeps between runs (its resume blob). */
interface TrainState {
  phase: number;
  resume: ResumeState | null;
  /** Iteration-0 parameters of phase 0: what pruned phases rewind to. */
  initial: LayerParameters[] | null;
  /** Final parameters of the previous phase. */
  trained: LayerParameters[] | null;
  /** The path the current phase runs on, once chosen (a resumed phase keeps it). */
  trainer?: TrainerName;
}

export function phaseCount(pruning: PruningScheme): number {
  if (pruning.kind === 'random') return 1;
  if (pruning.kind === 'one-shot') return 2;
  return pruning.rounds + 1;
}

/** The density a one-shot ticket is pruned to: the setup's, or 1 − rate for a dense setup. */
export function oneShotDensity(spec: TrainJobSpec): number {
  if (spec.pruning.kind !== 'one-shot') throw new Error('not a one-shot job');
  return spec.density < 1 ? spec.density : 1 - spec.pruning.rate;
}

/** The hidden layers' density in a phase: pruned phases keep what pruning leaves. */
export function phaseDensity(spec: TrainJobSpec, phase: number): number {
  if (spec.pruning.kind === 'random') return spec.density;
  if (phase === 0) return 1;
  if (spec.pruning.kind === 'one-shot') return oneShotDensity(spec);
  return (1 - spec.pruning.rate) ** phase;
}

/** The network a phase trains, as the cost model sees it. */
export function phaseShape(
  spec: TrainJobSpec,
  phase: number,
  inputDim: number,
  classCount: number,
): NetworkShape {
  return {
    inputDim,
    hidden: spec.hidden,
    classCount,
    density: phaseDensity(spec, phase),
    batchSize: TRAINING_DEFAULTS.batchSize,
  };
}

function phaseSpec(spec: TrainJobSpec, state: TrainState): TrainSpec {
  const last = state.phase === phaseCount(spec.pruning) - 1;
  const base = {
    hidden: spec.hidden,
    family: spec.family,
    seed: spec.seed,
    dataset: spec.datasetId,
    iterations: spec.iterations,
    checkpoints: last ? spec.checkpoints : ('ends' as const),
  };
  if (spec.pruning.kind === 'random') return { ...base, density: spec.density };
  if (state.phase === 0) return { ...base, density: 1 };
  if (!state.initial || !state.trained) throw new Error('pruning phase without the previous phase');
  const ticket =
    spec.pruning.kind === 'one-shot'
      ? oneShotWinningTicket(state.trained, state.initial, oneShotDensity(spec))
      : magnitudePruningRound(state.trained, state.initial, spec.pruning.rate);
  return { ...base, initial: ticket.layers };
}

/**
 * Starts a training run somewhere: in a local worker thread (startTraining) or, on a
 * hub with remote workers, wherever the dispatch sends it (src-main/remote). `context`
 * names the job and phase the run belongs to.
 */
export type TrainingStarter = (
  message: Extract<ToWorker, { type: 'start' }>,
  onMessage: (message: Exclude<FromWorker, { type: 'calibrated' | 'done' | 'error' }>) => void,
  context: { readonly jobId: number; readonly phase: number },
) => { done: Promise<Extract<FromWorker, { type: 'done' }>>; stop(kind: 'pause' | 'cancel'): void };

/** Starts one training run in a worker; `stop` asks it to pause or cancel. */
export function startTraining(
  message: Extract<ToWorker, { type: 'start' }>,
  onMessage: (message: Exclude<FromWorker, { type: 'calibrated' | 'done' | 'error' }>) => void,
): { done: Promise<Extract<FromWorker, { type: 'done' }>>; stop(kind: 'pause' | 'cancel'): void } {
  const worker = spawnWorker(workerEntry('train'));
  const done = new Promise<Extract<FromWorker, { type: 'done' }>>((resolve, reject) => {
    let settled = false;
    worker.on('message', (incoming: FromWorker) => {
      if (settled) return;
      try {
        if (incoming.type === 'done') {
          settled = true;
          resolve(incoming);
        } else if (incoming.type === 'error') {
          settled = true;
          reject(new Error(incoming.message));
        } else if (incoming.type === 'calibrated') {
          settled = true;
          reject(new Error('the training worker answered a calibration it was not asked for'));
        } else {
          onMessage(incoming);
        }
      } catch (error) {
        settled = true;
        reject(error as Error);
      }
      if (settled) void worker.terminate();
    });
    worker.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the training worker exited (code ${code}) before finishing`));
      settled = true;
    });
  });
  worker.postMessage(message, message.resume ? resumeBuffers(message.resume) : []);
  return { done, stop: (kind) => worker.postMessage({ type: kind } satisfies ToWorker) };
}

export interface TrainRunnerOptions {
  /** The lab's home: the training worker reads datasets from its cache. */
  home: string;
  /** Snapshot cadence in steps. */
  snapshotEvery?: number;
  /** Runs in the transaction that marks the job done (queues the measure job). */
  onTrained(spec: TrainJobSpec, jobId: number): void;
  /** The path a phase trains on when the spec says 'auto' (default: TensorFlow.js). */
  chooseTrainer?(shape: NetworkShape): TrainerName;
  /** A dataset's share of non-zero training inputs, when counted (a factor of the fused path's cost). */
  inputNonZero?(datasetId: string): number | undefined;
  /** Learned facts: the tfjs backend in use (from TensorFlow.js runs)… */
  onBackend?(backend: Backend, skipped: readonly string[]): void;
  /** …and the speed of every phase that ran from its start to its end. */
  onSpeed?(run: FinishedRun): void;
  /** Where runs train (default: a local worker thread each). */
  start?: TrainingStarter;
}

/** What a phase that ran in one go measured (the cost model learns from it). */
export interface FinishedRun {
  readonly shape: NetworkShape;
  readonly trainer: TrainerName;
  readonly backend: KernelName;
  readonly msPerIteration: number;
  readonly evaluationMs: number;
  readonly evaluationCount: number;
  readonly testCount: number;
  /** From starting the worker to its result. */
  readonly wallMs: number;
  readonly steps: number;
}

/** Evaluation passes of a phase after `iteration` (the schedule's points above it). */
function evaluationsAfter(iterations: number, iteration: number): number {
  return evaluationSchedule(iterations).filter((point) => point > iteration).length;
}

export class TrainRunner implements JobRunner {
  constructor(
    private readonly zoo: Zoo,
    private readonly options: TrainRunnerOptions,
  ) {}

  private loadState(jobId: number): TrainState {
    const blob = this.zoo.jobs.resumeState(jobId);
    if (!blob) return { phase: 0, resume: null, initial: null, trained: null };
    return decodeBlob<TrainState>(blob);
  }

  private saveState(jobId: number, state: TrainState): void {
    this.zoo.jobs.setResumeState(jobId, encodeBlob(state));
  }

  async run(control: JobControl): Promise<JobOutcome> {
    const spec = control.job.spec as TrainJobSpec;
    const jobId = control.job.id;
    const model = this.zoo.models.get(spec.modelId);
    const phases = phaseCount(spec.pruning);
    const state = this.loadState(jobId);
    const total = phases * spec.iterations;
    let accuracy: number | null = null;
    let backend: Backend | null = null;
    let trainer: TrainerName | null = null;
    let current: { stop(kind: 'pause' | 'cancel'): void } | null = null;
    control.onStop((reason) => current?.stop(reason === 'cancel' ? 'cancel' : 'pause'));

    while (state.phase < phases) {
      const last = state.phase === phases - 1;
      // Pruned phases rewind to phase 0's initialisation: without it, phase 0 starts over.
      if (state.phase === 0 && phases > 1 && !state.initial) state.resume = null;
      const trainSpec = phaseSpec(spec, state);
      const offset = state.phase * spec.iterations;
      if (control.stopReason) return { kind: 'stopped' };
      const inputNonZero = this.options.inputNonZero?.(spec.datasetId);
      const shape = {
        ...phaseShape(spec, state.phase, model.inputDim, model.classCount),
        ...(inputNonZero !== undefined ? { inputNonZero } : {}),
      };
      // A phase resumed from a snapshot continues on its path (a snapshot older than the
      // choice was TensorFlow.js's, the only path then); a fresh one chooses.
      if (state.resume !== null) state.trainer ??= 'tfjs';
      else {
        const choice = spec.trainer ?? 'auto';
        state.trainer =
          choice !== 'auto' ? choice : (this.options.chooseTrainer?.(shape) ?? 'tfjs');
      }
      const phaseTrainer = state.trainer;
      const fromIteration = state.resume?.step ?? 0;
      const phaseStarted = performance.now();
      // Evaluation passes still to come in later phases (each phase runs the whole schedule).
      const laterEvaluations =
        (phases - 1 - state.phase) * evaluationSchedule(spec.iterations).length;
      const start: TrainingStarter = this.options.start ?? startTraining;
      const run = start(
        {
          type: 'start',
          spec: trainSpec,
          dataDirectory: this.options.home,
          trainer: phaseTrainer,
          ...(state.resume ? { resume: state.resume } : {}),
          ...(this.options.snapshotEvery !== undefined
            ? { snapshotEvery: this.options.snapshotEvery }
            : {}),
        },
        (message) => {
          switch (message.type) {
            case 'ready':
              backend = message.backend.name;
              trainer = message.trainer;
              this.zoo.models.setTrainer(model.id, trainer, backend);
              // Only a TensorFlow.js run tells which tfjs backend loads on this machine.
              if (trainer === 'tfjs') this.options.onBackend?.(backend, message.backend.skipped);
              // Until the first step, show where the job stood (a resumed run is ahead of its phase start).
              control.progress({
                progress: Math.max(offset, control.job.iteration) / total,
                iteration: Math.max(offset, control.job.iteration),
                loss: null,
                accuracy,
                etaSeconds: null,
                backend,
                trainer,
              });
              break;
            case 'progress': {
              const done = offset + message.iteration;
              // Steps left at the measured step rate, plus the validation passes left.
              const evaluations =
                evaluationsAfter(spec.iterations, message.iteration) + laterEvaluations;
              const evaluationMs = Number.isFinite(message.msPerEvaluation)
                ? evaluations * message.msPerEvaluation
                : 0;
              control.progress({
                progress: done / total,
                iteration: done,
                loss: message.loss,
                accuracy,
                etaSeconds: Number.isFinite(message.msPerIteration)
                  ? ((total - done) * message.msPerIteration + evaluationMs) / 1000
                  : null,
                backend,
                trainer,
              });
              break;
            }
            case 'evaluation':
              if (last) {
                accuracy = message.point.validationAccuracy;
                this.zoo.checkpoints.putMetric(model.id, {
                  iteration: message.point.iteration,
                  accuracy: message.point.validationAccuracy,
                  loss: message.point.validationLoss,
                  trainLoss: message.point.trainLoss,
                });
              }
              break;
            case 'checkpoint':
              if (state.phase === 0 && message.iteration === 0 && phases > 1) {
                state.initial = message.layers;
              }
              if (last) {
                this.zoo.checkpoints.put(
                  model.id,
                  message.iteration,
                  packNetwork({
                    inputDim: message.layers[0].inDim,
                    layers: message.layers.map((layer, index) => ({
                      inDim: layer.inDim,
                      outDim: layer.outDim,
                      weights: Float64Array.from(layer.weights),
                      bias: Float64Array.from(layer.bias),
                      ...(layer.mask ? { mask: layer.mask } : {}),
                      activation: index === message.layers.length - 1 ? 'linear' : 'relu',
                    })),
                  }),
                );
              }
              break;
            case 'snapshot':
              state.resume = message.state;
              this.saveState(jobId, state);
              break;
          }
        },
        { jobId, phase: state.phase },
      );
      current = run;
      if (control.stopReason) run.stop(control.stopReason === 'cancel' ? 'cancel' : 'pause');
      const done = await run.done;
      current = null;
      if (
        done.status === 'completed' &&
        fromIteration === 0 &&
        Number.isFinite(done.msPerIteration)
      ) {
        this.options.onSpeed?.({
          shape,
          trainer: done.trainer,
          backend: done.backend.name,
          msPerIteration: done.msPerIteration,
          evaluationMs: done.evaluationMs,
          evaluationCount: done.evaluationCount,
          testCount: done.testCount,
          wallMs: performance.now() - phaseStarted,
          steps: done.iteration,
        });
      }
      if (done.status !== 'completed') {
        state.resume = done.resume ?? state.resume;
        this.saveState(jobId, state);
        return { kind: 'stopped' };
      }
      if (!last) {
        // The next phase starts from the pruned, rewound network.
        state.trained = done.layers;
        state.resume = null;
        state.phase += 1;
        delete state.trainer;
        this.saveState(jobId, state);
        if (control.stopReason) return { kind: 'stopped' };
        continue;
      }
      return {
        kind: 'done',
        finish: () => {
          this.zoo.models.setTrained(model.id, spec.iterations, done.backend.name, done.trainer);
          this.zoo.jobs.setResumeState(jobId, null);
          this.zoo.jobs.setTrained(
            jobId,
            done.trainer,
            Number.isFinite(done.msPerIteration) ? done.msPerIteration : null,
          );
          if (accuracy !== null) {
            this.zoo.jobs.setAccuracy(jobId, accuracy);
          }
          this.options.onTrained(spec, jobId);
        },
      };
    }
    return { kind: 'done' };
  }
}
