/**
 * The data that crosses the api: plain objects, numbers, strings and typed arrays (both
 * transports carry typed arrays: IPC by structured clone, the WebSocket by the codec in
 * `codec.ts`). Ids are SQLite row ids. Times are milliseconds since the epoch.
 */

import type { ExactBlanketView } from './analyses-dto.ts';
import type { RegionClasses } from '../mbh/region-classes.ts';

export type Shell = 'electron' | 'browser' | 'cli';
/** A tfjs backend, or 'js': the fused training path's own TypeScript kernels (no tfjs). */
export type Backend = 'tensorflow' | 'wasm' | 'cpu' | 'js';
export type ArchitectureFamily = 'lenet' | 'deepfc' | 'custom';
/** A training path: TensorFlow.js, or the fused sparse-aware one (src-main/train/fused). */
export type TrainerName = 'tfjs' | 'fused';
/** 'auto' picks the path the lab's measured cost model predicts to be faster per network. */
export type TrainerChoice = 'auto' | TrainerName;
export type JobKind = 'train' | 'measure';
export type JobState = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
export type ScopeName = 'last' | 'all' | `layer:${number}`;
export type PruningScheme =
  | { kind: 'random' }
  | { kind: 'one-shot'; rate: number }
  | { kind: 'iterative'; rate: number; rounds: number };

export interface LabInfo {
  version: string;
  shell: Shell;
  /** Training backend the workers use, and why a better one is not in use. */
  backend: Backend;
  backendNote: string;
  zooPath: string;
  workers: number;
}

export interface DatasetSummary {
  id: string;
  name: string;
  inputDim: number;
  classCount: number;
  classNames: string[];
  trainCount: number;
  testCount: number;
  builtin: boolean;
  inputBox: { low: number; high: number };
}

export interface PhenomenonSpec {
  name: string;
  labels: number[];
}

export interface ProjectSummary {
  id: number;
  name: string;
  description: string;
  notes: string;
  createdAt: number;
  experimentCount: number;
  modelCount: number;
}

/** What a user designs in the experiment designer; stored in full with the experiment. */
export interface ExperimentSpec {
  name: string;
  family: ArchitectureFamily;
  /** Total hidden neurons per size, e.g. [400, 136] for Lenet (300,100) and (102,34). */
  hiddenNeurons: number[];
  /**
   * The hidden widths of each architecture: required for family 'custom'; for Lenet and
   * DeepFC it replaces the widths derived from hiddenNeurons (which is then ignored).
   */
  customWidths?: number[][];
  /** HNP levels: the densities follow from the equal-HNP setup generator. */
  hnpLevels?: number[];
  /** Explicit densities, used when hnpLevels is absent. */
  densities?: number[];
  seeds: number[];
  datasets: string[];
  iterations: number;
  checkpoints: 'default' | 'all';
  pruning: PruningScheme;
  planeCount: number;
  planeSeed: number;
  cps: number[];
  phenomena?: PhenomenonSpec[];
  scope: ScopeName;
  /** Which training path trains the models; default 'auto'. */
  trainer?: TrainerChoice;
}

/** A ready-made spec: the thesis' experiments and a smoke sweep. */
export interface ExperimentPreset {
  id: string;
  /** A short name for a button, e.g. "§6.2 Lenet · Fashion". */
  label: string;
  description: string;
  spec: ExperimentSpec;
}

export interface SetupPlan {
  /** The dataset the setup is for (its input size decides the HNPs). */
  datasetId: string;
  family: ArchitectureFamily;
  hidden: number[];
  density: number;
  hnps: number;
  hnpLevel?: number;
  /** The path that would train it (the spec's, or the cost model's choice for 'auto'). */
  trainer: TrainerName;
  /** Predicted ms per optimiser step on that path. */
  msPerIteration: number;
}

export interface ExperimentPlan {
  setups: SetupPlan[];
  jobCount: number;
  trainJobs: number;
  measureJobs: number;
  /**
   * Seconds until the whole sweep is done on this machine: trainings (steps, evaluation
   * passes, worker start), measurements, spread over `workers` worker threads.
   */
  estimatedSeconds: number;
  /** Of it: summed job seconds of the trainings and of the measurements (before spreading). */
  trainSeconds: number;
  measureSeconds: number;
  /** Worker threads the estimate assumes. */
  workers: number;
  /** Whether the speeds come from this machine's calibration runs (else from defaults). */
  calibrated: boolean;
}

