/**
 * The lab's limits as settings in the zoo (src-shared/api/lab-limits.ts): read with their
 * defaults, written one by one. Only the lab service calls these (it owns the zoo).
 */
import { DEFAULT_LIMITS, type LabLimits } from '../../src-shared/api/lab-limits.ts';
import type { Zoo } from '../zoo/zoo.ts';
import { MAX_EXPERIMENT_MODELS } from './experiment-size.ts';

const KEYS = { regionBudget: 'regionBudget', workerMemoryMb: 'workerMemoryMb' } as const;

export function readLimits(zoo: Zoo): LabLimits {
  return {
    regionBudget: zoo.settings.get<number>(KEYS.regionBudget) ?? DEFAULT_LIMITS.regionBudget,
    workerMemoryMb: zoo.settings.get<number>(KEYS.workerMemoryMb) ?? DEFAULT_LIMITS.workerMemoryMb,
    maxExperimentModels: MAX_EXPERIMENT_MODELS,
  };
}

/** Stores the given limits (already validated by the contract) and returns all of them. */
export function writeLimits(
  zoo: Zoo,
  changes: { regionBudget?: number | undefined; workerMemoryMb?: number | undefined },
): LabLimits {
  zoo.transaction(() => {
    if (changes.regionBudget !== undefined)
      zoo.settings.set(KEYS.regionBudget, changes.regionBudget);
    if (changes.workerMemoryMb !== undefined) {
      zoo.settings.set(KEYS.workerMemoryMb, changes.workerMemoryMb);
    }
  });
  return readLimits(zoo);
}
