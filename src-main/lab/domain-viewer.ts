/**
 * The plane viewer's requests: plane sets, spanning images, partitions and blankets.
 * Moved from service.ts unchanged; the LabService facade delegates its api methods here.
 */
import { type Params, type Results } from '../../src-shared/api/contract.ts';
import type { BlanketView, PartitionView, PhenomenonSpec } from '../../src-shared/api/dto.ts';
import { quote } from '../../src-shared/api/validate.ts';
import type { CallContext } from '../../src-shared/api/call.ts';
import { checkpointKey, networkMessage } from '../jobs/measure-job.ts';
import type { BlanketResult, ImagesResult } from '../workers/measure-protocol.ts';
import { planeSummary, type StoredPlane } from '../zoo/planes.ts';
import { invalid, partitionMessageOf } from './service-support.ts';
import {
  checkPlaneRule,
  DEFAULT_PLANE_RULE_TEXT,
  parsePlaneRuleText,
  planeRuleText,
} from '../../src-shared/model/plane-rule.ts';
import type { LabService } from './service.ts';

export class LabViewer {
  constructor(private readonly lab: LabService) {}

  /**
   * The plane set of (dataset, count, seed, clip, rule), drawn in a worker the first time;
   * `rule` is canonical text (planeRuleSchema). A rule the dataset cannot satisfy is a
   * ValidationError at `paths` (a class without samples is found while drawing).
   */
  async ensurePlaneSet(
    datasetId: string,
    count: number,
    seed: number,
    clip: boolean,
    rule: string = DEFAULT_PLANE_RULE_TEXT,
    paths: { rule: string; count: string } = { rule: 'rule', count: 'count' },
  ) {
    const parsed = parsePlaneRuleText(rule, paths.rule);
    const entry = this.lab.datasets.datasetEntry(datasetId, 'datasetId');
    checkPlaneRule(
      parsed,
      { classCount: entry.classCount, sampleCount: entry.testCount },
      count,
      paths.rule,
      paths.count,
    );
    // Given samples leave nothing to chance: their set is one, whatever seed was asked.
    const key = {
      datasetId,
      count,
      seed: parsed.kind === 'samples' ? 0 : seed,
      clip,
      rule: planeRuleText(parsed),
    };
    const existing = this.lab.zoo.planeSets.findByKey(key);
    if (existing !== null) return existing;
    const drawn = await this.lab.worker().request<{ planes: StoredPlane[] }>({
      type: 'planes',
      ...key,
      paths,
    });
    const again = this.lab.zoo.planeSets.findByKey(key);
    if (again !== null) return again;
    const id = this.lab.zoo.transaction(() => this.lab.zoo.planeSets.create(key, drawn.planes));
    this.lab.changed('planeSet', id, 'created');
    return id;
  }

  async listPlaneSets(params: Params<'listPlaneSets'>): Promise<Results['listPlaneSets']> {
    const p = this.lab.check('listPlaneSets', params);
    return this.lab.zoo.planeSets
      .list(p.datasetId)
      .map((set) => ({ ...set, planes: set.planes.map(planeSummary) }));
  }

  async createPlaneSet(params: Params<'createPlaneSet'>): Promise<Results['createPlaneSet']> {
    const p = this.lab.check('createPlaneSet', params);
    this.lab.datasets.datasetEntry(p.datasetId, 'params.datasetId');
    const id = await this.ensurePlaneSet(
      p.datasetId,
      p.count,
      p.seed,
      p.clip,
      p.rule ?? DEFAULT_PLANE_RULE_TEXT,
      { rule: 'params.rule', count: 'params.count' },
    );
    const set = this.lab.zoo.planeSets.get(id);
    return { ...set, planes: set.planes.map(planeSummary) };
  }

