/**
 * TensorFlow.js layers models: `model.json` (the Keras topology and a weights manifest)
 * plus the binary shards it names. A Sequential model of Dense layers (relu or linear;
 * InputLayer, Flatten and Dropout pass through; a final softmax is dropped with a note).
 * Keras stores a Dense kernel [in, out]; the lab's weights are [out, in], so it is
 * transposed.
 */
import { FormatError } from '../format.ts';
import {
  networkFromLinears,
  type ImportedModel,
  type ImportOptions,
  type LinearSpec,
} from './linear-stack.ts';
import { bytesTensor, type Tensor } from './tensor.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface ManifestWeight {
  name: string;
  shape: number[];
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

/** True when `value` looks like a tfjs layers model.json. */
export function isTfjsModelJson(value: unknown): boolean {
  return isRecord(value) && isRecord(value.modelTopology) && Array.isArray(value.weightsManifest);
}

/** The weights manifest, checked: shard paths are plain relative names, float32 only. */
export function tfjsManifest(value: unknown): ManifestGroup[] {
  if (!isRecord(value) || !Array.isArray(value.weightsManifest)) {
    throw new FormatError('tfjs: model.json has no weightsManifest');
  }
  return value.weightsManifest.map((group, g) => {
    const place = `weightsManifest[${g}]`;
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new FormatError(`${place}: expected {"paths": [...], "weights": [...]}`);
    }
    const paths = group.paths.map((path, p) => {
      if (
        typeof path !== 'string' ||
        path === '' ||
        path.startsWith('/') ||
        path.split(/[\\/]/).includes('..')
      ) {
        throw new FormatError(
          `${place}.paths[${p}]: ${JSON.stringify(path)} is not a file beside model.json`,
        );
      }
      return path;
    });
    const weights = group.weights.map((weight, w) => {
      const at = `${place}.weights[${w}]`;
      if (!isRecord(weight) || typeof weight.name !== 'string' || !Array.isArray(weight.shape)) {
        throw new FormatError(`${at}: expected {"name", "shape", "dtype"}`);
      }
      if (weight.quantization !== undefined) {
        throw new FormatError(`${at} ("${weight.name}"): quantized weights are not supported`);
      }
      if ((weight.dtype ?? 'float32') !== 'float32') {
        throw new FormatError(
          `${at} ("${weight.name}"): dtype ${String(weight.dtype)}, expected float32`,
        );
      }
      return { name: weight.name, shape: weight.shape as number[] };
    });
    return { paths, weights };
  });
}

/** The weights by name from the manifest and the shards' bytes (each group's shards in order). */
function weightTensors(
  groups: ManifestGroup[],
  shards: (path: string) => Uint8Array,
): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const group of groups) {
    const parts = group.paths.map((path) => shards(path));
    const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      data.set(part, at);
      at += part.byteLength;
    }
    let offset = 0;
    for (const weight of group.weights) {
      const place = `weight "${weight.name}"`;
      const count = weight.shape.reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(count) || count < 0 || offset + 4 * count > total) {
        throw new FormatError(
          `${place}: shape [${weight.shape.join(', ')}] runs past the ${total} bytes of ${group.paths.join(', ')}`,
        );
      }
      tensors.set(
        weight.name,
        bytesTensor(data.subarray(offset, offset + 4 * count), 'F32', weight.shape, place),
      );
      offset += 4 * count;
    }
    if (offset !== total) {
      throw new FormatError(
        `tfjs: ${group.paths.join(', ')} hold ${total} bytes, the manifest names ${offset}`,
      );
    }
  }
  return tensors;
}

function layerList(value: Record<string, unknown>): unknown[] {
  const topology = value.modelTopology as Record<string, unknown>;
  const model = isRecord(topology.model_config) ? topology.model_config : topology;
  if (model.class_name !== 'Sequential') {
    throw new FormatError(
      `tfjs: a ${String(model.class_name)} model; only Sequential models are supported`,
    );
  }
  const config = model.config;
  const layers = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(layers)) throw new FormatError('tfjs: the Sequential model lists no layers');
  return layers;
}

