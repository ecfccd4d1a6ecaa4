/**
 * The lab's analyses of issue 11 (the service delegates to this): exact maximal patterns
 * (solved once per checkpoint in a measure worker and stored), their blankets and s beside
 * the greedy ones, unique patterns and decision trees of a checkpoint (computed in a
 * worker, stored), and bootstrap statistics of setups from stored measurements.
 */
import type {
  ExactComparisonRow,
  PatternCountsView,
  SetupStatistics,
  TreeView,
} from '../../src-shared/api/analyses-dto.ts';
import type { Params } from '../../src-shared/api/contract.ts';
import type {
  BlanketEntry,
  PartitionArrays,
  PhenomenonSpec,
  ScopeName,
} from '../../src-shared/api/dto.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import {
  bootstrapMean,
  bootstrapNestedMean,
  CONFIDENCE,
  EXACT_PAIRS,
  pairedComparison,
} from '../../src-shared/stats/bootstrap.ts';
import { DEFAULT_EXACT_TIME_LIMIT } from '../../src-shared/mbh/exact-pattern.ts';
import type { TreeSummary } from '../../src-shared/mbh/pattern-tree.ts';
import type { UniquePatternReport } from '../../src-shared/mbh/unique-patterns.ts';
import type { AnalysisRequest } from '../analyses/analysis-protocol.ts';
import type { ExactBlanket, ExactPatternMessage } from '../analyses/exact-protocol.ts';
import { checkpointKey, networkMessage } from '../jobs/measure-job.ts';
import type { StoredCheckpoint } from '../zoo/checkpoints.ts';
import type { Zoo } from '../zoo/zoo.ts';
import { setupKey } from './setups.ts';

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

/** What the analyses need of the service: the zoo, a measure worker, a model's phenomena. */
export interface AnalysisDeps {
  zoo: Zoo;
  request<T>(
    body:
      | Body<AnalysisRequest>
      | {
          type: 'exactPatterns';
          patternKey: string;
          network: ReturnType<typeof networkMessage>;
          datasetId: string;
          phenomena: PhenomenonSpec[] | null;
          cps: number[];
          scope: ScopeName;
          timeLimit: number;
        },
  ): Promise<T>;
  phenomena(modelId: number): PhenomenonSpec[];
}

function invalid(path: string, problem: string): never {
  throw new ValidationError(path, problem);
}

/** The scope a model is measured in: its experiment's, else the last layer. */
function modelScope(zoo: Zoo, modelId: number): ScopeName {
  const model = zoo.models.get(modelId);
  return model.experimentId !== null
    ? (zoo.experiments.get(model.experimentId).spec.scope ?? 'last')
    : 'last';
}

export class LabAnalyses {
  constructor(private readonly deps: AnalysisDeps) {}

  private get zoo(): Zoo {
    return this.deps.zoo;
  }

  private widths(modelId: number): number[] {
    const model = this.zoo.models.get(modelId);
    return [model.inputDim, ...model.hidden, model.classCount];
  }

  /** A checkpoint's exact patterns: the stored ones, else solved in a worker and stored. */
  async exactPatterns(
    checkpoint: StoredCheckpoint,
    phenomena: PhenomenonSpec[],
    cps: number[],
    scope: ScopeName,
    timeLimit = DEFAULT_EXACT_TIME_LIMIT,
  ): Promise<ExactPatternMessage[]> {
    const names = phenomena.map((phenomenon) => phenomenon.name);
    const stored = this.zoo.exact.patterns(checkpoint.id, scope, names, cps, timeLimit);
    if (stored) return stored;
    const model = this.zoo.models.get(checkpoint.modelId);
    const solved = await this.deps.request<ExactPatternMessage[]>({
      type: 'exactPatterns',
      patternKey: checkpointKey(checkpoint),
      network: networkMessage(this.widths(model.id), checkpoint),
      datasetId: model.datasetId,
      phenomena,
      cps,
      scope,
      timeLimit,
    });
    this.zoo.transaction(() => this.zoo.exact.putPatterns(checkpoint.id, scope, timeLimit, solved));
    return solved;
  }

