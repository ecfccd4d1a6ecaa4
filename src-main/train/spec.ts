/**
 * What a training job is (TrainSpec), what it produces (LayerParameters, EvaluationPoint)
 * and what it needs to continue after an interruption (ResumeState). All plain data:
 * structured-clonable for worker messages, serialisable for the zoo.
 */
import {
  validateArchitecture,
  type ArchitectureFamily,
} from '../../src-shared/model/architecture.ts';
import { validateDensity } from '../../src-shared/model/hnp.ts';
import type { DenseLayer, InputBox, Network } from '../../src-shared/model/network.ts';
import { validateSeed } from '../../src-shared/model/random.ts';
import {
  checkpointIterations,
  validateIterations,
  type CheckpointSelection,
} from '../../src-shared/model/schedule.ts';

/** The thesis' training hyper-parameters (appendix A.1). */
export const TRAINING_DEFAULTS = {
  learningRate: 1.2e-3,
  batchSize: 60,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  biasStd: 1e-6,
} as const;

/** One dense layer's parameters as training uses them: Float32, row-major [outDim][inDim]. */
export interface LayerParameters {
  readonly inDim: number;
  readonly outDim: number;
  /** outDim × inDim, mask applied (pruned entries are exactly +0). */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  /** 1 kept, 0 pruned; null for a dense layer (the output layer is always dense). */
  readonly mask: Uint8Array | null;
}

export interface TrainSpec {
  /** Hidden layer widths, input side first. */
  readonly hidden: readonly number[];
  /** Label only; the widths define the network. Default 'custom'. */
  readonly family?: ArchitectureFamily;
  /**
   * Density of every hidden layer, (0, 1]; default 1. Masks are drawn from the seed with
   * the rounding rule of src-shared/model/hnp.ts. Must be omitted when `initial` is given.
   */
  readonly density?: number;
  /** Seeds initialisation, masks and batch order: same seed → same run. */
  readonly seed: number;
  /** A dataset registry id ('mnist', 'fashion-std', 'user-…'). */
  readonly dataset: string;
  readonly iterations: number;
  /** Which evaluation points also emit a checkpoint; default 'ends' (0 and the last). */
  readonly checkpoints?: CheckpointSelection;
  readonly learningRate?: number;
  readonly batchSize?: number;
  /**
   * Start from these parameters instead of the seeded initialisation (a rewound winning
   * ticket, an IMP round): hidden layers carry their masks, the output layer has none.
   * The seed still orders the batches.
   */
  readonly initial?: readonly LayerParameters[];
}

/** A TrainSpec with every default filled in and every field checked. */
export interface ResolvedSpec {
  readonly hidden: readonly number[];
  readonly family: ArchitectureFamily;
  readonly density: number | null;
  readonly seed: number;
  readonly dataset: string;
  readonly iterations: number;
  readonly checkpoints: readonly number[];
  readonly learningRate: number;
  readonly batchSize: number;
  readonly initial: readonly LayerParameters[] | null;
}

export interface EvaluationPoint {
  /** Completed optimiser steps. */
  readonly iteration: number;
  readonly validationAccuracy: number;
  /** Mean cross-entropy over the validation (test) split. */
  readonly validationLoss: number;
  /** Mean minibatch loss of the steps since the previous point; null at iteration 0. */
  readonly trainLoss: number | null;
}

/**
 * Everything needed to continue a run exactly: the parameters, Adam's moments and step
 * count, and the running train-loss sum. The batch cursor is not stored because it is a
 * function of the seed and the step (batch t takes positions t·B … t·B + B − 1 of the
 * seeded per-epoch permutations).
 */
export interface ResumeState {
  readonly format: 'mbh-resume';
  readonly version: 1;
  /** The spec it belongs to, without `initial` (which only matters at step 0). */
  readonly specKey: string;
  readonly step: number;
  readonly layers: readonly LayerParameters[];
  /** Adam first and second moments, per layer: weights then bias. */
  readonly adam: readonly {
    readonly weights: [Float32Array, Float32Array];
    readonly bias: [Float32Array, Float32Array];
  }[];
  readonly lossSum: number;
  readonly lossCount: number;
  /** Evaluations already emitted, so a resumed run reports the full history. */
  readonly evaluations: readonly EvaluationPoint[];
}

