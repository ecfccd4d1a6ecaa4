/**
 * Compare rows: per model, what the thesis figures plot — accuracy, s at every cP, region
 * counts — at the last measured checkpoint, and the same over training. s on a plane is
 * the mean over phenomena; the row's s is the mean over planes.
 */
import type { CompareRow, MeasurementRow, RegionCountRow } from '../../src-shared/api/dto.ts';
import type { StoredModel } from '../zoo/models.ts';
import type { Zoo } from '../zoo/zoo.ts';
import { setupKey } from './setups.ts';

/** The headline minimum coverage (thesis §6.2). */
export const HEADLINE_CP = 0.8;

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** s per cP over a set of measurements: mean over phenomena per plane, then over planes. */
export function sByCp(rows: readonly MeasurementRow[]): { cp: number; s: number }[] {
  const byCp = new Map<number, Map<number, number[]>>();
  for (const row of rows) {
    let planes = byCp.get(row.cp);
    if (!planes) byCp.set(row.cp, (planes = new Map()));
    let values = planes.get(row.plane);
    if (!values) planes.set(row.plane, (values = []));
    values.push(row.s);
  }
  return [...byCp.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cp, planes]) => ({
      cp,
      s: mean([...planes.values()].map((values) => mean(values)!))!,
    }));
}

function headline(values: { cp: number; s: number }[]): number | null {
  if (values.length === 0) return null;
  const exact = values.find((value) => value.cp === HEADLINE_CP);
  if (exact) return exact.s;
  let best = values[0];
  for (const value of values) {
    if (Math.abs(value.cp - HEADLINE_CP) < Math.abs(best.cp - HEADLINE_CP)) best = value;
  }
  return best.s;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(row);
  }
  return out;
}

/**
 * What one compare call looks up once for all its models: each experiment's scope and
 * plane set, and each plane set's dataset (one query per experiment, not per model).
 */
export class CompareLookups {
  private readonly experiments = new Map<number, { scope: string; planeSetId: number | null }>();
  private readonly datasets = new Map<number, string>();

  constructor(private readonly zoo: Zoo) {}

  experiment(id: number): { scope: string; planeSetId: number | null } {
    let found = this.experiments.get(id);
    if (!found) {
      const experiment = this.zoo.experiments.get(id);
      found = { scope: experiment.spec.scope, planeSetId: experiment.planeSetId };
      this.experiments.set(id, found);
    }
    return found;
  }

  planeSetDataset(id: number): string {
    let found = this.datasets.get(id);
    if (found === undefined) {
      found = this.zoo.planeSets.get(id).datasetId;
      this.datasets.set(id, found);
    }
    return found;
  }
}

/** The plane set a model is compared on: the given one, its experiment's, or its most measured. */
function planeSetFor(
  zoo: Zoo,
  lookups: CompareLookups,
  model: StoredModel,
  requested?: number,
): number | undefined {
  if (requested !== undefined) return requested;
  if (model.experimentId !== null) {
    const { planeSetId } = lookups.experiment(model.experimentId);
    if (planeSetId !== null && lookups.planeSetDataset(planeSetId) === model.datasetId)
      return planeSetId;
  }
  const counts = groupBy(zoo.measurements.regionCountsForModel(model.id), (row) => row.planeSetId);
  let best: number | undefined;
  for (const [id, rows] of counts)
    if (best === undefined || rows.length > counts.get(best)!.length) best = id;
  return best;
}

export function compareRow(
  zoo: Zoo,
  model: StoredModel,
  planeSetId?: number,
  lookups = new CompareLookups(zoo),
): CompareRow {
  const setId = planeSetFor(zoo, lookups, model, planeSetId);
  const scope = model.experimentId !== null ? lookups.experiment(model.experimentId).scope : 'last';
  const measurements = setId === undefined ? [] : zoo.measurements.forModel(model.id, setId, scope);
  const regionCounts: RegionCountRow[] =
    setId === undefined ? [] : zoo.measurements.regionCountsForModel(model.id, setId);
  const metrics = zoo.checkpoints.metrics(model.id);

  const byIteration = groupBy(measurements, (row) => row.iteration);
  const regionsByIteration = groupBy(regionCounts, (row) => row.iteration);
  const measuredIterations = [...byIteration.keys()].sort((a, b) => a - b);
  const lastMeasured = measuredIterations[measuredIterations.length - 1];
  const lastRegions =
    lastMeasured === undefined ? [] : (regionsByIteration.get(lastMeasured) ?? []);

  const iterations = new Set<number>([
    ...metrics.map((point) => point.iteration),
    ...byIteration.keys(),
    ...regionsByIteration.keys(),
  ]);
  const metricAt = new Map(metrics.map((point) => [point.iteration, point]));
  const training = [...iterations]
    .sort((a, b) => a - b)
    .map((iteration) => {
      const sValues = sByCp(byIteration.get(iteration) ?? []);
      return {
        iteration,
        accuracy: metricAt.get(iteration)?.accuracy ?? null,
        loss: metricAt.get(iteration)?.loss ?? null,
        trainLoss: metricAt.get(iteration)?.trainLoss ?? null,
        s: headline(sValues),
        sByCp: sValues,
        regions: mean((regionsByIteration.get(iteration) ?? []).map((row) => row.regions)),
      };
    });

  return {
    modelId: model.id,
    name: model.name,
    experimentId: model.experimentId,
    family: model.family,
    hidden: model.hidden,
    hiddenNeurons: model.hidden.reduce((sum, width) => sum + width, 0),
    density: model.density,
    hnps: model.hnps,
    seed: model.seed,
    datasetId: model.datasetId,
    hnpLevel: model.hnpLevel,
    pruning: model.pruning,
    setup: setupKey(model),
    accuracy: model.accuracy,
    loss: model.loss,
    regions: mean(lastRegions.map((row) => row.regions)),
    regionDensity: mean(lastRegions.map((row) => row.regions / row.domainArea)),
    sByCp: lastMeasured === undefined ? [] : sByCp(byIteration.get(lastMeasured)!),
    training,
  };
}
