/**
 * Limits, in two parts. The lab's limits that a user may change (lab settings, kept in
 * the zoo): the region budget of a partition and the heap limit of a measure worker; both
 * bound what one request can cost, and past them a request fails with a clear error,
 * never the lab. And the limits every boundary shares: the api's params (contract.ts)
 * and the model and project bundles (src-main/lab/bundles.ts) check against the same
 * numbers and the same pruning schema, so that what the lab makes it can export and
 * import again, and no import stores what the api would refuse.
 */
import { DEFAULT_REGION_BUDGET, MAX_REGION_BUDGET } from '../mbh/budget.ts';
import {
  integer,
  literal,
  number,
  object,
  oneOf,
  optional,
  string,
  type Schema,
} from './validate.ts';

/** Heap limit of a measure worker (MB), unless the lab setting says otherwise. */
export const DEFAULT_WORKER_MEMORY_MB = 2048;
export const MIN_WORKER_MEMORY_MB = 128;
export const MAX_WORKER_MEMORY_MB = 65_536;

export interface LabLimits {
  /** Regions a partition may have before it stops with RegionBudgetError. */
  regionBudget: number;
  /** V8 heap limit of each measure worker (MB); applies to workers started afterwards. */
  workerMemoryMb: number;
  /** Models an experiment may have (fixed). */
  maxExperimentModels: number;
}

export const DEFAULT_LIMITS: Readonly<Omit<LabLimits, 'maxExperimentModels'>> = {
  regionBudget: DEFAULT_REGION_BUDGET,
  workerMemoryMb: DEFAULT_WORKER_MEMORY_MB,
};

/** Params of setLimits: each given limit is stored, the others stay. */
export const setLimitsSchema = object({
  regionBudget: optional(integer({ min: 1, max: MAX_REGION_BUDGET })),
  workerMemoryMb: optional(integer({ min: MIN_WORKER_MEMORY_MB, max: MAX_WORKER_MEMORY_MB })),
});

// ── limits the api and the bundles share ─────────────────────────────────────────────

export const LIMITS = {
  /** Names of projects, experiments, models, phenomena. */
  nameCharacters: 200,
  notesCharacters: 100_000,
  descriptionCharacters: 10_000,
  tagCharacters: 100,
  tagsPerModel: 100,
  datasetIdCharacters: 100,
  /** Neurons of one hidden layer. */
  layerWidth: 100_000,
  hiddenLayers: 16,
  seed: 2 ** 31 - 1,
  iterations: 10_000_000,
  /** A pruning rate below 1: pruning every weight leaves no network. */
  pruningRate: 0.999,
  pruningRounds: 50,
} as const;

export type PruningSchemeSchema =
  | { kind: 'random' }
  | { kind: 'one-shot'; rate: number }
  | { kind: 'iterative'; rate: number; rounds: number };

export const name = (): Schema<string> => string({ min: 1, max: LIMITS.nameCharacters });
export const notes = (): Schema<string> => string({ max: LIMITS.notesCharacters, trim: false });
export const seed = (): Schema<number> => integer({ min: 0, max: LIMITS.seed });
export const layerWidth = (): Schema<number> => integer({ min: 1, max: LIMITS.layerWidth });
export const datasetId = (): Schema<string> => string({ min: 1, max: LIMITS.datasetIdCharacters });
export const tag = (): Schema<string> => string({ min: 1, max: LIMITS.tagCharacters });

/** How a model's weights were pruned: the one schema of the api and the bundles. */
export const pruningSchema: Schema<PruningSchemeSchema> = {
  parse(value, path = 'value') {
    const kind = object({ kind: oneOf(['random', 'one-shot', 'iterative'] as const) });
    const head = (typeof value === 'object' && value !== null ? value : {}) as {
      kind?: unknown;
    };
    kind.parse({ kind: Object.hasOwn(head, 'kind') ? head.kind : undefined }, path);
    const rate = number({ above: 0, max: LIMITS.pruningRate });
    if (head.kind === 'random') return object({ kind: literal('random') }).parse(value, path);
    if (head.kind === 'one-shot')
      return object({ kind: literal('one-shot'), rate }).parse(value, path);
    return object({
      kind: literal('iterative'),
      rate,
      rounds: integer({ min: 1, max: LIMITS.pruningRounds }),
    }).parse(value, path);
  },
};
