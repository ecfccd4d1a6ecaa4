/**
 * Model files in the zoo (issue 12): storing a network read from any format as an
 * imported model with its source (format, file name, SHA-256, the reader's notes), and
 * writing a checkpoint as ONNX or safetensors. The lab service delegates here.
 */
import type { ExportedBinaryFile, ModelSource } from '../../src-shared/api/model-files.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { writeOnnx } from '../../src-shared/model/formats/onnx.ts';
import { writeSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { networkWidths, packNetwork, unpackNetwork } from '../zoo/checkpoints.ts';
import { ModelSourceRepository } from '../zoo/model-sources.ts';
import type { Zoo } from '../zoo/zoo.ts';

export interface StoreNetworkOptions {
  projectId: number;
  name?: string;
  /** Already checked against the network's widths. */
  datasetId: string;
  source?: ModelSource;
}

/**
 * Stores a single network as an imported model with one checkpoint (iteration 0). Its
 * density is the share of the hidden layers' weights its masks keep (the output layer is
 * not counted, as for the lab's own networks); the source lands in the same transaction.
 */
export function storeImportedNetwork(
  zoo: Zoo,
  network: Network,
  options: StoreNetworkOptions,
): number {
  const widths = networkWidths(network);
  const hidden = widths.slice(1, -1);
  const packed = packNetwork(network);
  const outputWeights = widths[widths.length - 2] * widths[widths.length - 1];
  const hiddenWeights = packed.weights.length - outputWeights;
  // The hidden layers' weights come first in the packed arrays, the output layer's last.
  let kept = hiddenWeights;
  if (packed.masks) {
    kept = 0;
    for (let q = 0; q < hiddenWeights; q++) kept += packed.masks[q];
  }
  const density = Math.max(1e-9, kept / hiddenWeights);
  return zoo.transaction(() => {
    const modelId = zoo.models.create({
      projectId: options.projectId,
      experimentId: null,
      name: options.name ?? `imported FC(${hidden.join(',')})`,
      family: 'custom',
      hidden,
      inputDim: widths[0],
      classCount: widths[widths.length - 1],
      density: Math.min(1, density),
      hnps: Math.round(density * hiddenWeights) + hidden.reduce((a, b) => a + b, 0),
      hnpLevel: null,
      seed: 0,
      pruning: { kind: 'random' },
      datasetId: options.datasetId,
      backend: null,
      iterations: 0,
      notes: '',
      createdAt: Date.now(),
    });
    zoo.checkpoints.put(modelId, 0, packed);
    if (options.source) new ModelSourceRepository(zoo.db).put(modelId, options.source);
    return modelId;
  });
}

/** Records where a model imported through importModel came from. */
export function putModelSource(zoo: Zoo, modelId: number, source: ModelSource): void {
  new ModelSourceRepository(zoo.db).put(modelId, source);
}

export function getModelSource(zoo: Zoo, modelId: number): ModelSource | null {
  zoo.models.get(modelId);
  return new ModelSourceRepository(zoo.db).get(modelId);
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/** An imported model's name when none is given: its file's name without the extension. */
export function defaultModelName(fileName: string): string {
  const base = baseName(fileName);
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base).slice(0, 200) || 'imported model';
}

function fileSlug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'export';
}

/** One checkpoint (the last when `iteration` is absent) as an ONNX or safetensors file. */
export function exportModelFile(
  zoo: Zoo,
  params: { id: number; iteration?: number; format: 'onnx' | 'safetensors' },
): ExportedBinaryFile {
  const model = zoo.models.get(params.id);
  const stored = zoo.checkpoints.list(params.id).map((checkpoint) => checkpoint.iteration);
  if (stored.length === 0) {
    throw new ValidationError('params.id', `model ${params.id} has no checkpoint yet`);
  }
  const iteration = params.iteration ?? Math.max(...stored);
  if (!stored.includes(iteration)) {
    throw new ValidationError(
      'params.iteration',
      `model ${params.id} has no checkpoint at ${iteration} (stored: ${stored.join(', ')})`,
    );
  }
  const checkpoint = zoo.checkpoints.atIteration(params.id, iteration);
  if (!checkpoint) throw new RangeError(`model ${params.id} lost its checkpoint ${iteration}`);
  const network = unpackNetwork([model.inputDim, ...model.hidden, model.classCount], checkpoint);
  const stem = `${fileSlug(model.name)}.iter${iteration}`;
  return params.format === 'onnx'
    ? { fileName: `${stem}.onnx`, bytes: writeOnnx(network) }
    : { fileName: `${stem}.safetensors`, bytes: writeSafetensors(network) };
}
