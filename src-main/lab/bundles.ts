/**
 * Model and project bundles: a model with all its checkpoints (each as the model JSON of
 * DESIGN §4) and metrics, or a project with its experiments, models, the plane sets they
 * use and their measurements and region counts. Imports are validated completely before
 * anything is written, then written in one transaction.
 */
import {
  array,
  boolean,
  integer,
  literal,
  number,
  object,
  oneOf,
  optional,
  quote,
  string,
  unknownValue,
  ValidationError,
  withDefault,
  type Schema,
} from '../../src-shared/api/validate.ts';
import { experimentSpecSchema } from '../../src-shared/api/contract.ts';
import {
  datasetId,
  layerWidth,
  LIMITS,
  name,
  notes,
  pruningSchema,
  seed,
  tag,
} from '../../src-shared/api/limits.ts';
import type { ExperimentSpec, PruningScheme, TrainerName } from '../../src-shared/api/dto.ts';
import {
  networkToModelJson,
  parseModelJson,
  type ModelJson,
} from '../../src-shared/model/format.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { networkWidths, packNetwork, unpackNetwork } from '../zoo/checkpoints.ts';
import type { NewMeasurement, NewRegionCount } from '../zoo/measurements.ts';
import type { PlaneSetKey, StoredPlane } from '../zoo/planes.ts';
import {
  DEFAULT_PLANE_RULE_TEXT,
  parsePlaneRuleText,
  planeRuleSchema,
  planeRuleWords,
  type PlaneRule,
} from '../../src-shared/model/plane-rule.ts';
import type { StoredModel } from '../zoo/models.ts';
import type { Zoo } from '../zoo/zoo.ts';

export interface ModelMetadata {
  name: string;
  family: 'lenet' | 'deepfc' | 'custom';
  hidden: number[];
  inputDim: number;
  classCount: number;
  density: number;
  hnps: number;
  hnpLevel: number | null;
  seed: number;
  pruning: PruningScheme;
  datasetId: string;
  /** What trained it: a tfjs backend, or 'js' (the fused path's kernels). */
  backend: 'tensorflow' | 'wasm' | 'cpu' | 'js' | null;
  /** The training path that trained it (absent in bundles written before there were two). */
  trainer?: TrainerName | null;
  iterations: number;
  notes: string;
  tags: string[];
  createdAt: number;
}

export interface ModelBundle {
  format: 'mbh-model-bundle';
  version: 1;
  model: ModelMetadata;
  checkpoints: { iteration: number; model: ModelJson }[];
  metrics: { iteration: number; accuracy: number; loss: number; trainLoss?: number }[];
}

/** A plane set; `ref` is its id in the zoo it came from. Vectors: base64 of little-endian Float64. */
export interface PlaneSetBundle {
  ref: number;
  datasetId: string;
  seed: number;
  count: number;
  clip: boolean;
  /** How the spanning points were chosen, canonical text; absent in older bundles: random classes. */
  rule?: string;
  createdAt: number;
  planes: {
    index: number;
    sampleIndices: [number, number, number];
    labels: [number, number, number];
    origin: string;
    u: string;
    v: string;
    domain: string;
    points: string;
  }[];
}

export type MeasurementEntry = Omit<NewMeasurement, 'checkpointId' | 'planeSetId'> & {
  iteration: number;
  planeSetRef: number;
};

export type RegionCountEntry = Omit<NewRegionCount, 'checkpointId' | 'planeSetId'> & {
  iteration: number;
  planeSetRef: number;
};

export interface ProjectBundle {
  format: 'mbh-project-bundle';
  version: 1;
  project: { name: string; description: string; notes: string; createdAt: number };
  /** The plane sets the experiments and the models' results use (absent in older bundles). */
  planeSets: PlaneSetBundle[];
  experiments: {
    ref: number;
    spec: ExperimentSpec;
    createdAt: number;
    planeSetRef: number | null;
  }[];
  models: {
    experimentRef: number | null;
    bundle: ModelBundle;
    measurements: MeasurementEntry[];
    regionCounts: RegionCountEntry[];
  }[];
}

const nullable = <T>(inner: Schema<T>): Schema<T | null> => ({
  optional: true,
  parse: (value, path) => (value === null || value === undefined ? null : inner.parse(value, path)),
});

