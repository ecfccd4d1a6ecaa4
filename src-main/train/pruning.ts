/**
 * Pruning after training (thesis section 2.2.1): magnitude pruning per hidden layer with
 * rewinding to the initialisation — the winning-ticket recipe of the lottery ticket
 * hypothesis — one-shot or iterated.
 *
 * Per hidden layer, among the weights the current mask keeps, the ones with the largest
 * |trained weight| survive; ties go to the lower index, so the result is deterministic.
 * Counts follow the rounding rule of src-shared/model/hnp.ts. The output layer is never
 * pruned. The new network starts from the initial weights (masked with the new mask) and
 * the initial biases: the initialisation is the run's iteration-0 checkpoint.
 */
import { keptWeightCount, validateDensity } from '../../src-shared/model/hnp.ts';
import type { Dataset } from '../data/dataset.ts';
import { copyLayers, validateLayers, type LayerParameters, type TrainSpec } from './spec.ts';
import { train, type TrainHooks, type TrainOptions, type TrainOutcome } from './train.ts';

export interface PrunedNetwork {
  /** The rewound layers: initial weights × new masks, initial biases. Ready for `spec.initial`. */
  readonly layers: LayerParameters[];
  /** Kept weights per hidden layer. */
  readonly keptPerLayer: number[];
}

/** The mask keeping the `keep` largest-magnitude weights among those `current` keeps. */
export function magnitudeMask(
  weights: Float32Array,
  current: Uint8Array | null,
  keep: number,
): Uint8Array {
  const candidates: number[] = [];
  for (let i = 0; i < weights.length; i++)
    if (current === null || current[i] === 1) candidates.push(i);
  if (!Number.isInteger(keep) || keep < 0 || keep > candidates.length) {
    throw new RangeError(`magnitudeMask: cannot keep ${keep} of ${candidates.length} weights`);
  }
  candidates.sort((a, b) => Math.abs(weights[b]) - Math.abs(weights[a]) || a - b);
  const mask = new Uint8Array(weights.length);
  for (let i = 0; i < keep; i++) mask[candidates[i]] = 1;
  return mask;
}

function checkPair(trained: readonly LayerParameters[], initial: readonly LayerParameters[]): void {
  validateLayers(trained, 'trained');
  validateLayers(initial, 'initial');
  if (trained.length !== initial.length)
    throw new RangeError(`trained has ${trained.length} layers, initial has ${initial.length}`);
  trained.forEach((layer, index) => {
    const other = initial[index];
    if (layer.inDim !== other.inDim || layer.outDim !== other.outDim) {
      throw new RangeError(
        `layer ${index}: trained is ${layer.outDim} × ${layer.inDim}, initial is ${other.outDim} × ${other.inDim}`,
      );
    }
  });
}

/** Applies per-layer kept counts: new masks from trained magnitudes, weights rewound to `initial`. */
function pruneAndRewind(
  trained: readonly LayerParameters[],
  initial: readonly LayerParameters[],
  keepFor: (kept: number, layerIndex: number) => number,
): PrunedNetwork {
  checkPair(trained, initial);
  const keptPerLayer: number[] = [];
  const layers = trained.map((layer, index) => {
    const start = initial[index];
    if (index === trained.length - 1) {
      return {
        inDim: start.inDim,
        outDim: start.outDim,
        weights: start.weights.slice(),
        bias: start.bias.slice(),
        mask: null,
      };
    }
    const total = layer.inDim * layer.outDim;
    let kept = total;
    if (layer.mask !== null) {
      kept = 0;
      for (let i = 0; i < total; i++) kept += layer.mask[i];
    }
    const keep = keepFor(kept, index);
    if (keep === 0) throw new RangeError(`hidden layer ${index + 1} would keep no weights`);
    const mask = magnitudeMask(layer.weights, layer.mask, keep);
    const weights = new Float32Array(total);
    for (let i = 0; i < total; i++) if (mask[i] === 1) weights[i] = start.weights[i];
    keptPerLayer.push(keep);
    return { inDim: start.inDim, outDim: start.outDim, weights, bias: start.bias.slice(), mask };
  });
  return { layers, keptPerLayer };
}

