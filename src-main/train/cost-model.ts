/**
 * What a training step costs on this machine, per training path: a measured linear model
 *
 *   ms per step = c₀ + c₁·layers + c₂·(batch × dense weights) + c₃·(batch × sparse weights)
 *
 * The TensorFlow.js path multiplies masks, so every weight of a layer counts as dense; it
 * pays a dispatch cost per op, so the per-layer term is large. The fused path stores a
 * masked layer sparse, so it pays for kept weights only (at its own rate per weight), and
 * its dense first layer walks only the non-zero input values (input-batch.ts): there the
 * first layer's weights count times the dataset's share of non-zero inputs (Digit MNIST
 * about 0.19, Fashion about 0.50), so one fit prices both datasets. A masked first layer
 * on inputs much sparser than its mask is stored and priced the same way (the trainer's
 * rule, maskedFirstLayerOverNonZero in fused/layer-storage.ts).
 *
 * The coefficients come from quiet short calibration runs of a few designed networks per
 * path (a non-negative least-squares fit: a negative cost would make a bigger network
 * cheaper). Runs share the machine in a sweep, so the calibration also times one network
 * in as many workers at once as the lab runs, and a worker's start (thread, modules,
 * dataset): until real jobs have run, the line is scaled by that measured slowdown.
 * Finished jobs then refine it: a network measured before is predicted by what it took
 * (the median of its recent runs), any other by the calibrated line scaled by the median
 * measured/predicted ratio of that path's recent runs (which carries whatever sharing the
 * machine saw).
 *
 * Pure arithmetic: no I/O. The lab keeps calibrations and samples in the zoo's settings.
 */
import type { Architecture } from '../../src-shared/model/architecture.ts';
import { layerShapes } from '../../src-shared/model/architecture.ts';
import { keptWeightCount } from '../../src-shared/model/hnp.ts';
import { maskedFirstLayerOverNonZero } from './fused/layer-storage.ts';
import { TRAINER_NAMES, type TrainerName } from './trainers.ts';

export type TrainerChoice = 'auto' | TrainerName;
export const TRAINER_CHOICES: readonly TrainerChoice[] = ['auto', ...TRAINER_NAMES];

/** Checks a trainer choice from a flag, a spec or a message; the error names the field. */
export function validateTrainerChoice(value: unknown, field = 'trainer'): TrainerChoice {
  if (value === undefined) return 'auto';
  if (typeof value === 'string' && (TRAINER_CHOICES as readonly string[]).includes(value))
    return value as TrainerChoice;
  throw new RangeError(`${field} must be 'auto', 'fused' or 'tfjs', got ${JSON.stringify(value)}`);
}

/** A network as training sees it: layer sizes, the hidden layers' density and the batch. */
export interface NetworkShape {
  readonly inputDim: number;
  /** Hidden widths, input side first. */
  readonly hidden: readonly number[];
  readonly classCount: number;
  /** Density of every hidden layer (1 = dense; the output layer is always dense). */
  readonly density: number;
  readonly batchSize: number;
  /**
   * Share of the non-zero values in the training split's inputs (absent: 1, every input
   * counts). The fused path's dense first layer costs in proportion to it.
   */
  readonly inputNonZero?: number;
}

export function networkShape(
  architecture: Architecture,
  density: number,
  batchSize: number,
): NetworkShape {
  return {
    inputDim: architecture.inputDim,
    hidden: [...architecture.hidden],
    classCount: architecture.outputDim,
    density,
    batchSize,
  };
}

/** Identifies a network for the per-architecture refinement (equal keys train alike). */
export function shapeKey(shape: NetworkShape): string {
  const share = shape.inputNonZero ?? 1;
  // Datasets of one size whose inputs differ in sparsity train at different speeds.
  const inputs = share < 1 ? `:z${share.toFixed(3)}` : '';
  return `${shape.inputDim}:${shape.hidden.join(',')}:${shape.classCount}:d${shape.density}:b${shape.batchSize}${inputs}`;
}