  plane(planeSetId: number, index: number): StoredPlane {
    const set = this.lab.zoo.planeSets.get(planeSetId);
    if (index >= set.planes.length) {
      invalid(
        'params.plane',
        `plane set ${planeSetId} has planes 0–${set.planes.length - 1}, not ${index}`,
      );
    }
    return set.planes[index];
  }

  async getSpanningImages(
    params: Params<'getSpanningImages'>,
  ): Promise<Results['getSpanningImages']> {
    const p = this.lab.check('getSpanningImages', params);
    const set = this.lab.zoo.planeSets.get(p.planeSetId);
    const plane = this.plane(p.planeSetId, p.plane);
    const result = await this.lab.worker().request<ImagesResult>({
      type: 'images',
      datasetId: set.datasetId,
      samples: [...plane.sampleIndices],
    });
    const side = Math.round(Math.sqrt(result.inputDim));
    const square = side * side === result.inputDim;
    return {
      planeSetId: p.planeSetId,
      plane: p.plane,
      width: square ? side : result.inputDim,
      height: square ? side : 1,
      images: [result.images[0], result.images[1], result.images[2]],
      labels: plane.sampleIndices.map((_, k) => result.labels[k]) as [number, number, number],
    };
  }

  /** One plane's partition: cached, joined if already running, else computed in a worker. */
  async partition(
    checkpointId: number,
    planeSetId: number,
    index: number,
    budget: { maxRegions?: number; signal?: CallContext['signal'] } = {},
  ): Promise<PartitionView> {
    const cached = this.lab.interactive.cached(checkpointId, planeSetId, index);
    if (cached) return cached;
    const checkpoint = this.lab.zoo.checkpoints.get(checkpointId);
    const model = this.lab.zoo.models.get(checkpoint.modelId);
    const set = this.lab.zoo.planeSets.get(planeSetId);
    if (
      set.datasetId !== model.datasetId &&
      set.planes[0] &&
      set.planes[0].origin.length !== model.inputDim
    ) {
      invalid(
        'params.planeSetId',
        `plane set ${planeSetId} lies in a ${set.planes[0].origin.length}-dimensional space, the model takes ${model.inputDim} inputs`,
      );
    }
    const plane = this.plane(planeSetId, index);
    const widths = [model.inputDim, ...model.hidden, model.classCount];
    return this.lab.interactive.partition(
      {
        checkpointId,
        planeSetId,
        plane,
        network: networkMessage(widths, checkpoint),
        maxRegions: this.lab.regionBudget(budget.maxRegions),
        affinity: checkpointKey(checkpoint),
      },
      budget.signal,
    );
  }

  async getPartition(
    params: Params<'getPartition'>,
    context?: CallContext,
  ): Promise<Results['getPartition']> {
    const p = this.lab.check('getPartition', params);
    const claim = this.lab.interactive.claim(context, p.view);
    try {
      return await this.partition(p.checkpointId, p.planeSetId, p.plane, {
        maxRegions: p.maxRegions,
        signal: claim.signal,
      });
    } finally {
      claim.finish();
    }
  }

  /** A phenomenon by name: the experiment's own, a class name, or a class index. */
  phenomenon(modelId: number, name: string, path = 'params.phenomenon'): PhenomenonSpec {
    const model = this.lab.zoo.models.get(modelId);
    if (model.experimentId !== null) {
      const own = this.lab.zoo.experiments
        .get(model.experimentId)
        .spec.phenomena?.find((ph) => ph.name === name);
      if (own) return own;
    }
    const entry = this.lab.datasets
      .datasetEntries()
      .find((candidate) => candidate.id === model.datasetId);
    const classNames = entry ? [...entry.classNames] : [];
    const byName = classNames.indexOf(name);
    if (byName >= 0) return { name, labels: [byName] };
    const label = Number(name);
    if (Number.isInteger(label) && label >= 0 && label < model.classCount) {
      return { name: classNames[label] ?? name, labels: [label] };
    }
    invalid(path, `unknown phenomenon ${quote(name)} (classes: ${classNames.join(', ')})`);
  }