/** Like nullable, but an absent field stays absent (a bundle older than the field). */
const absentOrNullable = <T>(inner: Schema<T>): Schema<T | null | undefined> => ({
  optional: true,
  parse: (value, path) =>
    value === undefined ? undefined : value === null ? null : inner.parse(value, path),
});

// The api's limits and pruning schema (limits.ts): a bundle holds what the api allows.
const metadataSchema = object({
  name: name(),
  family: oneOf(['lenet', 'deepfc', 'custom'] as const),
  hidden: array(layerWidth(), { min: 1, max: LIMITS.hiddenLayers }),
  inputDim: integer({ min: 1 }),
  classCount: integer({ min: 1 }),
  density: number({ above: 0, max: 1 }),
  hnps: integer({ min: 0 }),
  hnpLevel: nullable(integer({ min: 1 })),
  seed: seed(),
  pruning: pruningSchema,
  datasetId: datasetId(),
  backend: nullable(oneOf(['tensorflow', 'wasm', 'cpu', 'js'] as const)),
  trainer: absentOrNullable(oneOf(['tfjs', 'fused'] as const)),
  iterations: integer({ min: 0, max: LIMITS.iterations }),
  notes: notes(),
  tags: array(tag(), { max: LIMITS.tagsPerModel, unique: true }),
  createdAt: integer({ min: 0 }),
});

const metricSchema = object({
  iteration: integer({ min: 0 }),
  accuracy: number({ min: 0, max: 1 }),
  loss: number(),
  /** Mean training minibatch loss since the previous point; absent in older bundles. */
  trainLoss: optional(number({ min: 0 })),
});

const modelBundleSchema = object({
  format: literal('mbh-model-bundle'),
  version: literal(1),
  model: metadataSchema,
  checkpoints: array(object({ iteration: integer({ min: 0 }), model: unknownValue() }), {
    min: 1,
    unique: false,
  }),
  metrics: array(metricSchema),
});

const ROWS = { max: 50_000_000 };
const triple = array(integer({ min: 0 }), { min: 3, max: 3 });

const planeSetSchema = object({
  ref: integer({ min: 0 }),
  datasetId: string({ min: 1, max: 100 }),
  seed: integer({ min: 0 }),
  count: integer({ min: 1 }),
  clip: boolean(),
  rule: withDefault(planeRuleSchema(), DEFAULT_PLANE_RULE_TEXT),
  createdAt: integer({ min: 0 }),
  planes: array(
    object({
      index: integer({ min: 0 }),
      sampleIndices: triple,
      labels: triple,
      origin: string({ min: 1, max: 1_000_000_000, trim: false }),
      u: string({ min: 1, max: 1_000_000_000, trim: false }),
      v: string({ min: 1, max: 1_000_000_000, trim: false }),
      domain: string({ min: 1, max: 1_000_000, trim: false }),
      points: string({ min: 1, max: 1_000, trim: false }),
    }),
    { min: 1 },
  ),
});

const measurementSchema = object({
  iteration: integer({ min: 0 }),
  planeSetRef: integer({ min: 0 }),
  plane: integer({ min: 0 }),
  phenomenon: string({ min: 1, max: 200, trim: false }),
  cp: number({ above: 0, max: 1 }),
  scope: string({ min: 1, max: 100, trim: false }),
  s: number({ max: 1 }),
  blanketArea: number({ min: 0 }),
  domainArea: number({ min: 0 }),
  constraints: integer({ min: 0 }),
  coverage: number({ min: 0, max: 1 }),
});

const regionCountSchema = object({
  iteration: integer({ min: 0 }),
  planeSetRef: integer({ min: 0 }),
  plane: integer({ min: 0 }),
  regions: integer({ min: 0 }),
  domainArea: number({ min: 0 }),
  ms: number({ min: 0 }),
});

const projectBundleSchema = object({
  format: literal('mbh-project-bundle'),
  version: literal(1),
  project: object({
    name: name(),
    description: string({ max: LIMITS.descriptionCharacters }),
    notes: notes(),
    createdAt: integer({ min: 0 }),
  }),
  planeSets: withDefault(array(planeSetSchema), []),
  experiments: array(
    object({
      ref: integer({ min: 0 }),
      spec: experimentSpecSchema,
      createdAt: integer({ min: 0 }),
      planeSetRef: nullable(integer({ min: 0 })),
    }),
  ),
  models: array(
    object({
      experimentRef: nullable(integer({ min: 0 })),
      bundle: unknownValue(),
      measurements: withDefault(array(measurementSchema, ROWS), []),
      regionCounts: withDefault(array(regionCountSchema, ROWS), []),
    }),
  ),
});

