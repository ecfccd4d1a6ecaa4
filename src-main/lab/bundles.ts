/**
 * Model and project bundles: a model with all its checkpoints (each as the model JSON of
 * DESIGN §4) and metrics, or a project with its experiments and models. Imports are
 * validated completely before anything is written, then written in one transaction.
 */
import {
  array,
  integer,
  literal,
  number,
  object,
  oneOf,
  string,
  unknownValue,
  ValidationError,
  type Schema,
} from '../../src-shared/api/validate.ts';
import { experimentSpecSchema } from '../../src-shared/api/contract.ts';
import type { ExperimentSpec, PruningScheme } from '../../src-shared/api/dto.ts';
import {
  networkToModelJson,
  parseModelJson,
  type ModelJson,
} from '../../src-shared/model/format.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { networkWidths, packNetwork, unpackNetwork } from '../zoo/checkpoints.ts';
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
  backend: 'tensorflow' | 'wasm' | 'cpu' | null;
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
  metrics: { iteration: number; accuracy: number; loss: number }[];
}

export interface ProjectBundle {
  format: 'mbh-project-bundle';
  version: 1;
  project: { name: string; description: string; notes: string; createdAt: number };
  experiments: { ref: number; spec: ExperimentSpec; createdAt: number }[];
  models: { experimentRef: number | null; bundle: ModelBundle }[];
}

const nullable = <T>(inner: Schema<T>): Schema<T | null> => ({
  optional: true,
  parse: (value, path) => (value === null || value === undefined ? null : inner.parse(value, path)),
});

const pruningSchema: Schema<PruningScheme> = {
  parse(value, path = 'value') {
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (kind === 'random') return object({ kind: literal('random') }).parse(value, path);
    if (kind === 'one-shot') {
      return object({ kind: literal('one-shot'), rate: number({ above: 0, max: 1 }) }).parse(
        value,
        path,
      );
    }
    if (kind === 'iterative') {
      return object({
        kind: literal('iterative'),
        rate: number({ above: 0, max: 1 }),
        rounds: integer({ min: 1 }),
      }).parse(value, path);
    }
    throw new ValidationError(`${path}.kind`, 'must be one of random, one-shot, iterative');
  },
};

const metadataSchema = object({
  name: string({ min: 1, max: 200 }),
  family: oneOf(['lenet', 'deepfc', 'custom'] as const),
  hidden: array(integer({ min: 1 }), { min: 1 }),
  inputDim: integer({ min: 1 }),
  classCount: integer({ min: 1 }),
  density: number({ above: 0, max: 1 }),
  hnps: integer({ min: 0 }),
  hnpLevel: nullable(integer({ min: 1 })),
  seed: integer({ min: 0 }),
  pruning: pruningSchema,
  datasetId: string({ min: 1, max: 100 }),
  backend: nullable(oneOf(['tensorflow', 'wasm', 'cpu'] as const)),
  iterations: integer({ min: 0 }),
  notes: string({ max: 100_000, trim: false }),
  tags: array(string({ min: 1, max: 100 }), { unique: true }),
  createdAt: integer({ min: 0 }),
});

