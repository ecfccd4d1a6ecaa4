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
 *
 * This class is a thin facade: it holds what the domains share (the zoo, the job
 * scheduler, the worker pools, the dataset registry, the cost model, events) and
 * delegates each api method to its domain module: datasets (domain-datasets.ts),
 * projects and models (domain-projects.ts), import and export (domain-transfer.ts),
 * the plane viewer (domain-viewer.ts), experiments and jobs (domain-experiments.ts),
 * estimates (domain-estimates.ts), comparisons and analyses (domain-comparisons.ts).
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import {
  parseParams,
  type LabApi,
  type MethodName,
  type Params,
  type Results,
} from '../../src-shared/api/contract.ts';
import type {
  Backend,
  JobSummary,
  LabEvents,
  PartitionView,
  Shell,
  ZooEntity,
} from '../../src-shared/api/dto.ts';
import { DatasetRegistry } from '../data/registry.ts';
import { removeStaleStaging } from './import-dataset.ts';
import { removeExpiredTransfers } from './transfers.ts';
import { InteractivePool } from '../jobs/interactive-pool.ts';
import type { CallContext } from '../../src-shared/api/call.ts';
import { InteractivePartitions } from './interactive.ts';
import { readLimits, writeLimits } from './lab-limits.ts';
import { MeasureRunner } from '../jobs/measure-job.ts';
import { Scheduler, type JobRunner } from '../jobs/scheduler.ts';
import { startTraining, TrainRunner } from '../jobs/train-job.ts';
import { labPaths, type LabPaths } from '../zoo/home.ts';
import { lockZoo } from '../zoo/lock.ts';
import { jobSummary, LOCAL_WORKER } from '../zoo/jobs.ts';
import { Zoo } from '../zoo/zoo.ts';
import type { HubRemote } from '../remote/hub-wiring.ts';
import { LruCache } from './lru.ts';
import { COST_MODEL_VERSION, speedSample, TrainingCosts } from './training-costs.ts';
import { CalibrationCache, calibrationCachePath, thisMachine } from './calibration-cache.ts';
import { setupKey } from './setups.ts';
import {
  VERSION,
  PARTITION_CACHE_BYTES,
  partitionBytes,
  backendNote,
  probeBackend,
} from './service-support.ts';
import { LabDatasets } from './domain-datasets.ts';
import { LabProjects } from './domain-projects.ts';
import { LabTransfer } from './domain-transfer.ts';
import { LabViewer } from './domain-viewer.ts';
import { LabExperiments } from './domain-experiments.ts';
import { LabEstimates } from './domain-estimates.ts';
import { LabComparisons } from './domain-comparisons.ts';
import { LabHub } from './domain-settings.ts';

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
  /** Where `redis` comes from, for the settings view: serve's flag or MBH_LAB_REDIS. */
  redisSource?: 'flag' | 'environment';
  /**
   * Without `redis`: connect the Redis saved in the hub settings (domain-settings.ts), as
   * a running lab does (the desktop app, `mbh-lab serve`); command-line labs do not.
   */
  hubSettings?: boolean;
}

export class LabService implements LabApi {
  readonly datasets = new LabDatasets(this);
  readonly projects = new LabProjects(this);
  readonly transfer = new LabTransfer(this);
  readonly viewer = new LabViewer(this);
  readonly experiments = new LabExperiments(this);
  readonly estimates = new LabEstimates(this);
  readonly comparisons = new LabComparisons(this);
  readonly hub = new LabHub(this);
  private readonly events = new EventEmitter();
  readonly scheduler: Scheduler;
  private readonly measure: MeasureRunner;
  readonly registry: DatasetRegistry;
  readonly partitions = new LruCache<PartitionView>(PARTITION_CACHE_BYTES, partitionBytes);
  private readonly pool: InteractivePool;
  readonly interactive: InteractivePartitions;
  private backendProbe: Promise<{ backend: Backend; note: string }> | null = null;
  /** Training and measuring costs on this machine: plans, 'auto' trainers, ETAs. */
  readonly costs: TrainingCosts;
  private closed = false;
  /** Ids of user datasets whose import is running (a second one of the same id is refused). */
  readonly importing = new Set<string>();
  private release: () => void = () => {};
  /** The remote workers' dispatch when this lab is a hub (settings may change it). */
  remote: HubRemote | null = null;
  private remoteMeasure: JobRunner | null = null;