/** Reads a tfjs layers model; `shards` gives the bytes of each manifest path. */
export function readTfjs(
  modelJson: unknown,
  shards: (path: string) => Uint8Array,
  options: ImportOptions = {},
): ImportedModel {
  if (!isTfjsModelJson(modelJson)) {
    throw new FormatError('tfjs: not a layers model.json (no modelTopology and weightsManifest)');
  }
  const value = modelJson as Record<string, unknown>;
  const layers = layerList(value);
  const tensors = weightTensors(tfjsManifest(value), shards);
  const notes: string[] = [];
  const specs: LinearSpec[] = [];
  /** The activation after each spec, as the topology says. */
  const activations: string[] = [];
  let inputWidth: number | null = null;
  layers.forEach((layer, index) => {
    if (!isRecord(layer) || !isRecord(layer.config)) {
      throw new FormatError(`tfjs: layers[${index}] is not a layer`);
    }
    const config = layer.config;
    const name = typeof config.name === 'string' ? config.name : `layers[${index}]`;
    const kind = String(layer.class_name);
    const place = `layer "${name}" (${kind})`;
    const shape = config.batch_input_shape ?? config.batchInputShape;
    if (Array.isArray(shape) && inputWidth === null) {
      inputWidth = shape.slice(1).reduce((a: number, b: unknown) => a * Number(b), 1);
    }
    switch (kind) {
      case 'InputLayer':
      case 'Flatten':
        if (specs.length > 0 && kind === 'Flatten')
          throw new FormatError(`${place}: a Flatten between Dense layers`);
        return;
      case 'Dropout':
        notes.push(`${place} passes through (inference)`);
        return;
      case 'Dense': {
        const kernelName = [...tensors.keys()].find(
          (key) => key === `${name}/kernel` || key.endsWith(`/${name}/kernel`),
        );
        const biasName = [...tensors.keys()].find(
          (key) => key === `${name}/bias` || key.endsWith(`/${name}/bias`),
        );
        if (!kernelName)
          throw new FormatError(`${place}: its kernel is not in the weights manifest`);
        const kernel = tensors.get(kernelName) as Tensor;
        if (kernel.shape.length !== 2) {
          throw new FormatError(
            `${place}: kernel of shape [${kernel.shape.join(', ')}], expected [in, out]`,
          );
        }
        const [inDim, outDim] = kernel.shape;
        const values = kernel.values();
        const weights = new Float64Array(inDim * outDim);
        for (let i = 0; i < inDim; i++)
          for (let j = 0; j < outDim; j++) weights[j * inDim + i] = values[i * outDim + j];
        let bias: Float64Array = new Float64Array(outDim);
        if (config.use_bias !== false) {
          if (!biasName) throw new FormatError(`${place}: its bias is not in the weights manifest`);
          const biasTensor = tensors.get(biasName) as Tensor;
          if (biasTensor.shape.length !== 1 || biasTensor.shape[0] !== outDim) {
            throw new FormatError(
              `${place}: bias of shape [${biasTensor.shape.join(', ')}], expected [${outDim}]`,
            );
          }
          bias = biasTensor.values();
        }
        specs.push({ place, inDim, outDim, weights, bias });
        activations.push(String(config.activation ?? 'linear'));
        return;
      }
      case 'Activation':
      case 'ReLU': {
        const activation = kind === 'ReLU' ? 'relu' : String(config.activation);
        if (specs.length === 0 || activations[specs.length - 1] !== 'linear') {
          throw new FormatError(`${place}: an activation must follow a linear Dense layer`);
        }
        activations[specs.length - 1] = activation;
        return;
      }
      default:
        throw new FormatError(
          `${place}: not part of a feed-forward ReLU network (Dense layers only)`,
        );
    }
  });
  if (specs.length === 0) throw new FormatError('tfjs: the model has no Dense layer');
  if (inputWidth !== null && inputWidth !== specs[0].inDim) {
    throw new FormatError(
      `${specs[0].place}: takes ${specs[0].inDim} inputs, the model's input has ${inputWidth}`,
    );
  }
  activations.forEach((activation, l) => {
    const last = l === specs.length - 1;
    if (last && activation === 'softmax') {
      notes.push(
        `${specs[l].place}: its softmax is dropped (it does not change the regions or the predicted class)`,
      );
    } else if (last && activation !== 'linear') {
      throw new FormatError(
        `${specs[l].place}: activation ${activation} on the output layer; expected linear or softmax`,
      );
    } else if (!last && activation !== 'relu') {
      throw new FormatError(
        `${specs[l].place}: only relu activations are supported on hidden layers, got ${activation}`,
      );
    }
  });
  return { format: 'tfjs', network: networkFromLinears(specs, options, notes), notes };
}