/**
 * One-shot magnitude pruning to `density` of each hidden layer's full size, rewound to
 * `initial` (a winning ticket). The trained network may itself be sparse; only weights it
 * keeps can survive, so `density` must not exceed its own.
 */
export function oneShotWinningTicket(
  trained: readonly LayerParameters[],
  initial: readonly LayerParameters[],
  density: number,
): PrunedNetwork {
  validateDensity(density, 'density');
  return pruneAndRewind(trained, initial, (kept, index) => {
    const layer = trained[index];
    const keep = keptWeightCount(layer.inDim * layer.outDim, density);
    if (keep > kept) {
      throw new RangeError(
        `hidden layer ${index + 1} keeps ${kept} weights; density ${density} asks for ${keep}`,
      );
    }
    return keep;
  });
}

/**
 * One round of iterative magnitude pruning: each hidden layer loses `rate` of the weights
 * it still has (it keeps keptWeightCount(kept, 1 − rate)), weights rewound to `initial`.
 */
export function magnitudePruningRound(
  trained: readonly LayerParameters[],
  initial: readonly LayerParameters[],
  rate: number,
): PrunedNetwork {
  if (typeof rate !== 'number' || !(rate > 0 && rate < 1))
    throw new RangeError(`prune rate must be in (0, 1), got ${String(rate)}`);
  return pruneAndRewind(trained, initial, (kept) => keptWeightCount(kept, 1 - rate));
}

export interface ImpRound {
  /** 0 is the first training (the spec as given), 1 … rounds the pruned retrainings. */
  readonly round: number;
  readonly outcome: TrainOutcome;
  /** The network this round started from (its iteration-0 parameters). */
  readonly initial: LayerParameters[];
}

export interface ImpHooks extends TrainHooks {
  /** Called when a round's training has emitted its iteration-0 parameters. */
  onRound?(round: number, initial: LayerParameters[]): void;
}

/**
 * Iterative magnitude pruning: train, prune `rate` of each hidden layer's remaining
 * weights, rewind to the original initialisation, retrain — `rounds` times. After k
 * rounds a hidden layer keeps about (1 − rate)^k of its weights. Stops early (returning
 * the rounds so far) when a training round is paused or cancelled. For a job runner that
 * persists each round separately, call `train` and `magnitudePruningRound` directly.
 */
export async function iterativeMagnitudePruning(
  spec: TrainSpec,
  dataset: Dataset,
  settings: { readonly rounds: number; readonly rate: number },
  hooks: ImpHooks = {},
  options: TrainOptions = {},
): Promise<ImpRound[]> {
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1 || settings.rounds > 100) {
    throw new RangeError(`rounds must be an integer in [1, 100], got ${String(settings.rounds)}`);
  }
  // Check the rate now rather than after the first, long training.
  if (typeof settings.rate !== 'number' || !(settings.rate > 0 && settings.rate < 1)) {
    throw new RangeError(`prune rate must be in (0, 1), got ${String(settings.rate)}`);
  }
  const results: ImpRound[] = [];
  let original: LayerParameters[] | null = null;
  let roundSpec: TrainSpec = { ...spec, checkpoints: 'ends' };
  for (let round = 0; round <= settings.rounds; round++) {
    let initialOfRound: LayerParameters[] | null = null;
    const outcome = await train(
      roundSpec,
      dataset,
      {
        ...hooks,
        onCheckpoint(iteration, layers) {
          if (iteration === 0) {
            initialOfRound = copyLayers(layers);
            hooks.onRound?.(round, initialOfRound);
          }
          hooks.onCheckpoint?.(iteration, layers);
        },
      },
      undefined,
      options,
    );
    if (initialOfRound === null) throw new Error('IMP: training emitted no iteration-0 checkpoint');
    results.push({ round, outcome, initial: initialOfRound });
    if (outcome.status !== 'completed') break;
    original ??= initialOfRound;
    if (round === settings.rounds) break;
    const pruned = magnitudePruningRound(outcome.layers, original, settings.rate);
    const { density: _density, ...rest } = roundSpec;
    roundSpec = { ...rest, initial: pruned.layers, checkpoints: 'ends' };
  }
  return results;
}