  private constructor(
    readonly zoo: Zoo,
    readonly paths: LabPaths,
    private readonly shell: Shell,
    workers: number,
    snapshotEvery: number | undefined,
    remote: HubRemote | null = null,
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
      // A cached calibration of an older cost model (other kernels) is not this one's.
      new CalibrationCache(
        calibrationCachePath(paths.zooFile),
        thisMachine(`${VERSION}+costs${COST_MODEL_VERSION}`),
      ),
    );
    const train = new TrainRunner(zoo, {
      home: paths.home,
      ...(snapshotEvery !== undefined ? { snapshotEvery } : {}),
      // The hub's dispatch as it is when the run starts (the settings may change it).
      start: (message, onMessage, context) => {
        if (this.remote) return this.remote.dispatch.start(message, onMessage, context);
        this.recordWorker(context.jobId, LOCAL_WORKER);
        return startTraining(message, onMessage);
      },
      onTrained: (spec, jobId) => this.experiments.queueFollowUp(spec, jobId),
      chooseTrainer: (shape) =>
        this.costs
          .model(this.estimates.costBackend(), this.scheduler.workers)
          .choose(shape, 'auto'),
      inputNonZero: (datasetId) => this.inputShare(datasetId),
      onBackend: (backend, skipped) =>
        this.zoo.settings.set('backend', { backend, note: backendNote(backend, skipped) }),
      onSpeed: (run) =>
        this.costs.record(this.estimates.costBackend(), speedSample(run.shape, run.trainer, run)),
    });
    this.measure = new MeasureRunner(zoo, paths.home);
    this.scheduler = new Scheduler(zoo, {
      // A hub of remote workers only still plans and estimates as one core.
      workers: Math.max(1, workers),
      capacity: () => this.remote?.dispatch.capacity() ?? this.scheduler.workers,
      runners: {
        train,
        // Measure jobs run in this process's measure workers (a hub's go remote when busy).
        measure: {
          run: (control) => {
            if (this.remoteMeasure) return this.remoteMeasure.run(control);
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
    this.attachRemote(remote);
  }

  /**
   * The hub's remote dispatch from now on (null: every job runs here). Only while no job
   * runs (Scheduler.requeueRunning), so no run is left on a dispatch that goes away.
   */
  attachRemote(remote: HubRemote | null): void {
    this.remote = remote;
    this.remoteMeasure = remote ? remote.measureRunner(this.zoo, this.measure) : null;
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
      if (options.redis)
        lab.hub.openedWith(options.redis, options.redisSource ?? 'flag', options.redisQueue);
      else if (options.hubSettings) await lab.hub.connectSaved(options.redisQueue);
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

  emit<E extends keyof LabEvents>(event: E, payload: LabEvents[E]): void {
    this.events.emit(event, payload);
  }

  changed(entity: ZooEntity, id: number | string, change: 'created' | 'updated' | 'deleted') {
    this.emit('zoo', { entity, id, change });
  }

  check<M extends MethodName>(method: M, params: Params<M>): Params<M> {
    if (this.closed) throw new Error('the lab is closed');
    return parseParams(method, params);
  }

  /** The interactive workers: a dead one is replaced by a fresh one for the next request. */
  worker(): InteractivePool {
    return this.pool;
  }

  /** The region budget of a call: its own, else the lab's setting (default 200,000). */
  regionBudget(own: number | undefined): number {
    return own ?? readLimits(this.zoo).regionBudget;
  }

  async getLimits(params: Params<'getLimits'>): Promise<Results['getLimits']> {
    this.check('getLimits', params);
    return readLimits(this.zoo);
  }

  async setLimits(params: Params<'setLimits'>): Promise<Results['setLimits']> {
    return writeLimits(this.zoo, this.check('setLimits', params));
  }

  // ── hub settings: the Redis of remote workers (domain-settings.ts) ──────────────

  async getHubSettings(params: Params<'getHubSettings'>): Promise<Results['getHubSettings']> {
    return this.hub.getHubSettings(params);
  }

  async setHubSettings(params: Params<'setHubSettings'>): Promise<Results['setHubSettings']> {
    return this.hub.setHubSettings(params);
  }

  async testRedisConnection(
    params: Params<'testRedisConnection'>,
  ): Promise<Results['testRedisConnection']> {
    return this.hub.testRedisConnection(params);
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
  backend(): Promise<{ backend: Backend; note: string }> {
    const known = this.zoo.settings.get<{ backend: Backend; note: string }>('backend');
    if (known) return Promise.resolve(known);
    this.backendProbe ??= probeBackend(this.paths.home).then((found) => {
      if (!this.closed) this.zoo.settings.set('backend', found);
      return found;
    });
    return this.backendProbe;
  }

  async listDatasets(params: Params<'listDatasets'>): Promise<Results['listDatasets']> {
    return this.datasets.listDatasets(params);
  }

  /**
   * Imports a user dataset: parsing, validation and the cache write run in a worker
   * thread; the zoo row follows. All or nothing: a failure at any step leaves no cache
   * file, no temporary and no row of its own, and a name that gives the id of an existing
   * dataset is refused before any file is touched.
   */
  async importDataset(params: Params<'importDataset'>): Promise<Results['importDataset']> {
    return this.datasets.importDataset(params);
  }

  async deleteDataset(params: Params<'deleteDataset'>): Promise<Results['deleteDataset']> {
    return this.datasets.deleteDataset(params);
  }

  // ── projects ─────────────────────────────────────────────────────────────────────

  async listProjects(params: Params<'listProjects'>): Promise<Results['listProjects']> {
    return this.projects.listProjects(params);
  }

  async createProject(params: Params<'createProject'>): Promise<Results['createProject']> {
    return this.projects.createProject(params);
  }

  async renameProject(params: Params<'renameProject'>): Promise<Results['renameProject']> {
    return this.projects.renameProject(params);
  }

  async setProjectNotes(params: Params<'setProjectNotes'>): Promise<Results['setProjectNotes']> {
    return this.projects.setProjectNotes(params);
  }

  async deleteProject(params: Params<'deleteProject'>): Promise<Results['deleteProject']> {
    return this.projects.deleteProject(params);
  }

  async exportProject(params: Params<'exportProject'>): Promise<Results['exportProject']> {
    return this.transfer.exportProject(params);
  }

  async importProject(params: Params<'importProject'>): Promise<Results['importProject']> {
    return this.transfer.importProject(params);
  }

  // ── experiments ──────────────────────────────────────────────────────────────────

  async listPresets(params: Params<'listPresets'>): Promise<Results['listPresets']> {
    return this.experiments.listPresets(params);
  }

  async planExperiment(params: Params<'planExperiment'>): Promise<Results['planExperiment']> {
    return this.estimates.planExperiment(params);
  }

  /** Progress and ETA of all jobs or one experiment's, from the cost model (plans.ts). */
  async sweepProgress(params: Params<'sweepProgress'>): Promise<Results['sweepProgress']> {
    return this.estimates.sweepProgress(params);
  }

  /** A dataset's share of non-zero training inputs, once counted (training-costs.ts). */
  inputShare(datasetId: string): number | undefined {
    const entry = this.datasets.datasetEntries().find((candidate) => candidate.id === datasetId);
    return entry === undefined ? undefined : this.costs.inputShare(entry);
  }

  async createExperiment(params: Params<'createExperiment'>): Promise<Results['createExperiment']> {
    return this.experiments.createExperiment(params);
  }

  async listExperiments(params: Params<'listExperiments'>): Promise<Results['listExperiments']> {
    return this.experiments.listExperiments(params);
  }

  async renameExperiment(params: Params<'renameExperiment'>): Promise<Results['renameExperiment']> {
    return this.experiments.renameExperiment(params);
  }

  async deleteExperiment(params: Params<'deleteExperiment'>): Promise<Results['deleteExperiment']> {
    return this.experiments.deleteExperiment(params);
  }

  // ── models ───────────────────────────────────────────────────────────────────────

  async listModels(params: Params<'listModels'>): Promise<Results['listModels']> {
    return this.projects.listModels(params);
  }

  async getModel(params: Params<'getModel'>): Promise<Results['getModel']> {
    return this.projects.getModel(params);
  }

  async renameModel(params: Params<'renameModel'>): Promise<Results['renameModel']> {
    return this.projects.renameModel(params);
  }

  async setModelNotes(params: Params<'setModelNotes'>): Promise<Results['setModelNotes']> {
    return this.projects.setModelNotes(params);
  }

  async setModelTags(params: Params<'setModelTags'>): Promise<Results['setModelTags']> {
    return this.projects.setModelTags(params);
  }

  async deleteModel(params: Params<'deleteModel'>): Promise<Results['deleteModel']> {
    return this.projects.deleteModel(params);
  }

  async exportModel(params: Params<'exportModel'>): Promise<Results['exportModel']> {
    return this.transfer.exportModel(params);
  }

  /** An export written to a file (a browser download, or a path for in-process callers). */
  async exportToFile(params: Params<'exportToFile'>): Promise<Results['exportToFile']> {
    return this.transfer.exportToFile(params);
  }

  async importModel(params: Params<'importModel'>): Promise<Results['importModel']> {
    return this.transfer.importModel(params);
  }

  async importModelFile(params: Params<'importModelFile'>): Promise<Results['importModelFile']> {
    return this.transfer.importModelFile(params);
  }

  async exportModelFile(params: Params<'exportModelFile'>): Promise<Results['exportModelFile']> {
    return this.transfer.exportModelFile(params);
  }

  async getModelSource(params: Params<'getModelSource'>): Promise<Results['getModelSource']> {
    return this.projects.getModelSource(params);
  }

  async trainModel(params: Params<'trainModel'>): Promise<Results['trainModel']> {
    return this.experiments.trainModel(params);
  }

  async getMaskHeatmap(params: Params<'getMaskHeatmap'>): Promise<Results['getMaskHeatmap']> {
    return this.projects.getMaskHeatmap(params);
  }

  // ── planes, partitions, blankets ────────────────────────────────────────────────

  async listPlaneSets(params: Params<'listPlaneSets'>): Promise<Results['listPlaneSets']> {
    return this.viewer.listPlaneSets(params);
  }

  async createPlaneSet(params: Params<'createPlaneSet'>): Promise<Results['createPlaneSet']> {
    return this.viewer.createPlaneSet(params);
  }

  async getSpanningImages(
    params: Params<'getSpanningImages'>,
  ): Promise<Results['getSpanningImages']> {
    return this.viewer.getSpanningImages(params);
  }

  async getPartition(
    params: Params<'getPartition'>,
    context?: CallContext,
  ): Promise<Results['getPartition']> {
    return this.viewer.getPartition(params, context);
  }

  async getBlanket(
    params: Params<'getBlanket'>,
    context?: CallContext,
  ): Promise<Results['getBlanket']> {
    return this.viewer.getBlanket(params, context);
  }

  async getBlankets(
    params: Params<'getBlankets'>,
    context?: CallContext,
  ): Promise<Results['getBlankets']> {
    return this.viewer.getBlankets(params, context);
  }

  async measureModel(params: Params<'measureModel'>): Promise<Results['measureModel']> {
    return this.experiments.measureModel(params);
  }

  // ── jobs ─────────────────────────────────────────────────────────────────────────

  async listWorkers(params: Params<'listWorkers'>): Promise<Results['listWorkers']> {
    return this.experiments.listWorkers(params);
  }

  async listJobs(params: Params<'listJobs'>): Promise<Results['listJobs']> {
    return this.experiments.listJobs(params);
  }

  async pauseJob(params: Params<'pauseJob'>): Promise<JobSummary> {
    return this.experiments.pauseJob(params);
  }

  async resumeJob(params: Params<'resumeJob'>): Promise<JobSummary> {
    return this.experiments.resumeJob(params);
  }

  async cancelJob(params: Params<'cancelJob'>): Promise<JobSummary> {
    return this.experiments.cancelJob(params);
  }

  async retryJob(params: Params<'retryJob'>): Promise<JobSummary> {
    return this.experiments.retryJob(params);
  }

  async bulkJobs(params: Params<'bulkJobs'>): Promise<Results['bulkJobs']> {
    return this.experiments.bulkJobs(params);
  }

  // ── compare ──────────────────────────────────────────────────────────────────────

  async compare(params: Params<'compare'>): Promise<Results['compare']> {
    return this.comparisons.compare(params);
  }

  // ── saved compare views (src-main/lab/views.ts) and the demo project ─────────────

  async listCompareViews(params: Params<'listCompareViews'>): Promise<Results['listCompareViews']> {
    return this.comparisons.listCompareViews(params);
  }

  async saveCompareView(params: Params<'saveCompareView'>): Promise<Results['saveCompareView']> {
    return this.comparisons.saveCompareView(params);
  }

  async setDefaultCompareView(
    params: Params<'setDefaultCompareView'>,
  ): Promise<Results['setDefaultCompareView']> {
    return this.comparisons.setDefaultCompareView(params);
  }

  async deleteCompareView(
    params: Params<'deleteCompareView'>,
  ): Promise<Results['deleteCompareView']> {
    return this.comparisons.deleteCompareView(params);
  }

  async openDemoProject(params: Params<'openDemoProject'>): Promise<Results['openDemoProject']> {
    return this.transfer.openDemoProject(params);
  }

  // ── analyses (issue 11: src-main/lab/analyses.ts) ────────────────────────────────

  async exactComparison(params: Params<'exactComparison'>): Promise<Results['exactComparison']> {
    return this.comparisons.exactComparison(params);
  }

  async analysePatterns(params: Params<'analysePatterns'>): Promise<Results['analysePatterns']> {
    return this.comparisons.analysePatterns(params);
  }

  async analyseTree(params: Params<'analyseTree'>): Promise<Results['analyseTree']> {
    return this.comparisons.analyseTree(params);
  }

  async setupStatistics(params: Params<'setupStatistics'>): Promise<Results['setupStatistics']> {
    return this.comparisons.setupStatistics(params);
  }

  async buildReport(params: Params<'buildReport'>): Promise<Results['buildReport']> {
    return this.comparisons.buildReport(params);
  }

  /** Models grouped by setup, for callers that summarise (the CLI). */
  static setupOf = setupKey;
}