/** A checked model bundle, its checkpoints already parsed into networks. */
export interface ParsedModelBundle {
  metadata: ModelMetadata;
  checkpoints: { iteration: number; network: Network }[];
  metrics: { iteration: number; accuracy: number; loss: number; trainLoss?: number }[];
}

function modelNetwork(zoo: Zoo, model: StoredModel, iteration: number): Network {
  const checkpoint = zoo.checkpoints.atIteration(model.id, iteration);
  if (!checkpoint)
    throw new RangeError(`model ${model.id} has no checkpoint at iteration ${iteration}`);
  return unpackNetwork([model.inputDim, ...model.hidden, model.classCount], checkpoint);
}

/**
 * The path of a model from a bundle without one: its backend tells ('js' is the fused
 * path's kernels; a tfjs backend, TensorFlow.js — the only path before there were two).
 */
function trainerOfBackend(backend: ModelMetadata['backend']): TrainerName | null {
  if (backend === null) return null;
  return backend === 'js' ? 'fused' : 'tfjs';
}

export function modelMetadata(model: StoredModel): ModelMetadata {
  return {
    name: model.name,
    family: model.family,
    hidden: model.hidden,
    inputDim: model.inputDim,
    classCount: model.classCount,
    density: model.density,
    hnps: model.hnps,
    hnpLevel: model.hnpLevel,
    seed: model.seed,
    pruning: model.pruning,
    datasetId: model.datasetId,
    backend: model.backend,
    trainer: model.trainer,
    iterations: model.iterations,
    notes: model.notes,
    tags: model.tags,
    createdAt: model.createdAt,
  };
}

/**
 * One checkpoint as model JSON (the last when `iteration` is absent), with `inputBox` (the
 * box of the model's dataset, DESIGN §4) when given, so `partition --clip` needs no --box.
 */
export function exportModelJson(
  zoo: Zoo,
  modelId: number,
  iteration?: number,
  inputBox?: { low: number; high: number },
): ModelJson {
  const model = zoo.models.get(modelId);
  const at = iteration ?? zoo.checkpoints.latest(modelId)?.iteration;
  if (at === undefined) throw new RangeError(`model ${modelId} has no checkpoint yet`);
  const network = modelNetwork(zoo, model, at);
  return networkToModelJson(
    inputBox ? { ...network, inputBox: { low: inputBox.low, high: inputBox.high } } : network,
  );
}

export function exportModelBundle(zoo: Zoo, modelId: number): ModelBundle {
  const model = zoo.models.get(modelId);
  const widths = [model.inputDim, ...model.hidden, model.classCount];
  return {
    format: 'mbh-model-bundle',
    version: 1,
    model: modelMetadata(model),
    checkpoints: zoo.checkpoints.all(modelId).map((checkpoint) => ({
      iteration: checkpoint.iteration,
      model: networkToModelJson(unpackNetwork(widths, checkpoint)),
    })),
    // A point without a training loss leaves the field out, as bundles before it did.
    metrics: zoo.checkpoints
      .metrics(modelId)
      .map(({ trainLoss, ...point }) =>
        trainLoss === null || trainLoss === undefined ? point : { ...point, trainLoss },
      ),
  };
}

/** Validates a model bundle completely (metadata, every checkpoint's model JSON, shapes). */
export function parseModelBundle(value: unknown, path = 'bundle'): ParsedModelBundle {
  const bundle = modelBundleSchema.parse(value, path);
  const metadata = bundle.model as ModelMetadata;
  const widths = [metadata.inputDim, ...metadata.hidden, metadata.classCount].join(',');
  const seen = new Set<number>();
  const checkpoints = bundle.checkpoints.map((entry, index) => {
    const place = `${path}.checkpoints[${index}]`;
    if (seen.has(entry.iteration)) {
      throw new ValidationError(`${place}.iteration`, `repeats iteration ${entry.iteration}`);
    }
    seen.add(entry.iteration);
    let network: Network;
    try {
      network = parseModelJson(entry.model);
    } catch (error) {
      throw new ValidationError(`${place}.model`, (error as Error).message);
    }
    const actual = networkWidths(network).join(',');
    if (actual !== widths) {
      throw new ValidationError(
        `${place}.model`,
        `has layer widths ${actual}, the model's metadata says ${widths}`,
      );
    }
    return { iteration: entry.iteration, network };
  });
  return { metadata, checkpoints, metrics: bundle.metrics };
}

