/**
 * The lab service: the one implementation of the typed api (src-shared/api/contract.ts).
 * The Electron IPC binding, the browser-mode server and the CLI all call it; it is the
 * only writer of the zoo. Heavy work goes to worker threads: training to training
 * workers, partitions and measurements to measure workers (a small pool serves
 * interactive requests, see ./interactive.ts; each measure job gets its own).
 *
 *   const lab = await LabService.open({ shell: 'cli' });
 *   lab.on('job', (job) => …);
 *   await lab.start();        // resumes unfinished jobs
 *   …
 *   await lab.close({ pauseRunning: true });
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import {
  parseParams,
  type LabApi,
  type MethodName,
  type Params,
  type Results,
} from '../../src-shared/api/contract.ts';
import { listPresets } from './presets.ts';
import type {
  Backend,
  BlanketView,
  DatasetSummary,
  ExperimentSpec,
  JobSummary,
  LabEvents,
  PartitionView,
  PhenomenonSpec,
  Shell,
  ZooEntity,
} from '../../src-shared/api/dto.ts';
import { quote, ValidationError } from '../../src-shared/api/validate.ts';
import { architectureName, validateArchitecture } from '../../src-shared/model/architecture.ts';
import { checkDensityKeepsWeights, hnpCount } from '../../src-shared/model/hnp.ts';
import { DatasetRegistry, userDatasetId, type DatasetEntry } from '../data/registry.ts';
import type { ImportRequest, ParsedModelFile } from '../workers/import-protocol.ts';
import { datasetExists, importInWorker, removeStaleStaging } from './import-dataset.ts';
import { writeExport } from './export-files.ts';
import { removeExpiredTransfers } from './transfers.ts';
import {
  ImportFiles,
  parseJsonText,
  parseModelFileValue,
  readModelFile,
  readProjectBundle,
} from './import-files.ts';
import { removeUserDataset } from './datasets.ts';
import { InteractivePool } from '../jobs/interactive-pool.ts';
import type { CallContext } from '../../src-shared/api/call.ts';
import { InteractivePartitions } from './interactive.ts';
import { checkExperimentSize } from './experiment-size.ts';
import { writeExperiment, type PlannedRow } from './experiment-create.ts';
import { readLimits, writeLimits } from './lab-limits.ts';
import {
  checkpointKey,
  MeasureRunner,
  networkMessage,
  type MeasureJobSpec,
} from '../jobs/measure-job.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import {
  phaseCount,
  startTraining,
  TrainRunner,
  type MeasureFollowUp,
  type TrainJobSpec,
} from '../jobs/train-job.ts';
import type { BlanketResult, ImagesResult, PartitionMessage } from '../workers/measure-protocol.ts';
import { networkWidths } from '../zoo/checkpoints.ts';
import { labPaths, type LabPaths } from '../zoo/home.ts';
import { lockZoo } from '../zoo/lock.ts';
import { jobSummary, LOCAL_WORKER } from '../zoo/jobs.ts';
import { modelSummary } from '../zoo/models.ts';
import { planeSummary, type StoredPlane } from '../zoo/planes.ts';
import { Zoo } from '../zoo/zoo.ts';
import type { HubRemote } from '../remote/hub-wiring.ts';
import { workerSummaries } from '../remote/workers-view.ts';
import type { ModelSource } from '../../src-shared/api/model-files.ts';
import type { Network } from '../../src-shared/model/network.ts';
import {
  defaultModelName,
  exportModelFile,
  getModelSource,
  putModelSource,
  storeImportedNetwork,
} from './model-files.ts';
import { readUploadInWorker } from '../model-files/read-in-worker.ts';
import {
  checkProjectDatasets,
  exportModelBundle,
  exportModelJson,
  exportProjectBundle,
  storeModelBundle,
  storeProjectBundle,
} from './bundles.ts';
import { CompareLookups, compareRow } from './compare.ts';
import { LabAnalyses } from './analyses.ts';
import { buildReport } from './report.ts';
import { DEFAULT_EXACT_TIME_LIMIT } from '../../src-shared/mbh/exact-pattern.ts';
import { readDemoBundle } from './demo.ts';
import { deleteView, listViews, saveView, setDefaultView } from './views.ts';
import { LruCache } from './lru.ts';
import { exploreCandidates, planEstimate, sweepProgress, type EstimateContext } from './plans.ts';
import { speedSample, TrainingCosts } from './training-costs.ts';
import { CalibrationCache, calibrationCachePath, thisMachine } from './calibration-cache.ts';
import { planSetups, setupKey, type PlannedSetup } from './setups.ts';

export interface LabOptions {
  /** The zoo file; default `<home>/zoo.sqlite`. */
  zooPath?: string;
  /** The lab's folder (zoo and dataset cache); default per user, or MBH_LAB_HOME. */
  home?: string;
  /** Concurrent jobs; default the number of cores − 1, at least 1. */
  workers?: number;
  shell: Shell;
  /** Training snapshot cadence in steps (tests make it small). */
  snapshotEvery?: number;
  /**
   * Opens the zoo read-only, for commands that only look: no lock (another process may
   * write it meanwhile), no migrations, nothing written; start() must not be called.
   */
  readOnly?: boolean;
  /**
   * Redis URL of the queue that remote workers (`mbh-lab worker`) take training runs from;
   * unset, every job runs in this process's worker threads and nothing about Redis loads.
   * With it, `workers` counts this process's own threads and may be 0.
   */
  redis?: string;
  /** The queue's name in Redis (default 'mbh-lab'): one per hub. */
  redisQueue?: string;
}

/** The lab's version, from the package.json above this file (sources or a bundle). */
const VERSION = ((): string => {
  for (let url = new URL('.', import.meta.url); ; url = new URL('..', url)) {
    try {
      const found = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (found.name === 'mbh-lab' && found.version) return found.version;
    } catch {
      // No package.json here: look one folder up.
    }
    if (url.pathname === '/' || url.pathname.endsWith(':/')) return 'unknown';
  }
})();

/** Bytes of recent partitions kept in memory for the plane viewer. */
const PARTITION_CACHE_BYTES = 256 * 1024 * 1024;

function partitionBytes(view: PartitionView): number {
  return (
    view.vertexOffsets.byteLength +
    view.vertices.byteLength +
    view.areas.byteLength +
    view.patterns.byteLength +
    view.domain.byteLength +
    256
  );
}

