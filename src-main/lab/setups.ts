/**
 * From an experiment spec to the list of setups it trains: architectures from the family
 * and hidden-neuron totals (or custom widths), densities from HNP levels through the
 * equal-HNP generator (figure 6.1) or given explicitly, for each dataset's input size.
 */
import type { ExperimentSpec, SetupPlan } from '../../src-shared/api/dto.ts';
import { validateArchitecture, type Architecture } from '../../src-shared/model/architecture.ts';
import { checkDensityKeepsWeights, hnpCount } from '../../src-shared/model/hnp.ts';
import { equalHnpSetups } from '../../src-shared/model/setups.ts';

export interface DatasetShape {
  id: string;
  inputDim: number;
  classCount: number;
}

/** A setup before the cost model has chosen its trainer (plans.ts adds that). */
export interface PlannedSetup extends Omit<SetupPlan, 'trainer' | 'msPerIteration'> {
  datasetId: string;
  inputDim: number;
  classCount: number;
}

/**
 * Lenet `(3n, n)` and DeepFC `(2n, n, n)` widths for a total of hidden neurons, with
 * n = ⌊total / 4⌋ and the first layer taking the rest: 400 → (300,100), 46 → (35,11),
 * 45 → (23,11,11), as in the thesis.
 */
export function familyWidths(family: 'lenet' | 'deepfc', total: number): number[] {
  const n = Math.floor(total / 4);
  if (n < 1) throw new RangeError(`${family} needs at least 4 hidden neurons, got ${total}`);
  return family === 'lenet' ? [total - n, n] : [total - 2 * n, n, n];
}

export function architectures(spec: ExperimentSpec, data: DatasetShape): Architecture[] {
  if (spec.family === 'custom' && !spec.customWidths) {
    throw new RangeError('spec.customWidths: a custom experiment lists its hidden widths');
  }
  const widths =
    spec.customWidths ??
    spec.hiddenNeurons.map((total) => familyWidths(spec.family as 'lenet' | 'deepfc', total));
  return widths.map((hidden) =>
    validateArchitecture({
      family: spec.family,
      hidden,
      inputDim: data.inputDim,
      outputDim: data.classCount,
    }),
  );
}

/** Every setup of the spec for one dataset. */
export function planSetups(spec: ExperimentSpec, data: DatasetShape): PlannedSetup[] {
  const archs = architectures(spec, data);
  const base = { datasetId: data.id, inputDim: data.inputDim, classCount: data.classCount };
  if (spec.hnpLevels && spec.hnpLevels.length > 0) {
    const setups = equalHnpSetups(spec.hnpLevels, archs, { decimals: 4 });
    if (setups.length === 0) {
      throw new RangeError(
        'spec.hnpLevels: no architecture of the spec can reach any of these HNP levels',
      );
    }
    return setups.map((setup) => ({
      ...base,
      family: spec.family,
      hidden: [...setup.architecture.hidden],
      density: setup.density,
      hnps: setup.hnps,
      hnpLevel: setup.level,
    }));
  }
  const densities = spec.densities ?? [1];
  return archs.flatMap((architecture) =>
    densities.map((density) => {
      checkDensityKeepsWeights(architecture, density);
      return {
        ...base,
        family: spec.family,
        hidden: [...architecture.hidden],
        density,
        hnps: hnpCount(architecture, density),
      };
    }),
  );
}

/** A setup's grouping key: models of one setup differ only by seed. */
export function setupKey(setup: {
  family: string;
  hidden: readonly number[];
  density: number;
  datasetId: string;
}): string {
  return `${setup.family}(${setup.hidden.join(',')})@${setup.density}/${setup.datasetId}`;
}