/** The sweep-level view of a set of jobs (all, or one experiment's): for the dashboard. */
export interface SweepProgress {
  /** Share of the estimated work done, in [0, 1]. */
  progress: number;
  /** Seconds until every job (and the measurements that follow trainings) is done; null when nothing is left. */
  etaSeconds: number | null;
  /** Jobs not yet finished (running, queued or paused), measurements still to be queued included. */
  remainingJobs: number;
  workers: number;
}

export interface ExperimentSummary {
  id: number;
  projectId: number;
  name: string;
  spec: ExperimentSpec;
  createdAt: number;
  modelCount: number;
  planeSetId: number | null;
  jobCounts: Record<JobState, number>;
}

export interface ModelSummary {
  id: number;
  projectId: number;
  experimentId: number | null;
  name: string;
  family: ArchitectureFamily;
  hidden: number[];
  density: number;
  hnps: number;
  seed: number;
  datasetId: string;
  pruning: PruningScheme;
  backend: Backend | null;
  /** The training path that trained it; null when untrained or imported without one. */
  trainer: TrainerName | null;
  tags: string[];
  notes: string;
  createdAt: number;
  /** Last validation accuracy in [0, 1], null before the first evaluation. */
  accuracy: number | null;
  /** Last validation loss (mean cross-entropy on the test split), null before the first evaluation. */
  loss: number | null;
  checkpointCount: number;
}

export interface CheckpointSummary {
  id: number;
  modelId: number;
  iteration: number;
  accuracy: number | null;
  loss: number | null;
}

export interface MetricPoint {
  iteration: number;
  /** Validation accuracy and validation loss. */
  accuracy: number;
  loss: number;
  /** Mean training minibatch loss since the previous evaluation point; null or absent when not recorded. */
  trainLoss?: number | null;
}

export interface MeasurementRow {
  checkpointId: number;
  iteration: number;
  planeSetId: number;
  plane: number;
  phenomenon: string;
  cp: number;
  s: number;
  blanketArea: number;
  domainArea: number;
  constraints: number;
  coverage: number;
}

export interface RegionCountRow {
  checkpointId: number;
  iteration: number;
  planeSetId: number;
  plane: number;
  regions: number;
  domainArea: number;
}

export interface ModelDetail extends ModelSummary {
  inputDim: number;
  classCount: number;
  checkpoints: CheckpointSummary[];
  metrics: MetricPoint[];
  measurements: MeasurementRow[];
  regionCounts: RegionCountRow[];
}

/** Kept input weights per input pixel over the first layer's neurons (figure 2.2). */
export interface MaskHeatmap {
  modelId: number;
  width: number;
  height: number;
  /** Per input dimension, the number of first-layer neurons that keep its weight. */
  kept: Float32Array;
  neurons: number;
}

export interface PlaneSummary {
  index: number;
  /** Indices into the dataset's test split of the three spanning images. */
  sampleIndices: [number, number, number];
  labels: [number, number, number];
  /** The spanning points in plane coordinates: x0,y0,x1,y1,x2,y2. */
  points: Float64Array;
  /** The domain polygon in plane coordinates. */
  domain: Float64Array;
}

export interface PlaneSetSummary {
  id: number;
  datasetId: string;
  seed: number;
  clip: boolean;
  /**
   * How the spanning points were chosen, in canonical text: 'random-classes',
   * 'classes:0,1,9' or 'samples:12,40,7' (src-shared/model/plane-rule.ts).
   */
  rule: string;
  planes: PlaneSummary[];
  createdAt: number;
}

export interface SpanningImages {
  planeSetId: number;
  plane: number;
  width: number;
  height: number;
  /** Three images, pixel values in [0, 1], each width × height. */
  images: [Float32Array, Float32Array, Float32Array];
  labels: [number, number, number];
}

/** The engine's partition as flat arrays: what the api and the measure worker both carry. */
export interface PartitionArrays {
  regionCount: number;
  vertexOffsets: Uint32Array;
  vertices: Float64Array;
  areas: Float64Array;
  patternWords: number;
  patterns: Uint32Array;
  neuronCount: number;
  layerSizes: number[];
  regionsPerLayer: number[];
  domainArea: number;
  ms: number;
}

/**
 * The engine's partition, as it crosses the api: with its plane and where it came from,
 * and each region's predicted class (computed with it in the worker).
 */
export interface PartitionView extends PartitionArrays, RegionClasses {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  domain: Float64Array;
  points: Float64Array;
}

