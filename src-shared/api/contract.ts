/**
 * The one contract between the renderer and the lab service. Each method takes a single
 * params object, validated at the boundary by its schema here, and resolves to the result
 * type in `LabApi`. Both transports (Electron IPC, WebSocket) and the service itself are
 * written against this table, so a method exists in all of them or in none.
 */
import type {
  BlanketGrid,
  BlanketView,
  CompareRow,
  DatasetSummary,
  ExperimentPlan,
  ExperimentPreset,
  ExperimentSummary,
  JobSummary,
  WorkerSummary,
  LabInfo,
  MaskHeatmap,
  ModelDetail,
  ModelSummary,
  PartitionView,
  PlaneSetSummary,
  ProjectSummary,
  SpanningImages,
  SweepProgress,
} from './dto.ts';
import type {
  ExactComparisonRow,
  PatternCountsView,
  SetupStatistics,
  TreeView,
} from './analyses-dto.ts';
import type { CallContext } from './call.ts';
import { setLimitsSchema, type LabLimits } from './lab-limits.ts';
import { MAX_REGION_BUDGET } from '../mbh/budget.ts';
import { compareViewStateSchema, type CompareViewSummary } from './compare-view.ts';
import {
  array,
  boolean,
  id,
  integer,
  number,
  object,
  oneOf,
  optional,
  string,
  withDefault,
  type Infer,
  type Schema,
} from './validate.ts';
import { modelFileMethods, type ModelFileResults } from './model-files.ts';
import { hubSettingsMethods, type HubSettingsResults } from './hub-settings.ts';
import { exportTarget, fileSource, type SavedExport } from './file-source.ts';
import { name, notes, pruningSchema } from './limits.ts';
import { planeRuleSchema } from '../model/plane-rule.ts';

const density = () => number({ above: 0, max: 1 });
const cp = () => number({ above: 0, max: 1 });
const regionBudget = () => integer({ min: 1, max: MAX_REGION_BUDGET });
const scope = () =>
  withDefault(
    string({
      pattern: /^(last|all|layer:\d+)$/,
      patternHint: 'must be "last", "all" or "layer:<index>"',
    }),
    'last',
  ) as Schema<'last' | 'all' | `layer:${number}`>;

/** 'auto' (the faster path per network, by the lab's cost model), 'fused' or 'tfjs'. */
const trainer = () => optional(oneOf(['auto', 'fused', 'tfjs'] as const));

export const phenomenonSchema = object({
  name: name(),
  labels: array(integer({ min: 0, max: 1_000 }), { min: 1, unique: true }),
});

export const experimentSpecSchema = object({
  name: name(),
  family: oneOf(['lenet', 'deepfc', 'custom'] as const),
  hiddenNeurons: array(integer({ min: 1, max: 100_000 }), { min: 1, max: 64, unique: true }),
  customWidths: optional(
    array(array(integer({ min: 1, max: 100_000 }), { min: 1, max: 16 }), { min: 1 }),
  ),
  hnpLevels: optional(array(integer({ min: 1 }), { min: 1, max: 64, unique: true })),
  densities: optional(array(density(), { min: 1, max: 64, unique: true })),
  seeds: array(integer({ min: 0, max: 2 ** 31 - 1 }), { min: 1, max: 1_000, unique: true }),
  datasets: array(string({ min: 1, max: 100 }), { min: 1, max: 16, unique: true }),
  iterations: integer({ min: 1, max: 10_000_000 }),
  checkpoints: withDefault(oneOf(['default', 'all'] as const), 'default'),
  pruning: withDefault(pruningSchema, { kind: 'random' }),
  planeCount: withDefault(integer({ min: 1, max: 1_000 }), 10),
  planeSeed: withDefault(integer({ min: 0, max: 2 ** 31 - 1 }), 0),
  cps: withDefault(
    array(cp(), { min: 1, max: 64, unique: true }),
    [0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1],
  ),
  phenomena: optional(array(phenomenonSchema, { max: 1_000 })),
  scope: scope(),
  trainer: trainer(),
});

const none = object({});

