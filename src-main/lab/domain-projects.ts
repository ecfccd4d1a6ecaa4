/**
 * Projects and models of the zoo: listing, naming, notes, tags, deletion, sources, mask heatmaps.
 * Moved from service.ts unchanged; the LabService facade delegates its api methods here.
 */
import { type Params, type Results } from '../../src-shared/api/contract.ts';
import { modelSummary } from '../zoo/models.ts';
import { getModelSource } from './model-files.ts';
import type { LabService } from './service.ts';

export class LabProjects {
  constructor(private readonly lab: LabService) {}

  async listProjects(params: Params<'listProjects'>): Promise<Results['listProjects']> {
    this.lab.check('listProjects', params);
    return this.lab.zoo.projects.list();
  }

  async createProject(params: Params<'createProject'>): Promise<Results['createProject']> {
    const p = this.lab.check('createProject', params);
    const id = this.lab.zoo.projects.create(p.name, p.description);
    this.lab.changed('project', id, 'created');
    return this.lab.zoo.projects.get(id);
  }

  async renameProject(params: Params<'renameProject'>): Promise<Results['renameProject']> {
    const p = this.lab.check('renameProject', params);
    this.lab.zoo.projects.rename(p.id, p.name);
    this.lab.changed('project', p.id, 'updated');
    return this.lab.zoo.projects.get(p.id);
  }

  async setProjectNotes(params: Params<'setProjectNotes'>): Promise<Results['setProjectNotes']> {
    const p = this.lab.check('setProjectNotes', params);
    this.lab.zoo.projects.setNotes(p.id, p.notes);
    this.lab.changed('project', p.id, 'updated');
    return this.lab.zoo.projects.get(p.id);
  }

  async deleteProject(params: Params<'deleteProject'>): Promise<Results['deleteProject']> {
    const p = this.lab.check('deleteProject', params);
    this.lab.zoo.projects.get(p.id);
    await this.lab.experiments.stopJobsOf('project_id', p.id);
    this.lab.zoo.transaction(() => {
      this.lab.zoo.projects.delete(p.id);
      this.lab.zoo.models.dropUnusedTags();
    });
    this.lab.partitions.deletePrefix('');
    this.lab.changed('project', p.id, 'deleted');
    return { deleted: true };
  }

  async listModels(params: Params<'listModels'>): Promise<Results['listModels']> {
    const p = this.lab.check('listModels', params);
    return this.lab.zoo.models.list(p).map(modelSummary);
  }

  async getModel(params: Params<'getModel'>): Promise<Results['getModel']> {
    const p = this.lab.check('getModel', params);
    const model = this.lab.zoo.models.get(p.id);
    return {
      ...modelSummary(model),
      inputDim: model.inputDim,
      classCount: model.classCount,
      checkpoints: this.lab.zoo.checkpoints.list(model.id),
      metrics: this.lab.zoo.checkpoints.metrics(model.id),
      measurements: this.lab.zoo.measurements.forModel(model.id),
      regionCounts: this.lab.zoo.measurements.regionCountsForModel(model.id),
    };
  }

  async renameModel(params: Params<'renameModel'>): Promise<Results['renameModel']> {
    const p = this.lab.check('renameModel', params);
    this.lab.zoo.models.rename(p.id, p.name);
    this.lab.changed('model', p.id, 'updated');
    return modelSummary(this.lab.zoo.models.get(p.id));
  }

  async setModelNotes(params: Params<'setModelNotes'>): Promise<Results['setModelNotes']> {
    const p = this.lab.check('setModelNotes', params);
    this.lab.zoo.models.setNotes(p.id, p.notes);
    this.lab.changed('model', p.id, 'updated');
    return modelSummary(this.lab.zoo.models.get(p.id));
  }

  async setModelTags(params: Params<'setModelTags'>): Promise<Results['setModelTags']> {
    const p = this.lab.check('setModelTags', params);
    this.lab.zoo.transaction(() => this.lab.zoo.models.setTags(p.id, p.tags));
    this.lab.changed('model', p.id, 'updated');
    return modelSummary(this.lab.zoo.models.get(p.id));
  }

  async deleteModel(params: Params<'deleteModel'>): Promise<Results['deleteModel']> {
    const p = this.lab.check('deleteModel', params);
    this.lab.zoo.models.get(p.id);
    await this.lab.experiments.stopJobsOf('id', p.id);
    this.lab.zoo.transaction(() => this.lab.zoo.models.delete(p.id));
    this.lab.partitions.deletePrefix('');
    this.lab.changed('model', p.id, 'deleted');
    return { deleted: true };
  }

  async getModelSource(params: Params<'getModelSource'>): Promise<Results['getModelSource']> {
    return getModelSource(this.lab.zoo, this.lab.check('getModelSource', params).id);
  }

  async getMaskHeatmap(params: Params<'getMaskHeatmap'>): Promise<Results['getMaskHeatmap']> {
    const p = this.lab.check('getMaskHeatmap', params);
    const model = this.lab.zoo.models.get(p.modelId);
    const checkpoint = this.lab.zoo.checkpoints.latest(model.id);
    const inputDim = model.inputDim;
    const neurons = model.hidden[0];
    const kept = new Float32Array(inputDim);
    if (!checkpoint || !checkpoint.masks) {
      kept.fill(neurons);
    } else {
      for (let j = 0; j < neurons; j++) {
        for (let i = 0; i < inputDim; i++) kept[i] += checkpoint.masks[j * inputDim + i];
      }
    }
    const side = Math.round(Math.sqrt(inputDim));
    const square = side * side === inputDim;
    return {
      modelId: model.id,
      width: square ? side : inputDim,
      height: square ? side : 1,
      kept,
      neurons,
    };
  }
}