/** Errors of the caller's making: bad references, wrong states. Their messages name the field. */
function invalid(path: string, problem: string): never {
  throw new ValidationError(path, problem);
}

export class LabService implements LabApi {
  private readonly events = new EventEmitter();
  private readonly scheduler: Scheduler;
  private readonly measure: MeasureRunner;
  private readonly registry: DatasetRegistry;
  private readonly partitions = new LruCache<PartitionView>(PARTITION_CACHE_BYTES, partitionBytes);
  private readonly pool: InteractivePool;
  private readonly interactive: InteractivePartitions;
  private backendProbe: Promise<{ backend: Backend; note: string }> | null = null;
  /** Training and measuring costs on this machine: plans, 'auto' trainers, ETAs. */
  private readonly costs: TrainingCosts;
  private closed = false;
  /** Ids of user datasets whose import is running (a second one of the same id is refused). */
  private readonly importing = new Set<string>();
  private release: () => void = () => {};

  private constructor(
    readonly zoo: Zoo,
    readonly paths: LabPaths,
    private readonly shell: Shell,
    workers: number,
    snapshotEvery: number | undefined,
    private readonly remote: HubRemote | null = null,
  ) {
    this.events.setMaxListeners(0);
    this.registry = new DatasetRegistry(paths.home);
    if (!zoo.db.readonly) {
      removeStaleStaging(this.registry.directory);
      removeExpiredTransfers(paths.home);
      // The remains of an experiment whose creation a crash interrupted (never visible).
      zoo.transaction(() => zoo.experiments.removeHidden());
    }
    this.pool = new InteractivePool(paths.home, {
      memoryMb: () => readLimits(zoo).workerMemoryMb,
    });
    this.interactive = new InteractivePartitions(this.pool, this.partitions, (progress) =>
      this.emit('partition', progress),
    );
    this.costs = new TrainingCosts(
      zoo,
      paths.home,
      new CalibrationCache(calibrationCachePath(paths.zooFile), thisMachine(VERSION)),
    );
    const train = new TrainRunner(zoo, {
      home: paths.home,
      ...(snapshotEvery !== undefined ? { snapshotEvery } : {}),
      start: remote
        ? remote.dispatch.start
        : (message, onMessage, { jobId }) => {
            this.recordWorker(jobId, LOCAL_WORKER);
            return startTraining(message, onMessage);
          },
      onTrained: (spec, jobId) => this.queueFollowUp(spec, jobId),
      chooseTrainer: (shape) =>
        this.costs.model(this.costBackend(), this.scheduler.workers).choose(shape, 'auto'),
      inputNonZero: (datasetId) => this.inputShare(datasetId),
      onBackend: (backend, skipped) =>
        this.zoo.settings.set('backend', { backend, note: backendNote(backend, skipped) }),
      onSpeed: (run) =>
        this.costs.record(this.costBackend(), speedSample(run.shape, run.trainer, run)),
    });
    this.measure = new MeasureRunner(zoo, paths.home);
    this.scheduler = new Scheduler(zoo, {
      // A hub of remote workers only still plans and estimates as one core.
      workers: Math.max(1, workers),
      ...(remote ? { capacity: () => remote.dispatch.capacity() } : {}),
      runners: {
        train,
        // Measure jobs run in this process's measure workers.
        measure: {
          run: (control) => {
            this.recordWorker(control.job.id, LOCAL_WORKER);
            return this.measure.run(control);
          },
        },
      },
      emit: (job) => {
        this.emit('job', job);
        // A finished job changed its model: new checkpoints, metrics or measurements.
        if (job.state === 'done' && job.modelId !== null)
          this.changed('model', job.modelId, 'updated');
      },
    });
    if (remote) {
      remote.onCapacity = () => this.scheduler.pump();
      remote.onWorker = (jobId, worker) => this.recordWorker(jobId, worker);
    }
  }

  /** Notes where a job's run went (a remote worker's name, or LOCAL_WORKER). */
  private recordWorker(jobId: number, worker: string): void {
    if (!this.zoo.db.open || this.zoo.jobs.find(jobId) === null) return;
    this.zoo.jobs.setWorker(jobId, worker);
    this.emit('job', jobSummary(this.zoo.jobs.get(jobId)));
  }