  /** Adds the exact patterns' blankets to a blanket grid's cells (phenomenon-major). */
  async addExactBlankets(
    cells: Omit<BlanketEntry, 'phenomenon' | 'cp'>[],
    checkpointId: number,
    partition: PartitionArrays,
    phenomena: PhenomenonSpec[],
    cps: number[],
    scope: ScopeName,
  ): Promise<void> {
    const checkpoint = this.zoo.checkpoints.get(checkpointId);
    const model = this.zoo.models.get(checkpoint.modelId);
    const exact = await this.exactPatterns(checkpoint, phenomena, cps, scope);
    const blankets = await this.deps.request<ExactBlanket[]>({
      type: 'exactBlankets',
      patternKey: checkpointKey(checkpoint),
      network: networkMessage(this.widths(model.id), checkpoint),
      datasetId: model.datasetId,
      partition: {
        regionCount: partition.regionCount,
        vertexOffsets: partition.vertexOffsets,
        vertices: partition.vertices,
        areas: partition.areas,
        patternWords: partition.patternWords,
        patterns: partition.patterns,
        neuronCount: partition.neuronCount,
        layerSizes: partition.layerSizes,
        regionsPerLayer: partition.regionsPerLayer,
        domainArea: partition.domainArea,
        ms: partition.ms,
      },
      phenomena,
      cps,
      scope,
      exact,
    });
    blankets.forEach((blanket, k) => (cells[k].exact = blanket));
  }

  /** s of greedy and exact patterns per cP, last checkpoint, on one plane set. */
  exactComparison(p: Params<'exactComparison'>): ExactComparisonRow[] {
    return p.modelIds.map((modelId) => {
      const model = this.zoo.models.get(modelId);
      const scope = modelScope(this.zoo, modelId);
      const last = this.zoo.checkpoints.list(modelId).at(-1);
      const exactRows = last
        ? this.zoo.exact
            .forModel(modelId, p.planeSetId, scope)
            .filter((row) => row.checkpointId === last.id)
        : [];
      const planeSetId = p.planeSetId ?? exactRows[0]?.planeSetId;
      const greedy = new Map<string, { s: number; constraints: number }>();
      if (planeSetId !== undefined) {
        for (const row of this.zoo.measurements.forModel(modelId, planeSetId, scope)) {
          if (row.checkpointId !== last?.id) continue;
          greedy.set(`${row.plane}|${row.phenomenon}|${row.cp}`, row);
        }
      }
      const byCp = new Map<
        number,
        {
          plane: number;
          s: number;
          sExact: number;
          constraints: number;
          constraintsExact: number;
          coverageExact: number;
          optimal: boolean;
        }[]
      >();
      for (const row of exactRows) {
        if (row.planeSetId !== planeSetId) continue;
        const match = greedy.get(`${row.plane}|${row.phenomenon}|${row.cp}`);
        if (!match) continue;
        const list = byCp.get(row.cp) ?? [];
        list.push({
          plane: row.plane,
          s: match.s,
          sExact: row.s,
          constraints: match.constraints,
          constraintsExact: row.constraints,
          coverageExact: row.coverage,
          optimal: row.optimal,
        });
        byCp.set(row.cp, list);
      }
      return {
        modelId,
        name: model.name,
        setup: setupKey(model),
        byCp: [...byCp.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([cp, cells]) => {
            // s as the thesis reports it: the mean over phenomena per plane, then over planes.
            const planes = new Map<number, { s: number; sExact: number; count: number }>();
            for (const cell of cells) {
              const plane = planes.get(cell.plane) ?? { s: 0, sExact: 0, count: 0 };
              plane.s += cell.s;
              plane.sExact += cell.sExact;
              plane.count++;
              planes.set(cell.plane, plane);
            }
            const perPlane = [...planes.values()];
            const average = (f: (cell: (typeof cells)[number]) => number) =>
              cells.reduce((sum, cell) => sum + f(cell), 0) / cells.length;
            return {
              cp,
              s: perPlane.reduce((sum, plane) => sum + plane.s / plane.count, 0) / perPlane.length,
              sExact:
                perPlane.reduce((sum, plane) => sum + plane.sExact / plane.count, 0) /
                perPlane.length,
              constraints: average((cell) => cell.constraints),
              constraintsExact: average((cell) => cell.constraintsExact),
              coverageExact: average((cell) => cell.coverageExact),
              missed: average((cell) => (cell.constraintsExact > cell.constraints ? 1 : 0)),
              optimal: average((cell) => (cell.optimal ? 1 : 0)),
            };
          }),
      };
    });
  }

