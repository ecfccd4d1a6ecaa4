/**
 * Comparisons and analyses: compare rows, saved compare views, exact patterns, patterns, trees, statistics, reports.
 * Moved from service.ts unchanged; the LabService facade delegates its api methods here.
 */
import { type Params, type Results } from '../../src-shared/api/contract.ts';
import { Zoo } from '../zoo/zoo.ts';
import { CompareLookups, compareRow } from './compare.ts';
import { deleteView, listViews, saveView, setDefaultView } from './views.ts';
import { LabAnalyses } from './analyses.ts';
import { buildReport } from './report.ts';
import { VERSION } from './service-support.ts';
import type { LabService } from './service.ts';

export class LabComparisons {
  constructor(private readonly lab: LabService) {}

  async compare(params: Params<'compare'>): Promise<Results['compare']> {
    const p = this.lab.check('compare', params);
    const ids = new Set<number>();
    const models: ReturnType<Zoo['models']['list']> = [];
    const add = (list: ReturnType<Zoo['models']['list']>) => {
      for (const model of list) {
        if (ids.has(model.id)) continue;
        ids.add(model.id);
        models.push(model);
      }
    };
    if (p.projectId !== undefined) add(this.lab.zoo.models.list({ projectId: p.projectId }));
    for (const experimentId of p.experimentIds ?? [])
      add(this.lab.zoo.models.list({ experimentId }));
    for (const modelId of p.modelIds ?? []) add([this.lab.zoo.models.get(modelId)]);
    if (p.projectId === undefined && !p.experimentIds && !p.modelIds)
      add(this.lab.zoo.models.list());
    const lookups = new CompareLookups(this.lab.zoo);
    return models.map((model) => compareRow(this.lab.zoo, model, p.planeSetId, lookups));
  }

  async listCompareViews(params: Params<'listCompareViews'>): Promise<Results['listCompareViews']> {
    return listViews(this.lab.zoo, this.lab.check('listCompareViews', params).projectId);
  }

  async saveCompareView(params: Params<'saveCompareView'>): Promise<Results['saveCompareView']> {
    const p = this.lab.check('saveCompareView', params);
    const view = saveView(this.lab.zoo, p.projectId, p.name, p.state, p.makeDefault);
    this.lab.changed('project', p.projectId, 'updated');
    return view;
  }

  async setDefaultCompareView(
    params: Params<'setDefaultCompareView'>,
  ): Promise<Results['setDefaultCompareView']> {
    const p = this.lab.check('setDefaultCompareView', params);
    return setDefaultView(this.lab.zoo, p.projectId, p.id);
  }

  async deleteCompareView(
    params: Params<'deleteCompareView'>,
  ): Promise<Results['deleteCompareView']> {
    return deleteView(this.lab.zoo, this.lab.check('deleteCompareView', params).id);
  }

  get analyses(): LabAnalyses {
    return new LabAnalyses({
      zoo: this.lab.zoo,
      request: (body) => this.lab.worker().request(body),
      phenomena: (modelId) => this.lab.viewer.modelPhenomena(modelId),
    });
  }

  async exactComparison(params: Params<'exactComparison'>): Promise<Results['exactComparison']> {
    return this.analyses.exactComparison(this.lab.check('exactComparison', params));
  }

  async analysePatterns(params: Params<'analysePatterns'>): Promise<Results['analysePatterns']> {
    return this.analyses.patterns(this.lab.check('analysePatterns', params));
  }

  async analyseTree(params: Params<'analyseTree'>): Promise<Results['analyseTree']> {
    return this.analyses.tree(this.lab.check('analyseTree', params));
  }

  async setupStatistics(params: Params<'setupStatistics'>): Promise<Results['setupStatistics']> {
    return this.analyses.statistics(this.lab.check('setupStatistics', params));
  }

  async buildReport(params: Params<'buildReport'>): Promise<Results['buildReport']> {
    const p = this.lab.check('buildReport', params);
    return buildReport(
      {
        zoo: this.lab.zoo,
        analyses: this.analyses,
        version: VERSION,
        datasets: this.lab.datasets.datasetEntries(),
        datasetFile: (id) => this.lab.registry.cachePath(id),
      },
      p.experimentId,
      p.planeSetId,
    );
  }
}