/** Features scaled so every coefficient is of order 0.01–10 ms (a well-conditioned fit). */
const WEIGHT_UNIT = 1e6;
export const FEATURE_NAMES = ['step', 'layer', 'dense Mweight·row', 'sparse Mweight·row'] as const;
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** The model's features of one step of `shape` on `trainer`. */
export function stepFeatures(shape: NetworkShape, trainer: TrainerName): number[] {
  const layers = layerShapes({
    family: 'custom',
    hidden: shape.hidden,
    inputDim: shape.inputDim,
    outputDim: shape.classCount,
  });
  let dense = 0;
  let sparse = 0;
  const share = shape.inputNonZero ?? 1;
  layers.forEach((layer, index) => {
    const total = layer.inDim * layer.outDim;
    const masked = index < layers.length - 1 && shape.density < 1;
    const kept = masked ? keptWeightCount(total, shape.density) : total;
    // A first layer stored densely (unmasked, or masked on inputs much sparser than its mask:
    // the trainer's own rule) walks the non-zero inputs; a masked one otherwise its kept
    // weights over every input (input-batch.ts).
    const overNonZero =
      index === 0 && (!masked || maskedFirstLayerOverNonZero(kept / total, share));
    if (trainer === 'tfjs') dense += total;
    else if (overNonZero) dense += total * share;
    else if (masked) sparse += kept;
    else dense += total;
  });
  const rows = shape.batchSize / WEIGHT_UNIT;
  return [1, layers.length, rows * dense, rows * sparse];
}

/** ms per feature unit, in FEATURE_NAMES order. */
export type Coefficients = readonly number[];

/**
 * Before this machine is calibrated: the wasm figures of issue 8's table (LeNet-300-100
 * 6.4 ms and (12,4) 2.2 ms per batch-60 step) for TensorFlow.js, and for the fused path
 * its WebAssembly kernels' figures on this 2-core machine (Fashion MNIST, batch 60:
 * (300,100) dense about 4.5 ms, at density 0.3136 about 3 ms, (12,4) dense about 0.5 ms),
 * so 'auto' prefers the fused path until the calibration says otherwise.
 */
export const PRIOR_COEFFICIENTS: Record<TrainerName, Coefficients> = {
  tfjs: [0.8, 0.41, 0.273, 0],
  fused: [0.3, 0.05, 0.45, 0.55],
};

export function predictMs(coefficients: Coefficients, features: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < FEATURE_COUNT; i++) sum += coefficients[i] * features[i];
  return sum;
}

/** Solves the square system `a·x = b` by Gaussian elimination; null when singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let row = column + 1; row < n; row++)
      if (Math.abs(m[row][column]) > Math.abs(m[pivot][column])) pivot = row;
    const scale = Math.max(...m.map((row) => Math.abs(row[column])));
    if (Math.abs(m[pivot][column]) <= 1e-12 * Math.max(scale, 1e-300)) return null;
    [m[column], m[pivot]] = [m[pivot], m[column]];
    for (let row = 0; row < n; row++) {
      if (row === column) continue;
      const factor = m[row][column] / m[column][column];
      for (let k = column; k <= n; k++) m[row][k] -= factor * m[column][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/**
 * Non-negative least squares: the coefficients ≥ 0 minimising Σ (predicted − ms)², found
 * exactly by trying every subset of free features (2⁴ = 16 small systems). Features that
 * are zero in every point (e.g. sparse weights on the TensorFlow.js path) get 0.
 */
export function fitCoefficients(
  points: readonly { readonly features: readonly number[]; readonly ms: number }[],
): number[] {
  if (points.length === 0) throw new RangeError('fitCoefficients: no calibration points');
  let best: { coefficients: number[]; residual: number } | null = null;
  for (let subset = 1; subset < 1 << FEATURE_COUNT; subset++) {
    const free = [...Array(FEATURE_COUNT).keys()].filter((index) => subset & (1 << index));
    if (free.length > points.length) continue;
    // Normal equations restricted to the free features.
    const a = free.map((i) =>
      free.map((j) =>
        points.reduce((sum, point) => sum + point.features[i] * point.features[j], 0),
      ),
    );
    const b = free.map((i) => points.reduce((sum, point) => sum + point.features[i] * point.ms, 0));
    const solution = solve(a, b);
    if (solution === null || solution.some((value) => !(value >= 0))) continue;
    const coefficients = new Array<number>(FEATURE_COUNT).fill(0);
    free.forEach((feature, index) => (coefficients[feature] = solution[index]));
    const residual = points.reduce(
      (sum, point) => sum + (predictMs(coefficients, point.features) - point.ms) ** 2,
      0,
    );
    if (best === null || residual < best.residual * (1 - 1e-12)) best = { coefficients, residual };
  }
  // Every point at 0 ms (or no solvable subset): a free constant of their mean.
  return best?.coefficients ?? [points.reduce((s, p) => s + p.ms, 0) / points.length, 0, 0, 0];
}