function positiveInteger(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in [1, ${max}], got ${String(value)}`);
  }
  return value;
}

/** Validates a layer list (shapes, array lengths, masks, zeros where masked). */
export function validateLayers(
  layers: unknown,
  name: string,
  inputDim?: number,
): LayerParameters[] {
  if (!Array.isArray(layers) || layers.length < 2) {
    throw new TypeError(`${name} must be an array of at least two layers (hidden + output)`);
  }
  let previous = inputDim;
  return layers.map((value, index) => {
    const field = `${name}[${index}]`;
    if (typeof value !== 'object' || value === null)
      throw new TypeError(`${field} must be an object`);
    const layer = value as LayerParameters;
    const inDim = positiveInteger(layer.inDim, `${field}.inDim`, 1 << 24);
    const outDim = positiveInteger(layer.outDim, `${field}.outDim`, 1 << 24);
    if (previous !== undefined && inDim !== previous) {
      throw new RangeError(
        `${field}.inDim is ${inDim}, but the previous layer (or the input) has ${previous} outputs`,
      );
    }
    previous = outDim;
    if (!(layer.weights instanceof Float32Array) || layer.weights.length !== inDim * outDim) {
      throw new TypeError(`${field}.weights must be a Float32Array of ${outDim} × ${inDim} values`);
    }
    if (!(layer.bias instanceof Float32Array) || layer.bias.length !== outDim) {
      throw new TypeError(`${field}.bias must be a Float32Array of ${outDim} values`);
    }
    for (const array of [layer.weights, layer.bias]) {
      for (let i = 0; i < array.length; i++) {
        if (!Number.isFinite(array[i])) throw new RangeError(`${field}: value ${i} is not finite`);
      }
    }
    const isOutput = index === layers.length - 1;
    if (layer.mask !== null && layer.mask !== undefined) {
      if (isOutput)
        throw new RangeError(`${field}: the output layer is dense and cannot have a mask`);
      if (!(layer.mask instanceof Uint8Array) || layer.mask.length !== inDim * outDim) {
        throw new TypeError(
          `${field}.mask must be a Uint8Array of ${outDim} × ${inDim} values or null`,
        );
      }
      for (let i = 0; i < layer.mask.length; i++) {
        if (layer.mask[i] > 1)
          throw new RangeError(`${field}.mask[${i}] is ${layer.mask[i]}, expected 0 or 1`);
        if (layer.mask[i] === 0 && layer.weights[i] !== 0) {
          throw new RangeError(
            `${field}.weights[${i}] is ${layer.weights[i]} but the mask prunes it`,
          );
        }
      }
    }
    return { inDim, outDim, weights: layer.weights, bias: layer.bias, mask: layer.mask ?? null };
  });
}

/** Checks a spec and fills in the defaults; every error names the field. */
export function resolveSpec(spec: TrainSpec): ResolvedSpec {
  if (typeof spec !== 'object' || spec === null)
    throw new TypeError('train spec must be an object');
  const family = spec.family ?? 'custom';
  if (!Array.isArray(spec.hidden))
    throw new TypeError('spec.hidden must be an array of hidden layer widths');
  // The architecture validator checks widths and the family's depth; dims are filled later.
  validateArchitecture({ family, hidden: spec.hidden, inputDim: 1, outputDim: 1 }, 'spec');
  if (typeof spec.dataset !== 'string' || spec.dataset === '')
    throw new TypeError('spec.dataset must be a dataset id');
  const iterations = validateIterations(spec.iterations, 'spec.iterations');
  const learningRate = spec.learningRate ?? TRAINING_DEFAULTS.learningRate;
  if (typeof learningRate !== 'number' || !(learningRate > 0 && learningRate < 10)) {
    throw new RangeError(`spec.learningRate must be in (0, 10), got ${String(learningRate)}`);
  }
  let initial: LayerParameters[] | null = null;
  let density: number | null = null;
  if (spec.initial !== undefined) {
    if (spec.density !== undefined) {
      throw new RangeError(
        'spec.density must be omitted when spec.initial is given: the masks come from the initial layers',
      );
    }
    initial = validateLayers(spec.initial, 'spec.initial');
    const widths = initial.slice(0, -1).map((layer) => layer.outDim);
    if (widths.join(',') !== spec.hidden.join(',')) {
      throw new RangeError(
        `spec.initial has hidden widths ${widths.join(',')} but spec.hidden is ${spec.hidden.join(',')}`,
      );
    }
  } else {
    density = validateDensity(spec.density ?? 1, 'spec.density');
  }
  return {
    hidden: [...spec.hidden],
    family,
    density,
    seed: validateSeed(spec.seed, 'spec.seed'),
    dataset: spec.dataset,
    iterations,
    checkpoints: checkpointIterations(iterations, spec.checkpoints ?? 'ends'),
    learningRate,
    batchSize: positiveInteger(
      spec.batchSize ?? TRAINING_DEFAULTS.batchSize,
      'spec.batchSize',
      1 << 16,
    ),
    initial,
  };
}

/** A string identifying a run for resume checks (everything but the initial arrays). */
export function specKey(spec: ResolvedSpec): string {
  const { initial, ...rest } = spec;
  let digest = 0;
  if (initial !== null) {
    // FNV-1a over the initial weights' bytes: cheap and enough to tell runs apart.
    digest = 0x811c9dc5;
    for (const layer of initial) {
      for (const array of [layer.weights, layer.bias, layer.mask ?? new Uint8Array(0)]) {
        const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
        for (let i = 0; i < bytes.length; i++) digest = Math.imul(digest ^ bytes[i], 0x01000193);
      }
    }
  }
  return JSON.stringify({
    ...rest,
    initial: initial === null ? null : (digest >>> 0).toString(16),
  });
}

/** The shared Float64 `Network` of trained parameters, for the engine and the model JSON. */
export function toNetwork(layers: readonly LayerParameters[], inputBox?: InputBox): Network {
  const dense: DenseLayer[] = layers.map((layer, index) => ({
    inDim: layer.inDim,
    outDim: layer.outDim,
    weights: Float64Array.from(layer.weights),
    bias: Float64Array.from(layer.bias),
    ...(layer.mask !== null ? { mask: layer.mask.slice() } : {}),
    activation: index === layers.length - 1 ? 'linear' : 'relu',
  }));
  return inputBox === undefined
    ? { inputDim: layers[0].inDim, layers: dense }
    : { inputDim: layers[0].inDim, layers: dense, inputBox };
}

/** Deep copy of a layer list (fresh buffers, e.g. before transferring them). */
export function copyLayers(layers: readonly LayerParameters[]): LayerParameters[] {
  return layers.map((layer) => ({
    inDim: layer.inDim,
    outDim: layer.outDim,
    weights: layer.weights.slice(),
    bias: layer.bias.slice(),
    mask: layer.mask === null ? null : layer.mask.slice(),
  }));
}