  static async open(options: LabOptions): Promise<LabService> {
    const paths = labPaths({ zooPath: options.zooPath, home: options.home });
    const workers = options.workers ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(workers) || workers < (options.redis ? 0 : 1)) {
      throw new RangeError(
        `workers must be a ${options.redis ? 'non-negative' : 'positive'} integer, got ${workers}`,
      );
    }
    if (options.readOnly) {
      const zoo = Zoo.open(paths.zooFile, { readonly: true });
      return new LabService(zoo, paths, options.shell, workers, options.snapshotEvery);
    }
    mkdirSync(dirname(paths.zooFile), { recursive: true });
    const release = lockZoo(paths.zooFile);
    try {
      const zoo = Zoo.open(paths.zooFile);
      const remote = options.redis
        ? await (
            await import('../remote/hub-wiring.ts')
          ).HubRemote.connect({
            redis: options.redis,
            ...(options.redisQueue !== undefined ? { queue: options.redisQueue } : {}),
            home: paths.home,
            localWorkers: workers,
          })
        : null;
      const lab = new LabService(zoo, paths, options.shell, workers, options.snapshotEvery, remote);
      lab.release = release;
      return lab;
    } catch (error) {
      release();
      throw error;
    }
  }

  on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void): void {
    this.events.on(event, listener);
  }

  off<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void): void {
    this.events.off(event, listener);
  }

  /** Resumes unfinished jobs (those a previous run left queued or running). */
  async start(): Promise<void> {
    this.scheduler.start();
  }

  /** Resolves when no job is running or queued. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  async close(options: { pauseRunning: boolean } = { pauseRunning: true }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // First: a calibration's workers would otherwise run on and write after the zoo closed.
    await this.costs.close();
    await this.scheduler.close(options);
    await this.remote?.close();
    await this.measure.close();
    await this.pool.close();
    this.zoo.close();
    this.release();
  }

  private emit<E extends keyof LabEvents>(event: E, payload: LabEvents[E]): void {
    this.events.emit(event, payload);
  }

  private changed(
    entity: ZooEntity,
    id: number | string,
    change: 'created' | 'updated' | 'deleted',
  ) {
    this.emit('zoo', { entity, id, change });
  }

  private check<M extends MethodName>(method: M, params: Params<M>): Params<M> {
    if (this.closed) throw new Error('the lab is closed');
    return parseParams(method, params);
  }

  /** The interactive workers: a dead one is replaced by a fresh one for the next request. */
  private worker(): InteractivePool {
    return this.pool;
  }

  /** The region budget of a call: its own, else the lab's setting (default 200,000). */
  private regionBudget(own: number | undefined): number {
    return own ?? readLimits(this.zoo).regionBudget;
  }

  async getLimits(params: Params<'getLimits'>): Promise<Results['getLimits']> {
    this.check('getLimits', params);
    return readLimits(this.zoo);
  }

  async setLimits(params: Params<'setLimits'>): Promise<Results['setLimits']> {
    return writeLimits(this.zoo, this.check('setLimits', params));
  }

  // ── info and datasets ────────────────────────────────────────────────────────────

  async info(params: Params<'info'>): Promise<Results['info']> {
    this.check('info', params);
    const { backend, note } = await this.backend();
    return {
      version: VERSION,
      shell: this.shell,
      backend,
      backendNote: note,
      zooPath: this.paths.zooFile,
      workers: this.scheduler.workers,
    };
  }

  /** The training backend: as last seen by a training worker, else probed once in a worker. */
  private backend(): Promise<{ backend: Backend; note: string }> {
    const known = this.zoo.settings.get<{ backend: Backend; note: string }>('backend');
    if (known) return Promise.resolve(known);
    this.backendProbe ??= probeBackend(this.paths.home).then((found) => {
      if (!this.closed) this.zoo.settings.set('backend', found);
      return found;
    });
    return this.backendProbe;
  }

  private datasetEntries(): DatasetEntry[] {
    return this.registry.list();
  }

  private datasetEntry(id: string, path: string): DatasetEntry {
    const entry = this.datasetEntries().find((candidate) => candidate.id === id);
    if (!entry) {
      const known = this.datasetEntries()
        .map((candidate) => candidate.id)
        .join(', ');
      invalid(path, `unknown dataset ${quote(id)} (known: ${known})`);
    }
    return entry;
  }

  /** The dataset an imported model is filed under: it must exist and fit the model's shape. */
  private datasetForImport(id: string, path: string, inputDim: number, classCount: number): string {
    const entry = this.datasetEntry(id, path);
    if (entry.inputDim !== inputDim || entry.classCount !== classCount) {
      invalid(
        path,
        `dataset ${id} has ${entry.inputDim} inputs and ${entry.classCount} classes, the model ${inputDim} inputs and ${classCount} classes`,
      );
    }
    return id;
  }

  /** A listing entry as the api reports it: counts and box come without loading the data. */
  private datasetSummary(entry: DatasetEntry): DatasetSummary {
    return {
      id: entry.id,
      name: entry.name,
      inputDim: entry.inputDim,
      classCount: entry.classCount,
      classNames: [...entry.classNames],
      trainCount: entry.trainCount,
      testCount: entry.testCount,
      builtin: entry.builtIn,
      inputBox: { ...entry.inputBox },
    };
  }

  async listDatasets(params: Params<'listDatasets'>): Promise<Results['listDatasets']> {
    this.check('listDatasets', params);
    return this.datasetEntries().map((entry) => this.datasetSummary(entry));
  }

  /**
   * Imports a user dataset: parsing, validation and the cache write run in a worker
   * thread; the zoo row follows. All or nothing: a failure at any step leaves no cache
   * file, no temporary and no row of its own, and a name that gives the id of an existing
   * dataset is refused before any file is touched.
   */
  async importDataset(params: Params<'importDataset'>): Promise<Results['importDataset']> {
    const p = this.check('importDataset', params);
    if (!(p.testShare > 0)) invalid('params.testShare', 'must be greater than 0');
    const inputs = new ImportFiles(this.paths.home);
    try {
      return await this.importDatasetFiles(p, inputs);
    } finally {
      inputs.release();
    }
  }

  private async importDatasetFiles(
    p: Params<'importDataset'>,
    inputs: ImportFiles,
  ): Promise<Results['importDataset']> {
    let files: ImportRequest['files'];
    if (p.format === 'csv') {
      if (!p.csv) invalid('params.csv', 'a CSV import needs the CSV text');
      files = { format: 'csv', csv: inputs.take(p.csv, 'params.csv') };
    } else {
      if (!p.images) invalid('params.images', 'an IDX import needs the images file (base64)');
      if (!p.labels) invalid('params.labels', 'an IDX import needs the labels file (base64)');
      files = {
        format: 'idx',
        images: inputs.take(p.images, 'params.images'),
        labels: inputs.take(p.labels, 'params.labels'),
      };
    }
    let id: string;
    try {
      id = userDatasetId(p.name);
    } catch (error) {
      invalid('params.name', (error as Error).message);
    }
    if (this.importing.has(id))
      invalid('params.name', `dataset '${id}' is being imported already; wait for it`);
    // A conflict is refused before any file is touched.
    if (this.registry.has(id)) invalid('params.name', datasetExists(p.name, id));
    this.importing.add(id);
    try {
      const summary = await importInWorker(
        { dataDirectory: this.paths.home, name: p.name, testFraction: p.testShare, files },
        id,
        (entry) => {
          const imported = this.datasetSummary(entry);
          this.zoo.datasets.put(imported);
          return imported;
        },
      );
      this.changed('dataset', summary.id, 'created');
      return summary;
    } finally {
      this.importing.delete(id);
    }
  }

  async deleteDataset(params: Params<'deleteDataset'>): Promise<Results['deleteDataset']> {
    const p = this.check('deleteDataset', params);
    removeUserDataset(this.zoo, this.registry, p.id, this.importing);
    this.changed('dataset', p.id, 'deleted');
    return { deleted: true };
  }

  // ── projects ─────────────────────────────────────────────────────────────────────

  async listProjects(params: Params<'listProjects'>): Promise<Results['listProjects']> {
    this.check('listProjects', params);
    return this.zoo.projects.list();
  }

  async createProject(params: Params<'createProject'>): Promise<Results['createProject']> {
    const p = this.check('createProject', params);
    const id = this.zoo.projects.create(p.name, p.description);
    this.changed('project', id, 'created');
    return this.zoo.projects.get(id);
  }

  async renameProject(params: Params<'renameProject'>): Promise<Results['renameProject']> {
    const p = this.check('renameProject', params);
    this.zoo.projects.rename(p.id, p.name);
    this.changed('project', p.id, 'updated');
    return this.zoo.projects.get(p.id);
  }

  async setProjectNotes(params: Params<'setProjectNotes'>): Promise<Results['setProjectNotes']> {
    const p = this.check('setProjectNotes', params);
    this.zoo.projects.setNotes(p.id, p.notes);
    this.changed('project', p.id, 'updated');
    return this.zoo.projects.get(p.id);
  }

  async deleteProject(params: Params<'deleteProject'>): Promise<Results['deleteProject']> {
    const p = this.check('deleteProject', params);
    this.zoo.projects.get(p.id);
    await this.stopJobsOf('project_id', p.id);
    this.zoo.transaction(() => {
      this.zoo.projects.delete(p.id);
      this.zoo.models.dropUnusedTags();
    });
    this.partitions.deletePrefix('');
    this.changed('project', p.id, 'deleted');
    return { deleted: true };
  }

  /** Cancels running jobs of a project's, experiment's or model's models and waits for them. */
  private async stopJobsOf(column: 'project_id' | 'experiment_id' | 'id', id: number) {
    const ids = this.zoo.jobs.idsUnder(
      column === 'project_id' ? 'project' : column === 'experiment_id' ? 'experiment' : 'model',
      id,
    );
    // Queued ones first, so that no freed worker picks one up before the delete.
    this.zoo.transaction(() => {
      for (const jobId of ids) {
        const job = this.zoo.jobs.get(jobId);
        if (job.state === 'queued' || job.state === 'paused')
          this.zoo.jobs.setState(jobId, 'cancelled');
      }
    });
    await this.scheduler.stopRunning(ids);
  }

  async exportProject(params: Params<'exportProject'>): Promise<Results['exportProject']> {
    const p = this.check('exportProject', params);
    const bundle = exportProjectBundle(this.zoo, p.id);
    return {
      fileName: `${fileSlug(bundle.project.name)}.mbh-project.json`,
      content: JSON.stringify(bundle),
    };
  }

  async importProject(params: Params<'importProject'>): Promise<Results['importProject']> {
    const p = this.check('importProject', params);
    const inputs = new ImportFiles(this.paths.home);
    let parsed;
    try {
      parsed = await readProjectBundle(inputs.take(p.json, 'params.json'), 'params.json');
    } finally {
      inputs.release();
    }

    checkProjectDatasets(parsed, this.datasetEntries());
    const id = this.zoo.transaction(() => storeProjectBundle(this.zoo, parsed));
    this.changed('project', id, 'created');
    return this.zoo.projects.get(id);
  }

  // ── experiments ──────────────────────────────────────────────────────────────────

  private setups(spec: ExperimentSpec): PlannedSetup[] {
    return spec.datasets.flatMap((datasetId, index) => {
      const entry = this.datasetEntry(datasetId, `params.spec.datasets[${index}]`);
      try {
        return planSetups(spec, entry);
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        invalid('params.spec', (error as Error).message);
      }
    });
  }

  async listPresets(params: Params<'listPresets'>): Promise<Results['listPresets']> {
    this.check('listPresets', params);
    return listPresets();
  }

  async planExperiment(params: Params<'planExperiment'>): Promise<Results['planExperiment']> {
    const p = this.check('planExperiment', params);
    const setups = this.setups(p.spec);
    const models = checkExperimentSize(setups.length, p.spec.seeds.length);
    const { backend } = await this.backend();
    // Calibrated once per machine (quiet short runs of both paths), on the spec's data;
    // each dataset's inputs counted once; close choices measured on their networks.
    const datasets = p.spec.datasets.map((id, index) =>
      this.datasetEntry(id, `params.spec.datasets[${index}]`),
    );
    const calibration = this.costs.preparePlan(backend, datasets, this.scheduler.workers, () =>
      exploreCandidates(p.spec, setups, (id) => this.inputShare(id)),
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
      calibrated: this.costs.calibrated(backend, context.workers),
    };
  }

  /** Progress and ETA of all jobs or one experiment's, from the cost model (plans.ts). */
  async sweepProgress(params: Params<'sweepProgress'>): Promise<Results['sweepProgress']> {
    const p = this.check('sweepProgress', params);
    const filter = p.experimentId !== undefined ? { experimentId: p.experimentId } : {};
    const models = new Map(this.zoo.models.list(filter).map((model) => [model.id, model]));
    const jobs = this.zoo.jobs.list(filter).map((job) => {
      const model = job.modelId === null ? undefined : models.get(job.modelId);
      return { job: jobSummary(job), spec: job.spec, model: model ?? null };
    });
    return sweepProgress(jobs, this.estimateContext(this.costBackend()));
  }

  /** A dataset's share of non-zero training inputs, once counted (training-costs.ts). */
  private inputShare(datasetId: string): number | undefined {
    const entry = this.datasetEntries().find((candidate) => candidate.id === datasetId);
    return entry === undefined ? undefined : this.costs.inputShare(entry);
  }

  /** The tfjs backend this machine's costs are filed under (as last seen, else wasm's). */
  private costBackend(): Backend {
    return this.zoo.settings.get<{ backend: Backend }>('backend')?.backend ?? 'wasm';
  }

  /** What the estimates read, with per-call memos (a sweep asks the same things often). */
  private estimateContext(backend: Backend): EstimateContext {
    const entries = new Map(this.datasetEntries().map((entry) => [entry.id, entry]));
    const perUnit = new Map<string, number>();
    const planes = new Map<number, number>();
    return {
      model: this.costs.model(backend, this.scheduler.workers),
      inputNonZero: (id) => {
        const entry = entries.get(id);
        return entry === undefined ? undefined : this.costs.inputShare(entry);
      },
      // The default split's size when a dataset is gone (its jobs fail anyway).
      testCount: (id) => entries.get(id)?.testCount ?? 10_000,
      measureMsPerUnit: (shape) => {
        const key = `${shape.inputDim}:${shape.hidden.join(',')}:${shape.density}`;
        let ms = perUnit.get(key);
        if (ms === undefined) perUnit.set(key, (ms = this.costs.measureMsPerUnit(shape)));
        return ms;
      },
      planeCount: (id) => {
        let count = planes.get(id);
        if (count === undefined) planes.set(id, (count = this.zoo.planeSets.get(id).planes.length));
        return count;
      },
      workers: this.scheduler.workers,
      cores: availableParallelism(),
    };
  }

  /** The plane set of (dataset, count, seed, clip), drawn in a worker the first time. */
  private async ensurePlaneSet(datasetId: string, count: number, seed: number, clip: boolean) {
    const key = { datasetId, count, seed, clip };
    const existing = this.zoo.planeSets.findByKey(key);
    if (existing !== null) return existing;
    const drawn = await this.worker().request<{ planes: StoredPlane[] }>({
      type: 'planes',
      datasetId,
      count,
      seed,
      clip,
    });
    const again = this.zoo.planeSets.findByKey(key);
    if (again !== null) return again;
    const id = this.zoo.transaction(() => this.zoo.planeSets.create(key, drawn.planes));
    this.changed('planeSet', id, 'created');
    return id;
  }

  async createExperiment(params: Params<'createExperiment'>): Promise<Results['createExperiment']> {
    const p = this.check('createExperiment', params);
    this.zoo.projects.get(p.projectId);
    const spec = p.spec as ExperimentSpec;
    const setups = this.setups(spec);
    checkExperimentSize(setups.length, spec.seeds.length);
    const planeSets = new Map<string, number>();
    for (const datasetId of spec.datasets) {
      planeSets.set(
        datasetId,
        await this.ensurePlaneSet(datasetId, spec.planeCount, spec.planeSeed, false),
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
      this.zoo,
      { projectId: p.projectId, spec, planeSetId: planeSets.get(spec.datasets[0]) ?? null },
      rows,
      !p.launch,
      (id) => this.changed('experiment', id, 'created'),
      (visible) => {
        for (const job of visible) this.emit('job', job);
        jobs.push(...visible);
      },
    );
    this.scheduler.pump();
    return { experiment: this.zoo.experiments.get(experimentId), jobs };
  }

  /** After training: the measure job of the model, in the transaction that marks it done. */
  private queueFollowUp(spec: TrainJobSpec, trainJobId: number): void {
    if (!spec.measure) return;
    const job = this.zoo.jobs.get(trainJobId);
    this.createMeasureJob(spec.modelId, job.experimentId, {
      modelId: spec.modelId,
      planeSetId: spec.measure.planeSetId,
      checkpoints: spec.measure.checkpoints,
      cps: spec.measure.cps,
      phenomena: spec.measure.phenomena,
      scope: spec.measure.scope,
    });
  }

  private createMeasureJob(
    modelId: number,
    experimentId: number | null,
    spec: MeasureJobSpec,
  ): number {
    const model = this.zoo.models.get(modelId);
    const planeSet = this.zoo.planeSets.get(spec.planeSetId);
    const checkpoints = this.zoo.checkpoints.list(modelId);
    const units =
      (spec.checkpoints === 'all' ? checkpoints.length : Math.min(1, checkpoints.length)) *
      planeSet.planes.length;
    const id = this.zoo.jobs.create({
      kind: 'measure',
      experimentId,
      modelId,
      label: `measure ${model.name}`,
      spec,
      iterations: units,
    });
    queueMicrotask(() => {
      const created = this.zoo.db.open ? this.zoo.jobs.find(id) : null;
      if (created) this.emit('job', jobSummary(created));
    });
    return id;
  }

  async listExperiments(params: Params<'listExperiments'>): Promise<Results['listExperiments']> {
    const p = this.check('listExperiments', params);
    return this.zoo.experiments.list(p.projectId);
  }

  async renameExperiment(params: Params<'renameExperiment'>): Promise<Results['renameExperiment']> {
    const p = this.check('renameExperiment', params);
    this.zoo.experiments.rename(p.id, p.name);
    this.changed('experiment', p.id, 'updated');
    return this.zoo.experiments.get(p.id);
  }

  async deleteExperiment(params: Params<'deleteExperiment'>): Promise<Results['deleteExperiment']> {
    const p = this.check('deleteExperiment', params);
    this.zoo.experiments.get(p.id);
    await this.stopJobsOf('experiment_id', p.id);
    this.zoo.transaction(() => {
      this.zoo.experiments.delete(p.id);
      this.zoo.models.dropUnusedTags();
    });
    this.partitions.deletePrefix('');
    this.changed('experiment', p.id, 'deleted');
    return { deleted: true };
  }

  // ── models ───────────────────────────────────────────────────────────────────────

  async listModels(params: Params<'listModels'>): Promise<Results['listModels']> {
    const p = this.check('listModels', params);
    return this.zoo.models.list(p).map(modelSummary);
  }

  async getModel(params: Params<'getModel'>): Promise<Results['getModel']> {
    const p = this.check('getModel', params);
    const model = this.zoo.models.get(p.id);
    return {
      ...modelSummary(model),
      inputDim: model.inputDim,
      classCount: model.classCount,
      checkpoints: this.zoo.checkpoints.list(model.id),
      metrics: this.zoo.checkpoints.metrics(model.id),
      measurements: this.zoo.measurements.forModel(model.id),
      regionCounts: this.zoo.measurements.regionCountsForModel(model.id),
    };
  }

  async renameModel(params: Params<'renameModel'>): Promise<Results['renameModel']> {
    const p = this.check('renameModel', params);
    this.zoo.models.rename(p.id, p.name);
    this.changed('model', p.id, 'updated');
    return modelSummary(this.zoo.models.get(p.id));
  }

  async setModelNotes(params: Params<'setModelNotes'>): Promise<Results['setModelNotes']> {
    const p = this.check('setModelNotes', params);
    this.zoo.models.setNotes(p.id, p.notes);
    this.changed('model', p.id, 'updated');
    return modelSummary(this.zoo.models.get(p.id));
  }

  async setModelTags(params: Params<'setModelTags'>): Promise<Results['setModelTags']> {
    const p = this.check('setModelTags', params);
    this.zoo.transaction(() => this.zoo.models.setTags(p.id, p.tags));
    this.changed('model', p.id, 'updated');
    return modelSummary(this.zoo.models.get(p.id));
  }

  async deleteModel(params: Params<'deleteModel'>): Promise<Results['deleteModel']> {
    const p = this.check('deleteModel', params);
    this.zoo.models.get(p.id);
    await this.stopJobsOf('id', p.id);
    this.zoo.transaction(() => this.zoo.models.delete(p.id));
    this.partitions.deletePrefix('');
    this.changed('model', p.id, 'deleted');
    return { deleted: true };
  }

  async exportModel(params: Params<'exportModel'>): Promise<Results['exportModel']> {
    const p = this.check('exportModel', params);
    const model = this.zoo.models.get(p.id);
    if (p.iteration !== undefined) {
      if (!this.zoo.checkpoints.atIteration(p.id, p.iteration)) {
        const stored = this.zoo.checkpoints.list(p.id).map((c) => c.iteration);
        invalid(
          'params.iteration',
          `model ${p.id} has no checkpoint at ${p.iteration} (stored: ${stored.join(', ') || 'none'})`,
        );
      }
      return {
        fileName: `${fileSlug(model.name)}.iter${p.iteration}.mbh-model.json`,
        content: JSON.stringify(
          exportModelJson(
            this.zoo,
            p.id,
            p.iteration,
            this.datasetEntries().find((entry) => entry.id === model.datasetId)?.inputBox,
          ),
        ),
      };
    }
    return {
      fileName: `${fileSlug(model.name)}.mbh-bundle.json`,
      content: JSON.stringify(exportModelBundle(this.zoo, p.id)),
    };
  }

  /** An export written to a file (a browser download, or a path for in-process callers). */
  async exportToFile(params: Params<'exportToFile'>): Promise<Results['exportToFile']> {
    const p = this.check('exportToFile', params);
    if (p.what === 'project' && p.iteration !== undefined)
      invalid('params.iteration', 'applies to a model export only');
    const file =
      p.what === 'project'
        ? await this.exportProject({ id: p.id })
        : await this.exportModel({
            id: p.id,
            ...(p.iteration !== undefined ? { iteration: p.iteration } : {}),
          });
    return writeExport(this.paths.home, p.to, file.fileName, file.content);
  }

  async importModel(params: Params<'importModel'>): Promise<Results['importModel']> {
    const p = this.check('importModel', params);
    this.zoo.projects.get(p.projectId);
    const inputs = new ImportFiles(this.paths.home);
    let parsed;
    try {
      parsed = await readModelFile(inputs.take(p.json, 'params.json'), 'params.json');
    } finally {
      inputs.release();
    }
    return this.storeModelFile(parsed, p);
  }

  /** Stores a validated model file (bundle or network) in a project. */
  private storeModelFile(
    parsed: ParsedModelFile,
    p: { projectId: number; name?: string | undefined; datasetId?: string | undefined },
  ): Results['importModel'] {
    this.zoo.projects.get(p.projectId);
    let id: number;
    if (parsed.kind === 'bundle') {
      const bundle = parsed.bundle;
      const { inputDim, classCount } = bundle.metadata;
      const datasetId = this.datasetForImport(
        p.datasetId ?? bundle.metadata.datasetId,
        p.datasetId !== undefined ? 'params.datasetId' : 'params.json.model.datasetId',
        inputDim,
        classCount,
      );
      const filed = { ...bundle, metadata: { ...bundle.metadata, datasetId } };
      id = this.zoo.transaction(() => storeModelBundle(this.zoo, filed, p.projectId, null, p.name));
    } else {
      id = this.storeNetwork(parsed.network, 'params.json', p.projectId, p.name, p.datasetId);
    }
    this.changed('model', id, 'created');
    return modelSummary(this.zoo.models.get(id));
  }

  /**
   * Stores a single network as an imported model, filed under `datasetId` (checked against
   * its widths) or the dataset its widths match; `source` lands in the same transaction.
   */
  private storeNetwork(
    network: Network,
    path: string,
    projectId: number,
    name: string | undefined,
    datasetId: string | undefined,
    source?: ModelSource,
  ): number {
    const widths = networkWidths(network);
    if (widths.length < 3) invalid(path, 'a model needs at least one hidden layer');
    const [inputDim, classCount] = [widths[0], widths[widths.length - 1]];
    const dataset =
      datasetId === undefined
        ? guessDataset(this.datasetEntries(), inputDim, classCount)
        : this.datasetForImport(datasetId, 'params.datasetId', inputDim, classCount);
    return storeImportedNetwork(this.zoo, network, {
      projectId,
      ...(name !== undefined ? { name } : {}),
      datasetId: dataset,
      ...(source ? { source } : {}),
    });
  }

  async importModelFile(params: Params<'importModelFile'>): Promise<Results['importModelFile']> {
    const p = this.check('importModelFile', params);
    this.zoo.projects.get(p.projectId);
    // Parsing a large model file takes seconds: it runs in a worker thread.
    const upload = await readUploadInWorker(p);
    if (upload.kind === 'bundle') {
      // Read by the model-file worker already; validated here as an importModel bundle.
      const model = this.storeModelFile(
        parseModelFileValue(parseJsonText(upload.json, 'params.json'), 'params.json'),
        p,
      );
      putModelSource(this.zoo, model.id, upload.source);
      return { model: modelSummary(this.zoo.models.get(model.id)), source: upload.source };
    }
    const id = this.storeNetwork(
      upload.imported.network,
      'params.bytes',
      p.projectId,
      p.name ?? defaultModelName(p.fileName),
      p.datasetId,
      upload.source,
    );
    this.changed('model', id, 'created');
    return { model: modelSummary(this.zoo.models.get(id)), source: upload.source };
  }

  async exportModelFile(params: Params<'exportModelFile'>): Promise<Results['exportModelFile']> {
    return exportModelFile(this.zoo, this.check('exportModelFile', params));
  }

  async getModelSource(params: Params<'getModelSource'>): Promise<Results['getModelSource']> {
    return getModelSource(this.zoo, this.check('getModelSource', params).id);
  }

  async trainModel(params: Params<'trainModel'>): Promise<Results['trainModel']> {
    const p = this.check('trainModel', params);
    this.zoo.projects.get(p.projectId);
    const entry = this.datasetEntry(p.datasetId, 'params.datasetId');
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
    const { modelId, jobId } = this.zoo.transaction(() => {
      const modelId = this.zoo.models.create({
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
      const jobId = this.zoo.jobs.create({
        kind: 'train',
        experimentId: null,
        modelId,
        label: `train ${name}`,
        spec,
        iterations: p.iterations * phaseCount(p.pruning),
      });
      return { modelId, jobId };
    });
    this.changed('model', modelId, 'created');
    const job = jobSummary(this.zoo.jobs.get(jobId));
    this.emit('job', job);
    this.scheduler.pump();
    return { model: modelSummary(this.zoo.models.get(modelId)), job };
  }

  async getMaskHeatmap(params: Params<'getMaskHeatmap'>): Promise<Results['getMaskHeatmap']> {
    const p = this.check('getMaskHeatmap', params);
    const model = this.zoo.models.get(p.modelId);
    const checkpoint = this.zoo.checkpoints.latest(model.id);
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

  // ── planes, partitions, blankets ────────────────────────────────────────────────

  async listPlaneSets(params: Params<'listPlaneSets'>): Promise<Results['listPlaneSets']> {
    const p = this.check('listPlaneSets', params);
    return this.zoo.planeSets
      .list(p.datasetId)
      .map((set) => ({ ...set, planes: set.planes.map(planeSummary) }));
  }

  async createPlaneSet(params: Params<'createPlaneSet'>): Promise<Results['createPlaneSet']> {
    const p = this.check('createPlaneSet', params);
    this.datasetEntry(p.datasetId, 'params.datasetId');
    const id = await this.ensurePlaneSet(p.datasetId, p.count, p.seed, p.clip);
    const set = this.zoo.planeSets.get(id);
    return { ...set, planes: set.planes.map(planeSummary) };
  }

  private plane(planeSetId: number, index: number): StoredPlane {
    const set = this.zoo.planeSets.get(planeSetId);
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
    const p = this.check('getSpanningImages', params);
    const set = this.zoo.planeSets.get(p.planeSetId);
    const plane = this.plane(p.planeSetId, p.plane);
    const result = await this.worker().request<ImagesResult>({
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
  private async partition(
    checkpointId: number,
    planeSetId: number,
    index: number,
    budget: { maxRegions?: number; signal?: CallContext['signal'] } = {},
  ): Promise<PartitionView> {
    const cached = this.interactive.cached(checkpointId, planeSetId, index);
    if (cached) return cached;
    const checkpoint = this.zoo.checkpoints.get(checkpointId);
    const model = this.zoo.models.get(checkpoint.modelId);
    const set = this.zoo.planeSets.get(planeSetId);
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
    return this.interactive.partition(
      {
        checkpointId,
        planeSetId,
        plane,
        network: networkMessage(widths, checkpoint),
        maxRegions: this.regionBudget(budget.maxRegions),
        affinity: checkpointKey(checkpoint),
      },
      budget.signal,
    );
  }

  async getPartition(
    params: Params<'getPartition'>,
    context?: CallContext,
  ): Promise<Results['getPartition']> {
    const p = this.check('getPartition', params);
    const claim = this.interactive.claim(context, p.view);
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
  private phenomenon(modelId: number, name: string, path = 'params.phenomenon'): PhenomenonSpec {
    const model = this.zoo.models.get(modelId);
    if (model.experimentId !== null) {
      const own = this.zoo.experiments
        .get(model.experimentId)
        .spec.phenomena?.find((ph) => ph.name === name);
      if (own) return own;
    }
    const entry = this.datasetEntries().find((candidate) => candidate.id === model.datasetId);
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
    const p = this.check('getBlanket', params);
    const signal = context?.signal;
    const partition = await this.partition(p.checkpointId, p.planeSetId, p.plane, {
      maxRegions: p.maxRegions,
      signal,
    });
    const checkpoint = this.zoo.checkpoints.get(p.checkpointId);
    const model = this.zoo.models.get(checkpoint.modelId);
    const phenomenon = this.phenomenon(model.id, p.phenomenon);
    const widths = [model.inputDim, ...model.hidden, model.classCount];
    const result = await this.worker().request<BlanketResult>(
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
    const p = this.check('getBlankets', params);
    const signal = context?.signal;
    const checkpoint = this.zoo.checkpoints.get(p.checkpointId);
    const model = this.zoo.models.get(checkpoint.modelId);
    const phenomena = p.phenomena
      ? p.phenomena.map((name, k) => this.phenomenon(model.id, name, `params.phenomena[${k}]`))
      : this.modelPhenomena(model.id);
    const partition = await this.partition(p.checkpointId, p.planeSetId, p.plane, {
      maxRegions: p.maxRegions,
      signal,
    });
    const widths = [model.inputDim, ...model.hidden, model.classCount];
    const cells = await this.worker().request<BlanketResult[]>(
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
      await this.analyses.addExactBlankets(
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
  private modelPhenomena(modelId: number): PhenomenonSpec[] {
    const model = this.zoo.models.get(modelId);
    const own =
      model.experimentId !== null
        ? this.zoo.experiments.get(model.experimentId).spec.phenomena
        : null;
    if (own && own.length > 0) return own;
    const entry = this.datasetEntries().find((candidate) => candidate.id === model.datasetId);
    return Array.from({ length: model.classCount }, (_, label) => ({
      name: entry?.classNames[label] ?? String(label),
      labels: [label],
    }));
  }

  async measureModel(params: Params<'measureModel'>): Promise<Results['measureModel']> {
    const p = this.check('measureModel', params);
    const model = this.zoo.models.get(p.modelId);
    const set = this.zoo.planeSets.get(p.planeSetId);
    if (set.datasetId !== model.datasetId) {
      invalid(
        'params.planeSetId',
        `plane set ${set.id} is on dataset ${set.datasetId}, model ${model.id} on ${model.datasetId}`,
      );
    }
    if (this.zoo.checkpoints.list(model.id).length === 0) {
      invalid('params.modelId', `model ${model.id} has no checkpoint yet: train it first`);
    }
    const experiment =
      model.experimentId !== null ? this.zoo.experiments.get(model.experimentId) : null;
    const id = this.zoo.transaction(() =>
      this.createMeasureJob(model.id, model.experimentId, {
        modelId: model.id,
        planeSetId: set.id,
        checkpoints: p.allCheckpoints ? 'all' : 'last',
        cps: experiment?.spec.cps ?? [0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1],
        // Exact patterns are stored by phenomenon name: name them even for the default.
        phenomena: experiment?.spec.phenomena ?? (p.exact ? this.modelPhenomena(model.id) : null),
        scope: experiment?.spec.scope ?? 'last',
        exact: p.exact ? { timeLimit: p.exactTimeLimit ?? DEFAULT_EXACT_TIME_LIMIT } : null,
      }),
    );
    this.scheduler.pump();
    return [jobSummary(this.zoo.jobs.get(id))];
  }

  // ── jobs ─────────────────────────────────────────────────────────────────────────

  async listWorkers(params: Params<'listWorkers'>): Promise<Results['listWorkers']> {
    this.check('listWorkers', params);
    return workerSummaries(
      {
        concurrency: this.remote ? this.remote.dispatch.localWorkers : this.scheduler.workers,
        running: this.zoo.jobs.list({ state: 'running' }).map(jobSummary),
      },
      this.remote?.workers() ?? [],
    );
  }

  async listJobs(params: Params<'listJobs'>): Promise<Results['listJobs']> {
    const p = this.check('listJobs', params);
    return this.zoo.jobs.list(p).map(jobSummary);
  }

  async pauseJob(params: Params<'pauseJob'>): Promise<JobSummary> {
    const p = this.check('pauseJob', params);
    return this.scheduler.pause(p.id);
  }

  async resumeJob(params: Params<'resumeJob'>): Promise<JobSummary> {
    const p = this.check('resumeJob', params);
    return this.scheduler.resume(p.id);
  }

  async cancelJob(params: Params<'cancelJob'>): Promise<JobSummary> {
    const p = this.check('cancelJob', params);
    return this.scheduler.cancel(p.id);
  }

  async retryJob(params: Params<'retryJob'>): Promise<JobSummary> {
    const p = this.check('retryJob', params);
    return this.scheduler.retry(p.id);
  }

  async bulkJobs(params: Params<'bulkJobs'>): Promise<Results['bulkJobs']> {
    const p = this.check('bulkJobs', params);
    return { action: p.action, ...this.scheduler.bulk(p.action, p.ids) };
  }

  // ── compare ──────────────────────────────────────────────────────────────────────

  async compare(params: Params<'compare'>): Promise<Results['compare']> {
    const p = this.check('compare', params);
    const ids = new Set<number>();
    const models: ReturnType<Zoo['models']['list']> = [];
    const add = (list: ReturnType<Zoo['models']['list']>) => {
      for (const model of list) {
        if (ids.has(model.id)) continue;
        ids.add(model.id);
        models.push(model);
      }
    };
    if (p.projectId !== undefined) add(this.zoo.models.list({ projectId: p.projectId }));
    for (const experimentId of p.experimentIds ?? []) add(this.zoo.models.list({ experimentId }));
    for (const modelId of p.modelIds ?? []) add([this.zoo.models.get(modelId)]);
    if (p.projectId === undefined && !p.experimentIds && !p.modelIds) add(this.zoo.models.list());
    const lookups = new CompareLookups(this.zoo);
    return models.map((model) => compareRow(this.zoo, model, p.planeSetId, lookups));
  }

  // ── saved compare views (src-main/lab/views.ts) and the demo project ─────────────

  async listCompareViews(params: Params<'listCompareViews'>): Promise<Results['listCompareViews']> {
    return listViews(this.zoo, this.check('listCompareViews', params).projectId);
  }

  async saveCompareView(params: Params<'saveCompareView'>): Promise<Results['saveCompareView']> {
    const p = this.check('saveCompareView', params);
    const view = saveView(this.zoo, p.projectId, p.name, p.state, p.makeDefault);
    this.changed('project', p.projectId, 'updated');
    return view;
  }

  async setDefaultCompareView(
    params: Params<'setDefaultCompareView'>,
  ): Promise<Results['setDefaultCompareView']> {
    const p = this.check('setDefaultCompareView', params);
    return setDefaultView(this.zoo, p.projectId, p.id);
  }

  async deleteCompareView(
    params: Params<'deleteCompareView'>,
  ): Promise<Results['deleteCompareView']> {
    return deleteView(this.zoo, this.check('deleteCompareView', params).id);
  }

  async openDemoProject(params: Params<'openDemoProject'>): Promise<Results['openDemoProject']> {
    this.check('openDemoProject', params);
    return this.importProject({ json: readDemoBundle() });
  }

  // ── analyses (issue 11: src-main/lab/analyses.ts) ────────────────────────────────

  private get analyses(): LabAnalyses {
    return new LabAnalyses({
      zoo: this.zoo,
      request: (body) => this.worker().request(body),
      phenomena: (modelId) => this.modelPhenomena(modelId),
    });
  }

  async exactComparison(params: Params<'exactComparison'>): Promise<Results['exactComparison']> {
    return this.analyses.exactComparison(this.check('exactComparison', params));
  }

  async analysePatterns(params: Params<'analysePatterns'>): Promise<Results['analysePatterns']> {
    return this.analyses.patterns(this.check('analysePatterns', params));
  }

  async analyseTree(params: Params<'analyseTree'>): Promise<Results['analyseTree']> {
    return this.analyses.tree(this.check('analyseTree', params));
  }

  async setupStatistics(params: Params<'setupStatistics'>): Promise<Results['setupStatistics']> {
    return this.analyses.statistics(this.check('setupStatistics', params));
  }

  async buildReport(params: Params<'buildReport'>): Promise<Results['buildReport']> {
    const p = this.check('buildReport', params);
    return buildReport(
      {
        zoo: this.zoo,
        analyses: this.analyses,
        version: VERSION,
        datasets: this.datasetEntries(),
        datasetFile: (id) => this.registry.cachePath(id),
      },
      p.experimentId,
      p.planeSetId,
    );
  }

  /** Models grouped by setup, for callers that summarise (the CLI). */
  static setupOf = setupKey;
}

function fileSlug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'export';
}

function formatDensity(density: number): string {
  return density === 1 ? '1' : String(Number(density.toPrecision(4)));
}

function guessDataset(entries: DatasetEntry[], inputDim: number, classCount: number): string {
  const match = entries.find(
    (entry) => entry.inputDim === inputDim && entry.classCount === classCount,
  );
  if (!match) {
    invalid(
      'params.datasetId',
      `no dataset of the lab has ${inputDim} inputs and ${classCount} classes: name the model's dataset`,
    );
  }
  return match.id;
}

function backendNote(backend: Backend, skipped: readonly string[]): string {
  if (skipped.length === 0) return `${backend} is the best backend available`;
  return `using ${backend}; ${skipped.join('; ')}`;
}

/**
 * Which training backend loads on this machine: the training worker picks one when it
 * starts, so a one-step run on the XOR toy tells (no extra worker entry to bundle).
 */
async function probeBackend(home: string): Promise<{ backend: Backend; note: string }> {
  try {
    const run = startTraining(
      {
        type: 'start',
        spec: { hidden: [2], seed: 0, dataset: 'xor', iterations: 1, checkpoints: [] },
        dataDirectory: home,
        snapshotEvery: 0,
      },
      () => {},
    );
    const { backend } = await run.done;
    return { backend: backend.name, note: backendNote(backend.name, backend.skipped) };
  } catch (error) {
    return {
      backend: 'cpu',
      note: `no training backend could be loaded: ${(error as Error).message}`,
    };
  }
}

function partitionMessageOf(partition: PartitionView): PartitionMessage {
  return {
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
  };
}