  /** A model's checkpoint at an iteration (default: the last). */
  private checkpointAt(modelId: number, iteration: number | undefined): StoredCheckpoint {
    const list = this.zoo.checkpoints.list(modelId);
    if (list.length === 0) invalid('params.modelId', `model ${modelId} has no checkpoint yet`);
    const summary =
      iteration === undefined ? list.at(-1)! : list.find((entry) => entry.iteration === iteration);
    if (!summary) {
      const known = list.map((entry) => entry.iteration);
      const shown = known.length > 12 ? [...known.slice(0, 12), '…'] : known;
      invalid(
        'params.iteration',
        `model ${modelId} has no checkpoint at iteration ${iteration} (it has ${shown.join(', ')})`,
      );
    }
    return this.zoo.checkpoints.get(summary.id);
  }

  private async analysis<T>(
    kind: 'patterns' | 'tree',
    modelId: number,
    iteration: number | undefined,
    split: 'train' | 'test',
    scope: ScopeName,
  ): Promise<{ result: T; checkpoint: StoredCheckpoint; datasetId: string }> {
    const model = this.zoo.models.get(modelId);
    const checkpoint = this.checkpointAt(modelId, iteration);
    const phenomena = kind === 'patterns' ? this.deps.phenomena(modelId) : [];
    const key = {
      checkpointId: checkpoint.id,
      datasetId: model.datasetId,
      split,
      kind,
      options: JSON.stringify(kind === 'patterns' ? { phenomena } : { scope }),
    };
    const stored = this.zoo.analyses.get<T>(key);
    if (stored) return { result: stored, checkpoint, datasetId: model.datasetId };
    const result = await this.deps.request<T>({
      type: 'analysis',
      kind,
      network: networkMessage(this.widths(modelId), checkpoint),
      datasetId: model.datasetId,
      split,
      phenomena,
      scope,
    });
    this.zoo.analyses.put(key, result);
    return { result, checkpoint, datasetId: model.datasetId };
  }

  async patterns(p: Params<'analysePatterns'>): Promise<PatternCountsView> {
    const { result, checkpoint, datasetId } = await this.analysis<UniquePatternReport>(
      'patterns',
      p.modelId,
      p.iteration,
      p.split,
      'all',
    );
    return {
      modelId: p.modelId,
      iteration: checkpoint.iteration,
      datasetId,
      split: p.split,
      ...result,
    };
  }

  async tree(p: Params<'analyseTree'>): Promise<TreeView> {
    const model = this.zoo.models.get(p.modelId);
    if (p.scope !== 'last') {
      const index = Number(p.scope.slice('layer:'.length));
      if (index >= model.hidden.length) {
        invalid(
          'params.scope',
          `layer ${index} does not exist: model ${p.modelId} has hidden layers 0..${model.hidden.length - 1}`,
        );
      }
    }
    const { result, checkpoint, datasetId } = await this.analysis<TreeSummary>(
      'tree',
      p.modelId,
      p.iteration,
      p.split,
      p.scope as ScopeName,
    );
    return {
      modelId: p.modelId,
      iteration: checkpoint.iteration,
      datasetId,
      split: p.split,
      scope: p.scope,
      ...result,
    };
  }