/** One finished training run, as the lab remembers it. */
export interface SpeedSample {
  readonly trainer: TrainerName;
  readonly key: string;
  readonly features: readonly number[];
  /** Optimiser steps only. */
  readonly msPerIteration: number;
  /** Mean wall time of one validation pass, and the rows it evaluated. */
  readonly msPerEvaluation: number | null;
  readonly testCount: number;
  /** Wall time of the run not spent in steps or evaluations: worker start, dataset load. */
  readonly overheadMs: number | null;
}

/** Recent samples kept per backend; enough for medians per architecture of a sweep. */
export const SPEED_SAMPLE_LIMIT = 200;
/** Predictions of the two paths this close are measured on the network itself (worthExploring). */
export const EXPLORE_FACTOR = 1.5;
/** Samples per architecture whose median predicts it. */
const PER_SHAPE = 5;
/** Samples per path whose median ratio scales the calibrated line. */
const PER_PATH = 30;
/** An evaluation's cost per row relative to a step's per row, before any was measured. */
const PRIOR_EVALUATION_SHARE = 0.45;
/** Worker start and dataset load of one run, before any was measured (ms). */
const PRIOR_OVERHEAD_MS = 1_500;

export function median(values: readonly number[]): number | null {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const middle = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

export interface CostModelState {
  /** Calibrated coefficients per path (absent: the prior). */
  readonly calibration: Partial<Record<TrainerName, Coefficients>>;
  /** Per path: a validation pass's ms per row over a step's ms per row, from calibration. */
  readonly evaluationShare?: Partial<Record<TrainerName, number>>;
  /**
   * Per number of workers running at once (as a string key): how much slower a step is
   * than in the quiet calibration, measured by running that many calibration workers.
   */
  readonly slowdown?: Readonly<Record<string, number>>;
  /** Quiet ms from starting a training worker to its first step (modules, dataset). */
  readonly startMs?: number;
  /** Oldest first. */
  readonly samples: readonly SpeedSample[];
}

export class CostModel {
  /** `workers`: how many runs share the machine (the lab's pool). */
  constructor(
    readonly state: CostModelState,
    readonly workers = 1,
  ) {}

  /** The measured slowdown of `workers` runs at once (1 when not measured). */
  private shared(): number {
    return this.state.slowdown?.[String(this.workers)] ?? 1;
  }

  /** Whether `trainer` has calibrated coefficients (else the prior stands in). */
  calibrated(trainer: TrainerName): boolean {
    return this.state.calibration[trainer] !== undefined;
  }

  private samplesOf(trainer: TrainerName, key?: string): SpeedSample[] {
    return this.state.samples.filter(
      (sample) => sample.trainer === trainer && (key === undefined || sample.key === key),
    );
  }

  /** The calibrated (or prior) line alone, without refinement. */
  lineMs(shape: NetworkShape, trainer: TrainerName): number {
    const coefficients = this.state.calibration[trainer] ?? PRIOR_COEFFICIENTS[trainer];
    return predictMs(coefficients, stepFeatures(shape, trainer));
  }

  /** Expected ms per optimiser step of `shape` on `trainer`. */
  msPerStep(shape: NetworkShape, trainer: TrainerName): number {
    const same = this.samplesOf(trainer, shapeKey(shape)).slice(-PER_SHAPE);
    const measured = median(same.map((sample) => sample.msPerIteration));
    if (measured !== null) return measured;
    const coefficients = this.state.calibration[trainer] ?? PRIOR_COEFFICIENTS[trainer];
    const ratios = this.samplesOf(trainer)
      .slice(-PER_PATH)
      .map((sample) => sample.msPerIteration / predictMs(coefficients, sample.features))
      .filter((ratio) => Number.isFinite(ratio) && ratio > 0);
    return (median(ratios) ?? this.shared()) * this.lineMs(shape, trainer);
  }

  /**
   * Whether 'auto' should measure both paths on `shape` before choosing: their predictions
   * are within EXPLORE_FACTOR of each other (a line's error could flip the choice) and the
   * path it would not pick has no measured sample of this network (so the per-architecture
   * median never corrects a wrong first choice). Deterministic: the same state, the same answer.
   */
  worthExploring(shape: NetworkShape): boolean {
    const fused = this.msPerStep(shape, 'fused');
    const tfjs = this.msPerStep(shape, 'tfjs');
    if (!(fused > 0 && tfjs > 0) || Math.max(fused, tfjs) > EXPLORE_FACTOR * Math.min(fused, tfjs))
      return false;
    const other: TrainerName = fused <= tfjs ? 'tfjs' : 'fused';
    return this.samplesOf(other, shapeKey(shape)).length === 0;
  }

  /** The faster path for `shape`, or the one asked for. */
  choose(shape: NetworkShape, choice: TrainerChoice): TrainerName {
    if (choice !== 'auto') return choice;
    return this.msPerStep(shape, 'fused') <= this.msPerStep(shape, 'tfjs') ? 'fused' : 'tfjs';
  }

  /** Expected ms of one validation pass over `testCount` rows. */
  msPerEvaluation(shape: NetworkShape, trainer: TrainerName, testCount: number): number {
    const perRow = (sample: SpeedSample) =>
      sample.msPerEvaluation === null || sample.testCount <= 0
        ? Number.NaN
        : sample.msPerEvaluation / sample.testCount;
    const same = median(this.samplesOf(trainer, shapeKey(shape)).slice(-PER_SHAPE).map(perRow));
    if (same !== null) return same * testCount;
    // Relative to a step's cost per row: an evaluation is a forward pass in large chunks.
    const share = median(
      this.samplesOf(trainer)
        .slice(-PER_PATH)
        .map((sample) => perRow(sample) / (sample.msPerIteration / shape.batchSize)),
    );
    const calibrated = this.state.evaluationShare?.[trainer];
    return (
      (share ?? calibrated ?? PRIOR_EVALUATION_SHARE) *
      (this.msPerStep(shape, trainer) / shape.batchSize) *
      testCount
    );
  }

  /** Expected ms of a run besides its steps and evaluations (worker start, dataset load). */
  overheadMs(): number {
    const recent = this.state.samples
      .slice(-PER_PATH)
      .map((sample) => sample.overheadMs ?? Number.NaN);
    return (
      median(recent) ??
      (this.state.startMs !== undefined ? this.state.startMs * this.shared() : PRIOR_OVERHEAD_MS)
    );
  }
}

/** A validation pass's cost per row relative to a step's (see CostModel.msPerEvaluation). */
export function evaluationShare(
  runs: readonly { msPerIteration: number; msPerEvaluation: number; testCount: number }[],
  batchSize: number,
): number | null {
  return median(
    runs.map((run) => run.msPerEvaluation / run.testCount / (run.msPerIteration / batchSize)),
  );
}

/** Appends a sample, keeping the most recent SPEED_SAMPLE_LIMIT. */
export function withSample(samples: readonly SpeedSample[], sample: SpeedSample): SpeedSample[] {
  return [...samples, sample].slice(-SPEED_SAMPLE_LIMIT);
}

/**
 * The calibration networks: each isolates one feature (constant, layers, dense weights,
 * sparse weights) with a second dense and sparse size to steady the fit. Short runs; a
 * few warm-up steps are dropped so the first-call compilation does not count.
 */
export const CALIBRATION_NETWORKS: readonly { hidden: readonly number[]; density: number }[] = [
  { hidden: [4], density: 1 },
  { hidden: [4, 4, 4, 4, 4, 4], density: 1 },
  { hidden: [100], density: 1 },
  { hidden: [300, 100], density: 1 },
  { hidden: [300, 100], density: 0.03 },
  { hidden: [1000, 300], density: 0.01 },
];
