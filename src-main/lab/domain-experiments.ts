/**
 * Experiments and jobs: creating sweeps, training and measuring, the queue's actions.
 * Moved from service.ts unchanged; the LabService facade delegates its api methods here.
 */
import { type Params, type Results } from '../../src-shared/api/contract.ts';
import { listPresets } from './presets.ts';
import type { ExperimentSpec, JobSummary } from '../../src-shared/api/dto.ts';
import { architectureName, validateArchitecture } from '../../src-shared/model/architecture.ts';
import { checkDensityKeepsWeights, hnpCount } from '../../src-shared/model/hnp.ts';
import { checkExperimentSize } from './experiment-size.ts';
import { writeExperiment, type PlannedRow } from './experiment-create.ts';
import { type MeasureJobSpec } from '../jobs/measure-job.ts';
import { phaseCount, type MeasureFollowUp, type TrainJobSpec } from '../jobs/train-job.ts';
import { jobSummary } from '../zoo/jobs.ts';
import { modelSummary } from '../zoo/models.ts';
import { workerSummaries } from '../remote/workers-view.ts';
import { DEFAULT_EXACT_TIME_LIMIT } from '../../src-shared/mbh/exact-pattern.ts';
import { invalid, formatDensity } from './service-support.ts';
import type { LabService } from './service.ts';

export class LabExperiments {
  constructor(private readonly lab: LabService) {}

  /** Cancels running jobs of a project's, experiment's or model's models and waits for them. */
  async stopJobsOf(column: 'project_id' | 'experiment_id' | 'id', id: number) {
    const ids = this.lab.zoo.jobs.idsUnder(
      column === 'project_id' ? 'project' : column === 'experiment_id' ? 'experiment' : 'model',
      id,
    );
    // Queued ones first, so that no freed worker picks one up before the delete.
    this.lab.zoo.transaction(() => {
      for (const jobId of ids) {
        const job = this.lab.zoo.jobs.get(jobId);
        if (job.state === 'queued' || job.state === 'paused')
          this.lab.zoo.jobs.setState(jobId, 'cancelled');
      }
    });
    await this.lab.scheduler.stopRunning(ids);
  }

  async listPresets(params: Params<'listPresets'>): Promise<Results['listPresets']> {
    this.lab.check('listPresets', params);
    return listPresets();
  }

  async createExperiment(params: Params<'createExperiment'>): Promise<Results['createExperiment']> {
    const p = this.lab.check('createExperiment', params);
    this.lab.zoo.projects.get(p.projectId);
    const spec = p.spec as ExperimentSpec;
    const setups = this.lab.estimates.setups(spec);
    checkExperimentSize(setups.length, spec.seeds.length);
    const planeSets = new Map<string, number>();
    for (const datasetId of spec.datasets) {
      planeSets.set(
        datasetId,
        await this.lab.viewer.ensurePlaneSet(datasetId, spec.planeCount, spec.planeSeed, false),
      );
    }
    const follow = (datasetId: string): MeasureFollowUp => ({
      planeSetId: planeSets.get(datasetId)!,
      checkpoints: spec.checkpoints === 'all' ? 'all' : 'last',
      cps: spec.cps,
      phenomena: spec.phenomena ?? null,
      scope: spec.scope,
    });
    // Rows are planned here and written in chunks, hidden until complete (experiment-create.ts).
    const rows: PlannedRow[] = [];
    const now = Date.now();
    for (const setup of setups) {
      // Named once per setup: validating the architecture per model cost a third of the
      // transaction of a 10,000-model experiment.
      const architecture = architectureName(
        validateArchitecture({
          family: setup.family,
          hidden: setup.hidden,
          inputDim: setup.inputDim,
          outputDim: setup.classCount,
        }),
      );
      for (const seed of spec.seeds) {
        const name = `${architecture} d=${formatDensity(setup.density)} seed ${seed} ${setup.datasetId}`;
        rows.push({
          model: {
            projectId: p.projectId,
            name,
            family: setup.family,
            hidden: setup.hidden,
            inputDim: setup.inputDim,
            classCount: setup.classCount,
            density: setup.density,
            hnps: setup.hnps,
            hnpLevel: setup.hnpLevel ?? null,
            seed,
            pruning: spec.pruning,
            datasetId: setup.datasetId,
            backend: null,
            iterations: 0,
            notes: '',
            createdAt: now,
          },
          job: (modelId) => ({
            kind: 'train',
            modelId,
            label: `train ${name}`,
            spec: {
              modelId,
              family: setup.family,
              hidden: setup.hidden,
              density: setup.density,
              seed,
              datasetId: setup.datasetId,
              iterations: spec.iterations,
              checkpoints: spec.checkpoints === 'all' ? 'all' : 'ends',
              pruning: spec.pruning,
              measure: follow(setup.datasetId),
              trainer: spec.trainer ?? 'auto',
            } satisfies TrainJobSpec,
            iterations: spec.iterations * phaseCount(spec.pruning),
          }),
        });
      }
    }
    const jobs: JobSummary[] = [];
    const { experimentId } = await writeExperiment(
      this.lab.zoo,
      { projectId: p.projectId, spec, planeSetId: planeSets.get(spec.datasets[0]) ?? null },
      rows,
      !p.launch,
      (id) => this.lab.changed('experiment', id, 'created'),
      (visible) => {
        for (const job of visible) this.lab.emit('job', job);
        jobs.push(...visible);
      },
    );
    this.lab.scheduler.pump();
    return { experiment: this.lab.zoo.experiments.get(experimentId), jobs };
  }