/** Writes a parsed model bundle; call inside a transaction. Returns the new model's id. */
export function storeModelBundle(
  zoo: Zoo,
  parsed: ParsedModelBundle,
  projectId: number,
  experimentId: number | null,
  name?: string,
): number {
  const { metadata } = parsed;
  const modelId = zoo.models.create({
    projectId,
    experimentId,
    name: name ?? metadata.name,
    family: metadata.family,
    hidden: metadata.hidden,
    inputDim: metadata.inputDim,
    classCount: metadata.classCount,
    density: metadata.density,
    hnps: metadata.hnps,
    hnpLevel: metadata.hnpLevel,
    seed: metadata.seed,
    pruning: metadata.pruning,
    datasetId: metadata.datasetId,
    backend: metadata.backend,
    trainer: metadata.trainer === undefined ? trainerOfBackend(metadata.backend) : metadata.trainer,
    iterations: metadata.iterations,
    notes: metadata.notes,
    createdAt: metadata.createdAt,
  });
  for (const checkpoint of parsed.checkpoints) {
    zoo.checkpoints.put(modelId, checkpoint.iteration, packNetwork(checkpoint.network));
  }
  for (const metric of parsed.metrics) zoo.checkpoints.putMetric(modelId, metric);
  if (metadata.tags.length > 0) zoo.models.setTags(modelId, metadata.tags);
  return modelId;
}

/** Base64 of a Float64Array's bytes (little-endian on every platform the lab runs on). */
function float64Text(array: Float64Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

function float64FromText(text: string, path: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text)
    throw new ValidationError(path, 'must be base64 (the bytes of little-endian Float64 values)');
  if (bytes.length % 8 !== 0)
    throw new ValidationError(path, `holds ${bytes.length} bytes, not a whole number of Float64`);
  const values = new Float64Array(bytes.length / 8);
  new Uint8Array(values.buffer).set(bytes);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new ValidationError(path, `value ${i} is ${values[i]}, not a finite number`);
  }
  return values;
}

function exportPlaneSet(zoo: Zoo, id: number): PlaneSetBundle {
  const set = zoo.planeSets.get(id);
  return {
    ref: set.id,
    datasetId: set.datasetId,
    seed: set.seed,
    count: set.planes.length,
    clip: set.clip,
    rule: set.rule,
    createdAt: set.createdAt,
    planes: set.planes.map((plane) => ({
      index: plane.index,
      sampleIndices: [...plane.sampleIndices] as [number, number, number],
      labels: [...plane.labels] as [number, number, number],
      origin: float64Text(plane.origin),
      u: float64Text(plane.u),
      v: float64Text(plane.v),
      domain: float64Text(plane.domain),
      points: float64Text(plane.points),
    })),
  };
}

export function exportProjectBundle(zoo: Zoo, projectId: number): ProjectBundle {
  const project = zoo.projects.get(projectId);
  const experiments = zoo.experiments.list(projectId);
  const planeSetIds = new Set<number>();
  for (const experiment of experiments)
    if (experiment.planeSetId !== null) planeSetIds.add(experiment.planeSetId);
  const models = zoo.models.list({ projectId }).map((model) => {
    const measurements = zoo.measurements.exportRows(model.id).map(({ planeSetId, ...row }) => {
      planeSetIds.add(planeSetId);
      return { ...row, planeSetRef: planeSetId };
    });
    const regionCounts = zoo.measurements
      .exportRegionCounts(model.id)
      .map(({ planeSetId, ...row }) => {
        planeSetIds.add(planeSetId);
        return { ...row, planeSetRef: planeSetId };
      });
    return {
      experimentRef: model.experimentId,
      bundle: exportModelBundle(zoo, model.id),
      measurements,
      regionCounts,
    };
  });
  return {
    format: 'mbh-project-bundle',
    version: 1,
    project: {
      name: project.name,
      description: project.description,
      notes: project.notes,
      createdAt: project.createdAt,
    },
    planeSets: [...planeSetIds].sort((a, b) => a - b).map((id) => exportPlaneSet(zoo, id)),
    experiments: experiments.map((experiment) => ({
      ref: experiment.id,
      spec: experiment.spec,
      createdAt: experiment.createdAt,
      planeSetRef: experiment.planeSetId,
    })),
    models,
  };
}