export interface BlanketView {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  phenomenon: string;
  cp: number;
  /** 1 where the region belongs to the minimal blanket, per region of the partition. */
  regions: Uint8Array;
  s: number;
  blanketArea: number;
  domainArea: number;
  constraints: number;
  coverage: number;
  /** The exact maximal pattern's blanket, when asked for (getBlankets with `exact`). */
  exact?: ExactBlanketView;
}

/** One cell of a blanket grid: a BlanketView without the plane it belongs to. */
export type BlanketEntry = Omit<BlanketView, 'checkpointId' | 'planeSetId' | 'plane'>;

/** Every phenomenon × cP blanket of one plane, phenomenon-major (`phenomena[i]`, `cps[j]` at `i × cps.length + j`). */
export interface BlanketGrid {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  phenomena: string[];
  cps: number[];
  blankets: BlanketEntry[];
}

export interface JobSummary {
  id: number;
  kind: JobKind;
  state: JobState;
  experimentId: number | null;
  modelId: number | null;
  label: string;
  progress: number;
  iteration: number;
  iterations: number;
  /**
   * Training loss: the cross-entropy of the last minibatch trained on (train jobs; null
   * before the first step and for measure jobs). Not the validation loss of ModelSummary.
   */
  loss: number | null;
  /** Last validation accuracy in [0, 1] (train jobs), null before the first evaluation. */
  accuracy: number | null;
  etaSeconds: number | null;
  backend: Backend | null;
  /** The training path of a train job, once chosen; null for measure jobs. */
  trainer: TrainerName | null;
  /** A finished training's measured ms per optimiser step (steps only; last phase). */
  msPerIteration: number | null;
  error: string | null;
  /**
   * Where the job ran (its last run): a remote worker's name (`mbh-lab worker --name`),
   * or 'local' for the lab's own worker threads; null before it first ran.
   */
  worker: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  attempts: number;
}

/**
 * A machine that trains the lab's jobs (the workers panel): the lab's own threads
 * ('local') and, on a hub with Redis, each live `mbh-lab worker` process.
 */
export interface WorkerSummary {
  name: string;
  host: string;
  cores: number;
  /** Runs it takes at once. */
  concurrency: number;
  /** The training path and backend of its latest run; null before its first. */
  trainer: TrainerName | null;
  backend: string | null;
  /** Its runs now, with their pace (steps per second; null until measured). */
  jobs: { jobId: number; iteration: number; iterations: number; stepsPerSecond: number | null }[];
}

/** One model's row in the compare view: everything the thesis figures plot. */
export interface CompareRow {
  modelId: number;
  name: string;
  experimentId: number | null;
  family: ArchitectureFamily;
  hidden: number[];
  hiddenNeurons: number;
  density: number;
  hnps: number;
  seed: number;
  datasetId: string;
  /** The HNP level the setup was made for (equal-HNP designs), null otherwise. */
  hnpLevel: number | null;
  pruning: PruningScheme;
  /** Setup key: models of one setup are grouped (mean with min/max bands). */
  setup: string;
  /** Validation accuracy and validation loss at the last evaluation. */
  accuracy: number | null;
  loss: number | null;
  /** Mean regions per plane and regions per unit area, last checkpoint. */
  regions: number | null;
  regionDensity: number | null;
  /** Mean s over planes and phenomena at each cP, last checkpoint. */
  sByCp: { cp: number; s: number }[];
  /** Over training: every checkpoint that has measurements or metrics. */
  training: {
    iteration: number;
    /** Validation accuracy and validation loss at this iteration. */
    accuracy: number | null;
    loss: number | null;
    /** Mean training minibatch loss since the previous evaluation point. */
    trainLoss: number | null;
    /** s at the headline cP (0.8, else the nearest measured). */
    s: number | null;
    /** s at every measured cP at this iteration. */
    sByCp: { cp: number; s: number }[];
    regions: number | null;
  }[];
}

export type ZooEntity =
  'project' | 'experiment' | 'model' | 'checkpoint' | 'planeSet' | 'dataset' | 'job';

export interface LabEvents {
  /** A job changed state or made progress. */
  job: JobSummary;
  /** Something in the zoo changed: views refresh what shows it. */
  zoo: { entity: ZooEntity; id: number | string; change: 'created' | 'updated' | 'deleted' };
  /** A running partition's regions so far (a few times a second while it runs). */
  partition: PartitionProgress;
}

export interface PartitionProgress {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  regions: number;
}