  /** After training: the measure job of the model, in the transaction that marks it done. */
  queueFollowUp(spec: TrainJobSpec, trainJobId: number): void {
    if (!spec.measure) return;
    const job = this.lab.zoo.jobs.get(trainJobId);
    this.createMeasureJob(spec.modelId, job.experimentId, {
      modelId: spec.modelId,
      planeSetId: spec.measure.planeSetId,
      checkpoints: spec.measure.checkpoints,
      cps: spec.measure.cps,
      phenomena: spec.measure.phenomena,
      scope: spec.measure.scope,
    });
  }

  createMeasureJob(modelId: number, experimentId: number | null, spec: MeasureJobSpec): number {
    const model = this.lab.zoo.models.get(modelId);
    const planeSet = this.lab.zoo.planeSets.get(spec.planeSetId);
    const checkpoints = this.lab.zoo.checkpoints.list(modelId);
    const units =
      (spec.checkpoints === 'all' ? checkpoints.length : Math.min(1, checkpoints.length)) *
      planeSet.planes.length;
    const id = this.lab.zoo.jobs.create({
      kind: 'measure',
      experimentId,
      modelId,
      label: `measure ${model.name}`,
      spec,
      iterations: units,
    });
    queueMicrotask(() => {
      const created = this.lab.zoo.db.open ? this.lab.zoo.jobs.find(id) : null;
      if (created) this.lab.emit('job', jobSummary(created));
    });
    return id;
  }

  async listExperiments(params: Params<'listExperiments'>): Promise<Results['listExperiments']> {
    const p = this.lab.check('listExperiments', params);
    return this.lab.zoo.experiments.list(p.projectId);
  }

  async renameExperiment(params: Params<'renameExperiment'>): Promise<Results['renameExperiment']> {
    const p = this.lab.check('renameExperiment', params);
    this.lab.zoo.experiments.rename(p.id, p.name);
    this.lab.changed('experiment', p.id, 'updated');
    return this.lab.zoo.experiments.get(p.id);
  }

  async deleteExperiment(params: Params<'deleteExperiment'>): Promise<Results['deleteExperiment']> {
    const p = this.lab.check('deleteExperiment', params);
    this.lab.zoo.experiments.get(p.id);
    await this.stopJobsOf('experiment_id', p.id);
    this.lab.zoo.transaction(() => {
      this.lab.zoo.experiments.delete(p.id);
      this.lab.zoo.models.dropUnusedTags();
    });
    this.lab.partitions.deletePrefix('');
    this.lab.changed('experiment', p.id, 'deleted');
    return { deleted: true };
  }

