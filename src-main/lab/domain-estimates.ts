/**
 * Estimates: the setups of a spec, experiment plans and sweep progress from the cost model.
 * Moved from service.ts unchanged; the LabService facade delegates its api methods here.
 */
import { availableParallelism } from 'node:os';
import { type Params, type Results } from '../../src-shared/api/contract.ts';
import type { Backend, ExperimentSpec } from '../../src-shared/api/dto.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { checkExperimentSize } from './experiment-size.ts';
import { jobSummary } from '../zoo/jobs.ts';
import { exploreCandidates, planEstimate, sweepProgress, type EstimateContext } from './plans.ts';
import { planSetups, type PlannedSetup } from './setups.ts';
import { invalid } from './service-support.ts';
import type { LabService } from './service.ts';

export class LabEstimates {
  constructor(private readonly lab: LabService) {}

  setups(spec: ExperimentSpec): PlannedSetup[] {
    return spec.datasets.flatMap((datasetId, index) => {
      const entry = this.lab.datasets.datasetEntry(datasetId, `params.spec.datasets[${index}]`);
      try {
        return planSetups(spec, entry);
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        invalid('params.spec', (error as Error).message);
      }
    });
  }

  async planExperiment(params: Params<'planExperiment'>): Promise<Results['planExperiment']> {
    const p = this.lab.check('planExperiment', params);
    const setups = this.setups(p.spec);
    const models = checkExperimentSize(setups.length, p.spec.seeds.length);
    const { backend } = await this.lab.backend();
    // Calibrated once per machine (quiet short runs of both paths), on the spec's data;
    // each dataset's inputs counted once; close choices measured on their networks.
    const datasets = p.spec.datasets.map((id, index) =>
      this.lab.datasets.datasetEntry(id, `params.spec.datasets[${index}]`),
    );
    const calibration = this.lab.costs.preparePlan(
      backend,
      datasets,
      this.lab.scheduler.workers,
      () => exploreCandidates(p.spec, setups, (id) => this.lab.inputShare(id)),
    );
    if (p.wait) await calibration;
    // A failed background calibration leaves the defaults; the next plan tries again.
    else calibration.catch(() => {});
    const context = this.estimateContext(backend);
    const estimate = planEstimate(p.spec, setups, context);
    return {
      setups: estimate.setups,
      jobCount: models * 2,
      trainJobs: models,
      measureJobs: models,
      estimatedSeconds: estimate.estimatedSeconds,
      trainSeconds: estimate.trainSeconds,
      measureSeconds: estimate.measureSeconds,
      workers: context.workers,
      calibrated: this.lab.costs.calibrated(backend, context.workers),
    };
  }

  /** Progress and ETA of all jobs or one experiment's, from the cost model (plans.ts). */
  async sweepProgress(params: Params<'sweepProgress'>): Promise<Results['sweepProgress']> {
    const p = this.lab.check('sweepProgress', params);
    const filter = p.experimentId !== undefined ? { experimentId: p.experimentId } : {};
    const models = new Map(this.lab.zoo.models.list(filter).map((model) => [model.id, model]));
    const jobs = this.lab.zoo.jobs.list(filter).map((job) => {
      const model = job.modelId === null ? undefined : models.get(job.modelId);
      return { job: jobSummary(job), spec: job.spec, model: model ?? null };
    });
    return sweepProgress(jobs, this.estimateContext(this.costBackend()));
  }

  /** The tfjs backend this machine's costs are filed under (as last seen, else wasm's). */
  costBackend(): Backend {
    return this.lab.zoo.settings.get<{ backend: Backend }>('backend')?.backend ?? 'wasm';
  }

  /** What the estimates read, with per-call memos (a sweep asks the same things often). */
  estimateContext(backend: Backend): EstimateContext {
    const entries = new Map(this.lab.datasets.datasetEntries().map((entry) => [entry.id, entry]));
    const perUnit = new Map<string, number>();
    const planes = new Map<number, number>();
    return {
      model: this.lab.costs.model(backend, this.lab.scheduler.workers),
      inputNonZero: (id) => {
        const entry = entries.get(id);
        return entry === undefined ? undefined : this.lab.costs.inputShare(entry);
      },
      // The default split's size when a dataset is gone (its jobs fail anyway).
      testCount: (id) => entries.get(id)?.testCount ?? 10_000,
      measureMsPerUnit: (shape) => {
        const key = `${shape.inputDim}:${shape.hidden.join(',')}:${shape.density}`;
        let ms = perUnit.get(key);
        if (ms === undefined) perUnit.set(key, (ms = this.lab.costs.measureMsPerUnit(shape)));
        return ms;
      },
      planeCount: (id) => {
        let count = planes.get(id);
        if (count === undefined)
          planes.set(id, (count = this.lab.zoo.planeSets.get(id).planes.length));
        return count;
      },
      workers: this.lab.scheduler.workers,
      cores: availableParallelism(),
    };
  }
}