export interface ParsedPlaneSet {
  ref: number;
  key: PlaneSetKey;
  createdAt: number;
  planes: StoredPlane[];
}

export interface ParsedProjectBundle {
  project: ProjectBundle['project'];
  planeSets: ParsedPlaneSet[];
  experiments: {
    ref: number;
    spec: ExperimentSpec;
    createdAt: number;
    planeSetRef: number | null;
  }[];
  models: {
    experimentRef: number | null;
    parsed: ParsedModelBundle;
    measurements: MeasurementEntry[];
    regionCounts: RegionCountEntry[];
  }[];
}

function parsePlaneSet(set: ReturnType<typeof planeSetSchema.parse>, path: string): ParsedPlaneSet {
  if (set.planes.length !== set.count) {
    throw new ValidationError(
      `${path}.planes`,
      `has ${set.planes.length} planes, count says ${set.count}`,
    );
  }
  const planes: StoredPlane[] = new Array<StoredPlane>(set.count);
  let dimension = -1;
  set.planes.forEach((plane, index) => {
    const place = `${path}.planes[${index}]`;
    if (plane.index >= set.count || planes[plane.index] !== undefined) {
      throw new ValidationError(
        `${place}.index`,
        `must be a distinct index in [0, ${set.count}), got ${plane.index}`,
      );
    }
    const origin = float64FromText(plane.origin, `${place}.origin`);
    const u = float64FromText(plane.u, `${place}.u`);
    const v = float64FromText(plane.v, `${place}.v`);
    const domain = float64FromText(plane.domain, `${place}.domain`);
    const points = float64FromText(plane.points, `${place}.points`);
    if (dimension === -1) dimension = origin.length;
    for (const [name, vector] of [
      ['origin', origin],
      ['u', u],
      ['v', v],
    ] as const) {
      if (vector.length !== dimension || dimension === 0) {
        throw new ValidationError(
          `${place}.${name}`,
          `has ${vector.length} values, the plane set's input dimension is ${dimension}`,
        );
      }
    }
    if (domain.length < 6 || domain.length % 2 !== 0) {
      throw new ValidationError(
        `${place}.domain`,
        `must be a polygon of at least 3 (x, y) vertices, got ${domain.length} values`,
      );
    }
    if (points.length !== 6)
      throw new ValidationError(
        `${place}.points`,
        `must hold 3 (x, y) points, got ${points.length} values`,
      );
    planes[plane.index] = {
      index: plane.index,
      sampleIndices: plane.sampleIndices as [number, number, number],
      labels: plane.labels as [number, number, number],
      origin,
      u,
      v,
      domain,
      points,
    };
  });
  checkPlanesFollowRule(parsePlaneRuleText(set.rule), planes, `${path}.rule`);
  return {
    ref: set.ref,
    key: {
      datasetId: set.datasetId,
      count: set.count,
      seed: set.seed,
      clip: set.clip,
      rule: set.rule,
    },
    createdAt: set.createdAt,
    planes,
  };
}

/**
 * A bundle's planes must be what its rule says: spanned by the given classes in their
 * order, or by exactly the given samples (one plane); else the rule stored with them lies.
 */
function checkPlanesFollowRule(rule: PlaneRule, planes: StoredPlane[], path: string): void {
  if (rule.kind === 'random-classes') return;
  if (rule.kind === 'samples' && planes.length !== 1) {
    throw new ValidationError(path, `given samples span one plane, the set has ${planes.length}`);
  }
  for (const plane of planes) {
    const [field, expected] =
      rule.kind === 'classes'
        ? (['labels', rule.classes] as const)
        : (['sampleIndices', rule.samples] as const);
    if (plane[field].some((value, k) => value !== expected[k])) {
      throw new ValidationError(
        path,
        `says ${planeRuleWords(rule)}, but plane ${plane.index} has ${field} ${plane[field].join(', ')}`,
      );
    }
  }
}

/**
 * Checks a model's measurements and region counts against its checkpoints and the
 * bundle's plane sets (dataset, input dimension, plane index) and for repeated keys.
 */