  async trainModel(params: Params<'trainModel'>): Promise<Results['trainModel']> {
    const p = this.lab.check('trainModel', params);
    this.lab.zoo.projects.get(p.projectId);
    const entry = this.lab.datasets.datasetEntry(p.datasetId, 'params.datasetId');
    let architecture;
    try {
      architecture = validateArchitecture({
        family: p.family,
        hidden: p.hidden,
        inputDim: entry.inputDim,
        outputDim: entry.classCount,
      });
    } catch (error) {
      invalid('params.hidden', (error as Error).message);
    }
    try {
      checkDensityKeepsWeights(architecture, p.density);
    } catch (error) {
      invalid('params.density', (error as Error).message);
    }
    const name =
      p.name ??
      `${architectureName(architecture)} d=${formatDensity(p.density)} seed ${p.seed} ${entry.id}`;
    const { modelId, jobId } = this.lab.zoo.transaction(() => {
      const modelId = this.lab.zoo.models.create({
        projectId: p.projectId,
        experimentId: null,
        name,
        family: p.family,
        hidden: p.hidden,
        inputDim: entry.inputDim,
        classCount: entry.classCount,
        density: p.density,
        hnps: hnpCount(architecture, p.density),
        hnpLevel: null,
        seed: p.seed,
        pruning: p.pruning,
        datasetId: entry.id,
        backend: null,
        iterations: 0,
        notes: '',
        createdAt: Date.now(),
      });
      const spec: TrainJobSpec = {
        modelId,
        family: p.family,
        hidden: p.hidden,
        density: p.density,
        seed: p.seed,
        datasetId: entry.id,
        iterations: p.iterations,
        checkpoints: p.checkpoints === 'all' ? 'all' : 'ends',
        pruning: p.pruning,
        measure: null,
        trainer: p.trainer ?? 'auto',
      };
      const jobId = this.lab.zoo.jobs.create({
        kind: 'train',
        experimentId: null,
        modelId,
        label: `train ${name}`,
        spec,
        iterations: p.iterations * phaseCount(p.pruning),
      });
      return { modelId, jobId };
    });
    this.lab.changed('model', modelId, 'created');
    const job = jobSummary(this.lab.zoo.jobs.get(jobId));
    this.lab.emit('job', job);
    this.lab.scheduler.pump();
    return { model: modelSummary(this.lab.zoo.models.get(modelId)), job };
  }

  async measureModel(params: Params<'measureModel'>): Promise<Results['measureModel']> {
    const p = this.lab.check('measureModel', params);
    const model = this.lab.zoo.models.get(p.modelId);
    const set = this.lab.zoo.planeSets.get(p.planeSetId);
    if (set.datasetId !== model.datasetId) {
      invalid(
        'params.planeSetId',
        `plane set ${set.id} is on dataset ${set.datasetId}, model ${model.id} on ${model.datasetId}`,
      );
    }
    if (this.lab.zoo.checkpoints.list(model.id).length === 0) {
      invalid('params.modelId', `model ${model.id} has no checkpoint yet: train it first`);
    }
    const experiment =
      model.experimentId !== null ? this.lab.zoo.experiments.get(model.experimentId) : null;
    const id = this.lab.zoo.transaction(() =>
      this.createMeasureJob(model.id, model.experimentId, {
        modelId: model.id,
        planeSetId: set.id,
        checkpoints: p.allCheckpoints ? 'all' : 'last',
        cps: experiment?.spec.cps ?? [0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1],
        // Exact patterns are stored by phenomenon name: name them even for the default.
        phenomena:
          experiment?.spec.phenomena ?? (p.exact ? this.lab.viewer.modelPhenomena(model.id) : null),
        scope: experiment?.spec.scope ?? 'last',
        exact: p.exact ? { timeLimit: p.exactTimeLimit ?? DEFAULT_EXACT_TIME_LIMIT } : null,
      }),
    );
    this.lab.scheduler.pump();
    return [jobSummary(this.lab.zoo.jobs.get(id))];
  }

  async listWorkers(params: Params<'listWorkers'>): Promise<Results['listWorkers']> {
    this.lab.check('listWorkers', params);
    return workerSummaries(
      {
        concurrency: this.lab.remote
          ? this.lab.remote.dispatch.localWorkers
          : this.lab.scheduler.workers,
        running: this.lab.zoo.jobs.list({ state: 'running' }).map(jobSummary),
      },
      this.lab.remote?.workers() ?? [],
    );
  }

  async listJobs(params: Params<'listJobs'>): Promise<Results['listJobs']> {
    const p = this.lab.check('listJobs', params);
    return this.lab.zoo.jobs.list(p).map(jobSummary);
  }

  async pauseJob(params: Params<'pauseJob'>): Promise<JobSummary> {
    const p = this.lab.check('pauseJob', params);
    return this.lab.scheduler.pause(p.id);
  }

  async resumeJob(params: Params<'resumeJob'>): Promise<JobSummary> {
    const p = this.lab.check('resumeJob', params);
    return this.lab.scheduler.resume(p.id);
  }

  async cancelJob(params: Params<'cancelJob'>): Promise<JobSummary> {
    const p = this.lab.check('cancelJob', params);
    return this.lab.scheduler.cancel(p.id);
  }

  async retryJob(params: Params<'retryJob'>): Promise<JobSummary> {
    const p = this.lab.check('retryJob', params);
    return this.lab.scheduler.retry(p.id);
  }

  async bulkJobs(params: Params<'bulkJobs'>): Promise<Results['bulkJobs']> {
    const p = this.lab.check('bulkJobs', params);
    return { action: p.action, ...this.lab.scheduler.bulk(p.action, p.ids) };
  }
}
