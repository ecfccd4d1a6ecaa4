/**
 * The lab's limits that a user may change (lab settings, kept in the zoo): the region
 * budget of a partition and the heap limit of a measure worker. Both bound what one
 * request can cost; past them a request fails with a clear error, never the lab. (The
 * limits of params and bundles are in ./limits.ts.)
 */
import { DEFAULT_REGION_BUDGET, MAX_REGION_BUDGET } from '../mbh/budget.ts';
import { integer, object, optional } from './validate.ts';

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

const MIB = 1024 * 1024;
/**
 * Bytes of an api message on the WebSocket, whatever the method: ids, names, specs and
 * small inline files. Larger files travel as uploads or paths (./file-source.ts).
 */
export const CALL_MESSAGE_BYTES = 4 * MIB;