const metricSchema = object({
  iteration: integer({ min: 0 }),
  accuracy: number({ min: 0, max: 1 }),
  loss: number(),
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

const projectBundleSchema = object({
  format: literal('mbh-project-bundle'),
  version: literal(1),
  project: object({
    name: string({ min: 1, max: 200 }),
    description: string({ max: 10_000 }),
    notes: string({ max: 100_000, trim: false }),
    createdAt: integer({ min: 0 }),
  }),
  experiments: array(
    object({
      ref: integer({ min: 0 }),
      spec: experimentSpecSchema,
      createdAt: integer({ min: 0 }),
    }),
  ),
  models: array(object({ experimentRef: nullable(integer({ min: 0 })), bundle: unknownValue() })),
});

/** A checked model bundle, its checkpoints already parsed into networks. */
export interface ParsedModelBundle {
  metadata: ModelMetadata;
  checkpoints: { iteration: number; network: Network }[];
  metrics: { iteration: number; accuracy: number; loss: number }[];
}

function modelNetwork(zoo: Zoo, model: StoredModel, iteration: number): Network {
  const checkpoint = zoo.checkpoints.atIteration(model.id, iteration);
  if (!checkpoint)
    throw new RangeError(`model ${model.id} has no checkpoint at iteration ${iteration}`);
  return unpackNetwork([model.inputDim, ...model.hidden, model.classCount], checkpoint);
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
    iterations: model.iterations,
    notes: model.notes,
    tags: model.tags,
    createdAt: model.createdAt,
  };
}

/** One checkpoint as model JSON (the last when `iteration` is absent). */
export function exportModelJson(zoo: Zoo, modelId: number, iteration?: number): ModelJson {
  const model = zoo.models.get(modelId);
  const at = iteration ?? zoo.checkpoints.latest(modelId)?.iteration;
  if (at === undefined) throw new RangeError(`model ${modelId} has no checkpoint yet`);
  return networkToModelJson(modelNetwork(zoo, model, at));
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
    metrics: zoo.checkpoints.metrics(modelId),
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

export function exportProjectBundle(zoo: Zoo, projectId: number): ProjectBundle {
  const project = zoo.projects.get(projectId);
  const experiments = zoo.experiments.list(projectId);
  return {
    format: 'mbh-project-bundle',
    version: 1,
    project: {
      name: project.name,
      description: project.description,
      notes: project.notes,
      createdAt: project.createdAt,
    },
    experiments: experiments.map((experiment) => ({
      ref: experiment.id,
      spec: experiment.spec,
      createdAt: experiment.createdAt,
    })),
    models: zoo.models.list({ projectId }).map((model) => ({
      experimentRef: model.experimentId,
      bundle: exportModelBundle(zoo, model.id),
    })),
  };
}

export interface ParsedProjectBundle {
  project: ProjectBundle['project'];
  experiments: { ref: number; spec: ExperimentSpec; createdAt: number }[];
  models: { experimentRef: number | null; parsed: ParsedModelBundle }[];
}

export function parseProjectBundle(value: unknown): ParsedProjectBundle {
  const bundle = projectBundleSchema.parse(value, 'project');
  const refs = new Set<number>();
  bundle.experiments.forEach((experiment, index) => {
    if (refs.has(experiment.ref)) {
      throw new ValidationError(`project.experiments[${index}].ref`, `repeats ${experiment.ref}`);
    }
    refs.add(experiment.ref);
  });
  const models = bundle.models.map((entry, index) => {
    if (entry.experimentRef !== null && !refs.has(entry.experimentRef)) {
      throw new ValidationError(
        `project.models[${index}].experimentRef`,
        `names no experiment of the bundle (${entry.experimentRef})`,
      );
    }
    return {
      experimentRef: entry.experimentRef,
      parsed: parseModelBundle(entry.bundle, `project.models[${index}].bundle`),
    };
  });
  return {
    project: bundle.project,
    experiments: bundle.experiments as ParsedProjectBundle['experiments'],
    models,
  };
}

/** Writes a parsed project bundle; call inside a transaction. Returns the new project's id. */
export function storeProjectBundle(zoo: Zoo, parsed: ParsedProjectBundle): number {
  const projectId = zoo.projects.create(
    parsed.project.name,
    parsed.project.description,
    parsed.project.notes,
    parsed.project.createdAt,
  );
  const experimentIds = new Map<number, number>();
  for (const experiment of parsed.experiments) {
    experimentIds.set(
      experiment.ref,
      zoo.experiments.create(projectId, experiment.spec, null, experiment.createdAt),
    );
  }
  for (const model of parsed.models) {
    const experimentId =
      model.experimentRef === null ? null : (experimentIds.get(model.experimentRef) ?? null);
    storeModelBundle(zoo, model.parsed, projectId, experimentId);
  }
  return projectId;
}
