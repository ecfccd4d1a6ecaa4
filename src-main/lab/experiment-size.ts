/**
 * How large an experiment may be. Each model is a training job, a measure job and rows
 * in the zoo; ten thousand is already weeks of training on a desktop, and a spec that
 * multiplies to more (64 widths × 64 densities × 1,000 seeds passes the schema) is
 * almost always a typo. Refused before anything is written, naming the count.
 */
import { ValidationError } from '../../src-shared/api/validate.ts';
import { groupDigits } from '../../src-shared/mbh/budget.ts';

export const MAX_EXPERIMENT_MODELS = 10_000;

/** Throws ValidationError on `params.spec` when setups × seeds exceeds the limit. */
export function checkExperimentSize(setups: number, seeds: number): number {
  const models = setups * seeds;
  if (models > MAX_EXPERIMENT_MODELS) {
    throw new ValidationError(
      'params.spec',
      `the experiment would have ${groupDigits(models)} models (${groupDigits(setups)} setups × ` +
        `${groupDigits(seeds)} seeds), more than the limit of ${groupDigits(MAX_EXPERIMENT_MODELS)}; ` +
        'use fewer architectures, densities, datasets or seeds',
    );
  }
  return models;
}