/** Method name → params schema. Results are typed in `LabApi` below. */
export const methods = {
  info: none,

  listDatasets: none,
  importDataset: object({
    name: name(),
    format: oneOf(['csv', 'idx'] as const),
    /**
     * Each file: inline (CSV text, or for IDX base64; small files only), `{ upload: id }`
     * (the browser-mode server's upload endpoint) or `{ path }` (in-process callers).
     */
    csv: optional(fileSource()),
    images: optional(fileSource()),
    labels: optional(fileSource()),
    testShare: withDefault(number({ min: 0, max: 0.9 }), 0.2),
  }),
  /** Removes an imported dataset that no model uses (its plane sets go with it). */
  deleteDataset: object({ id: string({ min: 1, max: 100 }) }),

  /** The machines that train this lab's jobs: its own threads and any remote workers. */
  listWorkers: none,
  /** The lab's limits: region budget, worker heap, experiment size. */
  getLimits: none,
  /** Changes the region budget and/or the measure workers' heap limit (lab settings). */
  setLimits: setLimitsSchema,
  /** The Redis of remote workers (hub-settings.ts). */
  ...hubSettingsMethods,

  listProjects: none,
  createProject: object({ name: name(), description: withDefault(string({ max: 10_000 }), '') }),
  renameProject: object({ id: id(), name: name() }),
  setProjectNotes: object({ id: id(), notes: notes() }),
  deleteProject: object({ id: id() }),
  exportProject: object({ id: id() }),
  /** The bundle inline (small), `{ upload: id }` or `{ path }` (see file-source.ts). */
  importProject: object({ json: fileSource(1) }),

  listPresets: none,
  /**
   * `wait` (default true): calibrate this machine first if it never was (a minute at
   * most); with false, answer at once from what is known (`calibrated` says which) and
   * calibrate in the background — the designer's live preview.
   */
  planExperiment: object({ spec: experimentSpecSchema, wait: withDefault(boolean(), true) }),
  createExperiment: object({
    projectId: id(),
    spec: experimentSpecSchema,
    launch: withDefault(boolean(), true),
  }),
  listExperiments: object({ projectId: optional(id()) }),
  renameExperiment: object({ id: id(), name: name() }),
  deleteExperiment: object({ id: id() }),

  listModels: object({
    projectId: optional(id()),
    experimentId: optional(id()),
    search: optional(string({ max: 200 })),
    tag: optional(string({ max: 100 })),
  }),
  getModel: object({ id: id() }),
  renameModel: object({ id: id(), name: name() }),
  setModelNotes: object({ id: id(), notes: notes() }),
  setModelTags: object({
    id: id(),
    tags: array(string({ min: 1, max: 100 }), { max: 100, unique: true }),
  }),
  deleteModel: object({ id: id() }),
  exportModel: object({ id: id(), iteration: optional(integer({ min: 0 })) }),
  /**
   * A project bundle, model bundle or (with `iteration`) one checkpoint's Model JSON written
   * by the lab to a file: a download of the browser-mode server, or `{ path }` (in-process
   * callers: Electron's save dialog, the command line). Nothing large crosses the transport.
   */
  exportToFile: object({
    /** A project bundle, a model bundle or checkpoint, or an experiment's HTML report (id: the experiment). */
    what: oneOf(['project', 'model', 'report'] as const),
    id: id(),
    iteration: optional(integer({ min: 0 })),
    to: exportTarget(),
  }),
  ...modelFileMethods,
  importModel: object({
    projectId: id(),
    /** The file inline (small), `{ upload: id }` or `{ path }` (see file-source.ts). */
    json: fileSource(1),
    name: optional(name()),
    /** For a plain model JSON: the dataset it was trained on (guessed from its shape if absent). */
    datasetId: optional(string({ min: 1, max: 100 })),
  }),
  getMaskHeatmap: object({ modelId: id() }),
  /** Trains one model outside any experiment (the CLI's `train`); no measure job follows. */
  trainModel: object({
    projectId: id(),
    family: oneOf(['lenet', 'deepfc', 'custom'] as const),
    hidden: array(integer({ min: 1, max: 100_000 }), { min: 1, max: 16 }),
    density: withDefault(density(), 1),
    seed: withDefault(integer({ min: 0, max: 2 ** 31 - 1 }), 0),
    datasetId: string({ min: 1, max: 100 }),
    iterations: integer({ min: 1, max: 10_000_000 }),
    checkpoints: withDefault(oneOf(['default', 'all'] as const), 'default'),
    pruning: withDefault(pruningSchema, { kind: 'random' }),
    name: optional(name()),
    trainer: trainer(),
  }),

  listPlaneSets: object({ datasetId: optional(string({ min: 1 })) }),
  createPlaneSet: object({
    datasetId: string({ min: 1 }),
    count: integer({ min: 1, max: 1_000 }),
    seed: integer({ min: 0, max: 2 ** 31 - 1 }),
    clip: withDefault(boolean(), false),
    /** How the spanning points are chosen (read to canonical text); random classes if absent. */
    rule: optional(planeRuleSchema()),
  }),
  getSpanningImages: object({ planeSetId: id(), plane: integer({ min: 0 }) }),
  getPartition: object({
    checkpointId: id(),
    planeSetId: id(),
    plane: integer({ min: 0 }),
    /**
     * The viewer's slot this partition is for ("a", "b"): a newer call of the same client
     * for the same view cancels this one.
     */
    view: optional(string({ min: 1, max: 100 })),
    /** The region budget of this call (default: the lab's setting). */
    maxRegions: optional(regionBudget()),
  }),
  getBlanket: object({
    checkpointId: id(),
    planeSetId: id(),
    plane: integer({ min: 0 }),
    phenomenon: string({ min: 1, max: 200 }),
    cp: cp(),
    scope: scope(),
    maxRegions: optional(regionBudget()),
  }),
  /** Every phenomenon × cP blanket of one plane in one worker pass (the plane viewer's grid). */
  getBlankets: object({
    checkpointId: id(),
    planeSetId: id(),
    plane: integer({ min: 0 }),
    /** Default: the model's phenomena (its experiment's, else one per class). */
    phenomena: optional(array(string({ min: 1, max: 200 }), { min: 1, max: 1_000, unique: true })),
    cps: array(cp(), { min: 1, max: 100, unique: true }),
    /** Also the exact maximal patterns' blankets (solved once per checkpoint and stored). */
    exact: optional(boolean()),
    scope: scope(),
    maxRegions: optional(regionBudget()),
  }),
  measureModel: object({
    modelId: id(),
    planeSetId: id(),
    allCheckpoints: withDefault(boolean(), false),
    /** Also the exact maximal patterns (appendix C.1), each solved once and stored. */
    exact: optional(boolean()),
    /** Seconds per solver pass of each exact pattern (default 5). */
    exactTimeLimit: optional(number({ above: 0, max: 3600 })),
  }),

  listJobs: object({
    experimentId: optional(id()),
    state: optional(oneOf(['queued', 'running', 'paused', 'done', 'failed', 'cancelled'] as const)),
  }),
  pauseJob: object({ id: id() }),
  resumeJob: object({ id: id() }),
  cancelJob: object({ id: id() }),
  retryJob: object({ id: id() }),
  /** One action on many jobs in one transaction; jobs it does not apply to are skipped. */
  bulkJobs: object({
    action: oneOf(['pause', 'resume', 'cancel', 'retry'] as const),
    ids: array(id(), { min: 1, max: 100_000, unique: true }),
  }),
  /** Progress and ETA of all jobs, or of one experiment's (the dashboard's sweep line). */
  sweepProgress: object({ experimentId: optional(id()) }),

  compare: object({
    projectId: optional(id()),
    experimentIds: optional(array(id(), { max: 1_000 })),
    modelIds: optional(array(id(), { max: 100_000 })),
    planeSetId: optional(id()),
  }),

  /** Greedy against exact s over cP per model (last checkpoint). */
  exactComparison: object({
    modelIds: array(id(), { min: 1, max: 1_000 }),
    planeSetId: optional(id()),
  }),
  /** Unique network and layer patterns of a checkpoint on a split (appendix E). */
  analysePatterns: object({
    modelId: id(),
    /** Default: the last checkpoint; 0 is the initialisation. */
    iteration: optional(integer({ min: 0 })),
    split: withDefault(oneOf(['test', 'train'] as const), 'test'),
  }),
  /** A decision tree on one hidden layer's patterns (appendix D). */
  analyseTree: object({
    modelId: id(),
    iteration: optional(integer({ min: 0 })),
    split: withDefault(oneOf(['test', 'train'] as const), 'test'),
    scope: withDefault(
      string({
        pattern: /^(last|layer:\d+)$/,
        patternHint: 'must be "last" or "layer:<index>"',
      }),
      'last',
    ),
  }),
  /** An experiment's report: one self-contained HTML file (spec, environment, figures, CIs). */
  buildReport: object({ experimentId: id(), planeSetId: optional(id()) }),
  /** Bootstrap intervals of setups (and a paired comparison of the first two). */
  setupStatistics: object({
    setups: array(array(id(), { min: 1, max: 10_000, unique: true }), { min: 1, max: 2 }),
    planeSetId: optional(id()),
    cp: withDefault(cp(), 0.8),
    resamples: withDefault(integer({ min: 100, max: 1_000_000 }), 10_000),
    seed: withDefault(integer({ min: 0, max: 2 ** 31 - 1 }), 0),
  }),

  listCompareViews: object({ projectId: id() }),
  saveCompareView: object({
    projectId: id(),
    name: name(),
    state: compareViewStateSchema,
    makeDefault: withDefault(boolean(), false),
  }),
  /** Without `id`, the project has no default view. */
  setDefaultCompareView: object({ projectId: id(), id: optional(id()) }),
  deleteCompareView: object({ id: id() }),
  /** Imports the demo project shipped with the lab (a new copy each time). */
  openDemoProject: none,
} satisfies Record<string, Schema<unknown>>;