function checkResults(
  model: ParsedModelBundle,
  entries: { measurements: MeasurementEntry[]; regionCounts: RegionCountEntry[] },
  planeSets: Map<number, ParsedPlaneSet>,
  path: string,
): void {
  const iterations = new Set(model.checkpoints.map((checkpoint) => checkpoint.iteration));
  const checkRow = (row: MeasurementEntry | RegionCountEntry, place: string): void => {
    if (!iterations.has(row.iteration))
      throw new ValidationError(
        `${place}.iteration`,
        `names no checkpoint of the model (${row.iteration})`,
      );
    const set = planeSets.get(row.planeSetRef);
    if (!set)
      throw new ValidationError(
        `${place}.planeSetRef`,
        `names no plane set of the bundle (${row.planeSetRef})`,
      );
    if (set.key.datasetId !== model.metadata.datasetId) {
      throw new ValidationError(
        `${place}.planeSetRef`,
        `plane set ${row.planeSetRef} is on dataset ${set.key.datasetId}, the model on ${model.metadata.datasetId}`,
      );
    }
    if (set.planes[0].origin.length !== model.metadata.inputDim) {
      throw new ValidationError(
        `${place}.planeSetRef`,
        `plane set ${row.planeSetRef} has ${set.planes[0].origin.length} inputs, the model ${model.metadata.inputDim}`,
      );
    }
    if (row.plane >= set.key.count)
      throw new ValidationError(
        `${place}.plane`,
        `must be below ${set.key.count}, got ${row.plane}`,
      );
  };
  const seen = new Set<string>();
  entries.measurements.forEach((row, index) => {
    const place = `${path}.measurements[${index}]`;
    checkRow(row, place);
    const key = JSON.stringify([
      row.iteration,
      row.planeSetRef,
      row.plane,
      row.phenomenon,
      row.cp,
      row.scope,
    ]);
    if (seen.has(key)) throw new ValidationError(place, `repeats the measurement ${key}`);
    seen.add(key);
  });
  seen.clear();
  entries.regionCounts.forEach((row, index) => {
    const place = `${path}.regionCounts[${index}]`;
    checkRow(row, place);
    const key = JSON.stringify([row.iteration, row.planeSetRef, row.plane]);
    if (seen.has(key)) throw new ValidationError(place, `repeats the region count ${key}`);
    seen.add(key);
  });
}

export function parseProjectBundle(value: unknown): ParsedProjectBundle {
  const bundle = projectBundleSchema.parse(value, 'project');
  const planeSets = new Map<number, ParsedPlaneSet>();
  const planeSetKeys = new Set<string>();
  bundle.planeSets.forEach((set, index) => {
    const path = `project.planeSets[${index}]`;
    if (planeSets.has(set.ref)) throw new ValidationError(`${path}.ref`, `repeats ${set.ref}`);
    const parsed = parsePlaneSet(set, path);
    const key = JSON.stringify(parsed.key);
    if (planeSetKeys.has(key)) throw new ValidationError(path, `repeats the plane set ${key}`);
    planeSetKeys.add(key);
    planeSets.set(set.ref, parsed);
  });
  const refs = new Set<number>();
  bundle.experiments.forEach((experiment, index) => {
    if (refs.has(experiment.ref)) {
      throw new ValidationError(`project.experiments[${index}].ref`, `repeats ${experiment.ref}`);
    }
    refs.add(experiment.ref);
    if (experiment.planeSetRef != null && !planeSets.has(experiment.planeSetRef)) {
      throw new ValidationError(
        `project.experiments[${index}].planeSetRef`,
        `names no plane set of the bundle (${experiment.planeSetRef})`,
      );
    }
  });
  const models = bundle.models.map((entry, index) => {
    const path = `project.models[${index}]`;
    if (entry.experimentRef !== null && !refs.has(entry.experimentRef)) {
      throw new ValidationError(
        `${path}.experimentRef`,
        `names no experiment of the bundle (${entry.experimentRef})`,
      );
    }
    const parsed = parseModelBundle(entry.bundle, `${path}.bundle`);
    const results = {
      measurements: entry.measurements as MeasurementEntry[],
      regionCounts: entry.regionCounts as RegionCountEntry[],
    };
    checkResults(parsed, results, planeSets, path);
    return { experimentRef: entry.experimentRef, parsed, ...results };
  });
  return {
    project: bundle.project,
    planeSets: [...planeSets.values()],
    experiments: bundle.experiments.map((experiment) => ({
      ref: experiment.ref,
      spec: experiment.spec as ExperimentSpec,
      createdAt: experiment.createdAt,
      planeSetRef: experiment.planeSetRef ?? null,
    })),
    models,
  };
}