  /** Per model of a setup: s at cP on each plane (mean over phenomena), last checkpoint. */
  private planeValues(modelId: number, planeSetId: number, cp: number): Map<number, number> {
    const last = this.zoo.checkpoints.list(modelId).at(-1);
    const sums = new Map<number, { sum: number; count: number }>();
    const scope = modelScope(this.zoo, modelId);
    for (const row of this.zoo.measurements.forModel(modelId, planeSetId, scope)) {
      if (row.checkpointId !== last?.id || row.cp !== cp) continue;
      const cell = sums.get(row.plane) ?? { sum: 0, count: 0 };
      cell.sum += row.s;
      cell.count++;
      sums.set(row.plane, cell);
    }
    if (sums.size === 0) {
      invalid(
        'params.setups',
        `model ${modelId} has no measurement at cP ${cp} on plane set ${planeSetId}: measure it first`,
      );
    }
    return new Map([...sums].map(([plane, cell]) => [plane, cell.sum / cell.count]));
  }

  /** The plane set every model has measurements on (the lowest id), unless one is given. */
  private commonPlaneSet(modelIds: number[], given: number | undefined): number {
    if (given !== undefined) return given;
    let ids: number[] = [];
    modelIds.forEach((modelId, k) => {
      const sets = new Set(this.zoo.measurements.forModel(modelId).map((row) => row.planeSetId));
      ids = k === 0 ? [...sets] : ids.filter((id) => sets.has(id));
    });
    ids.sort((a, b) => a - b);
    if (ids.length === 0) {
      invalid('params.setups', 'the models share no measured plane set: measure them on one');
    }
    return ids[0];
  }

  /** The bootstrap interval of a setup's accuracies (over its models). */
  bootstrapAccuracy(accuracies: number[], resamples: number, seed: number) {
    return bootstrapMean(accuracies, { resamples, seed });
  }

  statistics(p: Params<'setupStatistics'>): SetupStatistics {
    const all = p.setups.flat();
    const planeSetId = this.commonPlaneSet(all, p.planeSetId);
    const options = { resamples: p.resamples, seed: p.seed };
    const values = p.setups.map((modelIds) =>
      modelIds.map((modelId) => this.planeValues(modelId, planeSetId, p.cp)),
    );
    const setups = p.setups.map((modelIds, k) => {
      const groups = values[k].map((planes) => [...planes.values()]);
      const accuracies = modelIds.map((modelId) => this.zoo.models.get(modelId).accuracy);
      return {
        modelIds,
        planes: new Set(values[k].flatMap((planes) => [...planes.keys()])).size,
        s: bootstrapNestedMean(groups, options),
        accuracy: accuracies.every((value) => value !== null)
          ? bootstrapMean(accuracies as number[], options)
          : null,
      };
    });
    let paired: SetupStatistics['paired'] = null;
    if (p.setups.length === 2) {
      // Planes every model of both setups was measured on; per plane, each setup's mean.
      const planes = [...values[0][0].keys()]
        .filter((plane) => values.every((setup) => setup.every((model) => model.has(plane))))
        .sort((a, b) => a - b);
      if (planes.length === 0) {
        invalid(
          'params.setups',
          `the two setups share no measured plane of plane set ${planeSetId}`,
        );
      }
      const perPlane = (setup: Map<number, number>[]) =>
        planes.map(
          (plane) => setup.reduce((sum, model) => sum + model.get(plane)!, 0) / setup.length,
        );
      const comparison = pairedComparison(perPlane(values[0]), perPlane(values[1]), options);
      paired = {
        difference: comparison.difference,
        pValue: comparison.pValue,
        test: comparison.exact
          ? `paired sign-flip permutation test, exact (all 2^${comparison.pairs} sign patterns)`
          : `paired sign-flip permutation test, 100,000 random sign patterns (more than ${EXACT_PAIRS} planes)`,
        planes: comparison.pairs,
      };
    }
    return {
      cp: p.cp,
      planeSetId,
      resamples: p.resamples,
      seed: p.seed,
      confidence: CONFIDENCE,
      setups,
      paired,
    };
  }
}