export type MethodName = keyof typeof methods;
export type Params<M extends MethodName> = Infer<(typeof methods)[M]>;

export interface ExportedFile {
  fileName: string;
  /** JSON text. */
  content: string;
}

/** What each method resolves to. */
export interface Results extends ModelFileResults, HubSettingsResults {
  info: LabInfo;
  listDatasets: DatasetSummary[];
  importDataset: DatasetSummary;
  deleteDataset: { deleted: true };
  listWorkers: WorkerSummary[];
  getLimits: LabLimits;
  setLimits: LabLimits;
  listProjects: ProjectSummary[];
  createProject: ProjectSummary;
  renameProject: ProjectSummary;
  setProjectNotes: ProjectSummary;
  deleteProject: { deleted: true };
  exportProject: ExportedFile;
  importProject: ProjectSummary;
  listPresets: ExperimentPreset[];
  planExperiment: ExperimentPlan;
  createExperiment: { experiment: ExperimentSummary; jobs: JobSummary[] };
  listExperiments: ExperimentSummary[];
  renameExperiment: ExperimentSummary;
  deleteExperiment: { deleted: true };
  listModels: ModelSummary[];
  getModel: ModelDetail;
  renameModel: ModelSummary;
  setModelNotes: ModelSummary;
  setModelTags: ModelSummary;
  deleteModel: { deleted: true };
  exportModel: ExportedFile;
  exportToFile: SavedExport;
  importModel: ModelSummary;
  getMaskHeatmap: MaskHeatmap;
  trainModel: { model: ModelSummary; job: JobSummary };
  listPlaneSets: PlaneSetSummary[];
  createPlaneSet: PlaneSetSummary;
  getSpanningImages: SpanningImages;
  getPartition: PartitionView;
  getBlanket: BlanketView;
  getBlankets: BlanketGrid;
  measureModel: JobSummary[];
  listJobs: JobSummary[];
  pauseJob: JobSummary;
  resumeJob: JobSummary;
  cancelJob: JobSummary;
  retryJob: JobSummary;
  bulkJobs: {
    action: 'pause' | 'resume' | 'cancel' | 'retry';
    applied: JobSummary[];
    skipped: number;
  };
  sweepProgress: SweepProgress;
  compare: CompareRow[];
  exactComparison: ExactComparisonRow[];
  analysePatterns: PatternCountsView;
  analyseTree: TreeView;
  setupStatistics: SetupStatistics;
  buildReport: ExportedFile;
  listCompareViews: CompareViewSummary[];
  saveCompareView: CompareViewSummary;
  setDefaultCompareView: CompareViewSummary[];
  deleteCompareView: CompareViewSummary;
  openDemoProject: ProjectSummary;
}

/**
 * The api as code calls it: the lab service implements it, both clients expose it. The
 * optional context cancels a call (its signal) and, on the lab's side, names the client.
 */
export type LabApi = {
  [M in MethodName]: (params: Params<M>, context?: CallContext) => Promise<Results[M]>;
};

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(methods, value);
}

/** Validates a call's params; throws ValidationError naming the field (`params.name: …`). */
export function parseParams<M extends MethodName>(method: M, params: unknown): Params<M> {
  return methods[method].parse(params ?? {}, 'params') as Params<M>;
}

/** An error as it crosses a transport: plain data, rebuilt into an Error on the other side. */
export interface ApiErrorData {
  name: string;
  message: string;
  /** The field at fault, for messages shown next to a form field. */
  path?: string;
}