  async getBlanket(
    params: Params<'getBlanket'>,
    context?: CallContext,
  ): Promise<Results['getBlanket']> {
    const p = this.lab.check('getBlanket', params);
    const signal = context?.signal;
    const partition = await this.partition(p.checkpointId, p.planeSetId, p.plane, {
      maxRegions: p.maxRegions,
      signal,
    });
    const checkpoint = this.lab.zoo.checkpoints.get(p.checkpointId);
    const model = this.lab.zoo.models.get(checkpoint.modelId);
    const phenomenon = this.phenomenon(model.id, p.phenomenon);
    const widths = [model.inputDim, ...model.hidden, model.classCount];
    const result = await this.lab.worker().request<BlanketResult>(
      {
        type: 'blanket',
        patternKey: checkpointKey(checkpoint),
        network: networkMessage(widths, checkpoint),
        datasetId: model.datasetId,
        partition: partitionMessageOf(partition),
        phenomenon,
        cp: p.cp,
        scope: p.scope,
      },
      { signal, affinity: checkpointKey(checkpoint) },
    );
    const view: BlanketView = {
      checkpointId: p.checkpointId,
      planeSetId: p.planeSetId,
      plane: p.plane,
      phenomenon: phenomenon.name,
      cp: p.cp,
      ...result,
    };
    return view;
  }

  async getBlankets(
    params: Params<'getBlankets'>,
    context?: CallContext,
  ): Promise<Results['getBlankets']> {
    const p = this.lab.check('getBlankets', params);
    const signal = context?.signal;
    const checkpoint = this.lab.zoo.checkpoints.get(p.checkpointId);
    const model = this.lab.zoo.models.get(checkpoint.modelId);
    const phenomena = p.phenomena
      ? p.phenomena.map((name, k) => this.phenomenon(model.id, name, `params.phenomena[${k}]`))
      : this.modelPhenomena(model.id);
    const partition = await this.partition(p.checkpointId, p.planeSetId, p.plane, {
      maxRegions: p.maxRegions,
      signal,
    });
    const widths = [model.inputDim, ...model.hidden, model.classCount];
    const cells = await this.lab.worker().request<BlanketResult[]>(
      {
        type: 'blankets',
        patternKey: checkpointKey(checkpoint),
        network: networkMessage(widths, checkpoint),
        datasetId: model.datasetId,
        partition: partitionMessageOf(partition),
        phenomena,
        cps: p.cps,
        scope: p.scope,
      },
      { signal, affinity: checkpointKey(checkpoint) },
    );
    if (p.exact) {
      await this.lab.comparisons.analyses.addExactBlankets(
        cells,
        checkpoint.id,
        partition,
        phenomena,
        p.cps,
        p.scope,
      );
    }
    return {
      checkpointId: p.checkpointId,
      planeSetId: p.planeSetId,
      plane: p.plane,
      phenomena: phenomena.map((phenomenon) => phenomenon.name),
      cps: p.cps,
      blankets: cells.map((cell, k) => ({
        phenomenon: phenomena[Math.floor(k / p.cps.length)].name,
        cp: p.cps[k % p.cps.length],
        ...cell,
      })),
    };
  }

  /** The phenomena a model is measured on: its experiment's, else one per class. */
  modelPhenomena(modelId: number): PhenomenonSpec[] {
    const model = this.lab.zoo.models.get(modelId);
    const own =
      model.experimentId !== null
        ? this.lab.zoo.experiments.get(model.experimentId).spec.phenomena
        : null;
    if (own && own.length > 0) return own;
    const entry = this.lab.datasets
      .datasetEntries()
      .find((candidate) => candidate.id === model.datasetId);
    return Array.from({ length: model.classCount }, (_, label) => ({
      name: entry?.classNames[label] ?? String(label),
      labels: [label],
    }));
  }
}