/**
 * Checks that every model of a parsed project bundle names a dataset the lab has, with the
 * model's input dimension and class count (as importModel checks a model bundle), so a
 * project is refused as a whole before anything is written.
 */
export function checkProjectDatasets(
  parsed: ParsedProjectBundle,
  datasets: readonly { id: string; inputDim: number; classCount: number }[],
): void {
  parsed.models.forEach((model, index) => {
    const { name, datasetId, inputDim, classCount } = model.parsed.metadata;
    const path = `project.models[${index}].bundle.model.datasetId`;
    const entry = datasets.find((candidate) => candidate.id === datasetId);
    if (!entry) {
      throw new ValidationError(
        path,
        `model ${quote(name)} names unknown dataset ${quote(datasetId)} (known: ${datasets.map((d) => d.id).join(', ')})`,
      );
    }
    if (entry.inputDim !== inputDim || entry.classCount !== classCount) {
      throw new ValidationError(
        path,
        `model ${quote(name)} has ${inputDim} inputs and ${classCount} classes, its dataset ${datasetId} ${entry.inputDim} inputs and ${entry.classCount} classes`,
      );
    }
  });
}

const sameBytes = (a: Float64Array, b: Float64Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

function samePlanes(a: readonly StoredPlane[], b: readonly StoredPlane[]): boolean {
  return (
    a.length === b.length &&
    a.every((plane, index) => {
      const other = b[index];
      return (
        plane.index === other.index &&
        plane.sampleIndices.every((sample, k) => sample === other.sampleIndices[k]) &&
        plane.labels.every((label, k) => label === other.labels[k]) &&
        sameBytes(plane.origin, other.origin) &&
        sameBytes(plane.u, other.u) &&
        sameBytes(plane.v, other.v) &&
        sameBytes(plane.domain, other.domain) &&
        sameBytes(plane.points, other.points)
      );
    })
  );
}

/**
 * The zoo id of a bundle's plane set: plane sets are shared, so one with the same key is
 * reused when its planes are identical; one with other planes under that key is refused.
 */
function storePlaneSet(zoo: Zoo, set: ParsedPlaneSet, path: string): number {
  const existing = zoo.planeSets.findByKey(set.key);
  if (existing === null) return zoo.planeSets.create(set.key, set.planes, set.createdAt);
  if (!samePlanes(zoo.planeSets.get(existing).planes, set.planes)) {
    throw new ValidationError(
      path,
      `plane set ${JSON.stringify(set.key)} exists in this zoo (id ${existing}) with other planes`,
    );
  }
  return existing;
}

/** Writes a parsed project bundle; call inside a transaction. Returns the new project's id. */
export function storeProjectBundle(zoo: Zoo, parsed: ParsedProjectBundle): number {
  const projectId = zoo.projects.create(
    parsed.project.name,
    parsed.project.description,
    parsed.project.notes,
    parsed.project.createdAt,
  );
  const planeSetIds = new Map<number, number>();
  parsed.planeSets.forEach((set, index) => {
    planeSetIds.set(set.ref, storePlaneSet(zoo, set, `project.planeSets[${index}]`));
  });
  const experimentIds = new Map<number, number>();
  for (const experiment of parsed.experiments) {
    const planeSetId =
      experiment.planeSetRef === null ? null : planeSetIds.get(experiment.planeSetRef)!;
    experimentIds.set(
      experiment.ref,
      zoo.experiments.create(projectId, experiment.spec, planeSetId, experiment.createdAt),
    );
  }
  for (const model of parsed.models) {
    const experimentId =
      model.experimentRef === null ? null : (experimentIds.get(model.experimentRef) ?? null);
    const modelId = storeModelBundle(zoo, model.parsed, projectId, experimentId);
    const checkpointIds = new Map(
      zoo.checkpoints.list(modelId).map((checkpoint) => [checkpoint.iteration, checkpoint.id]),
    );
    zoo.measurements.put(
      model.measurements.map(({ iteration, planeSetRef, ...row }) => ({
        ...row,
        checkpointId: checkpointIds.get(iteration)!,
        planeSetId: planeSetIds.get(planeSetRef)!,
      })),
    );
    zoo.measurements.putRegionCounts(
      model.regionCounts.map(({ iteration, planeSetRef, ...row }) => ({
        ...row,
        checkpointId: checkpointIds.get(iteration)!,
        planeSetId: planeSetIds.get(planeSetRef)!,
      })),
    );
  }
  return projectId;
}
