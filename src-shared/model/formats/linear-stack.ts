/**
 * What every framework reader produces: a stack of fully connected layers, ReLU between
 * them and a linear output, turned into the lab's Network with the checks the model format
 * makes (shapes chain, every number finite). Also the PyTorch state_dict convention shared
 * by safetensors and .pt files: `<layer>.weight` [out, in] and `<layer>.bias` [out], layers
 * in natural name order, and torch.nn.utils.prune's `weight_orig` + `weight_mask` pairs.
 */
import { FormatError } from '../format.ts';
import type { DenseLayer, Network } from '../network.ts';
import { naturalCompare, type Tensor } from './tensor.ts';

/** The model file formats the lab reads. */
export type ModelFileFormat = 'mbh-model' | 'onnx' | 'safetensors' | 'pytorch' | 'tfjs';

export interface ImportOptions {
  /** Declare the exact zeros of the hidden layers' weights a mask (pruned networks). */
  maskZeros?: boolean;
}

/** A network read from another framework's file, with what the reader had to assume. */
export interface ImportedModel {
  format: ModelFileFormat;
  network: Network;
  /** Things the user should know (a dropped Softmax, an assumed ReLU, a recognised mask). */
  notes: string[];
}

/** One fully connected layer as a reader found it; weights row-major [outDim][inDim]. */
export interface LinearSpec {
  /** How errors name the layer: `tensor "fc1.weight"`, `node 2 (Gemm)`, `layer "dense_1"`. */
  place: string;
  inDim: number;
  outDim: number;
  weights: Float64Array;
  bias: Float64Array;
  /** 1 = kept, 0 = pruned (from a file that stores masks). */
  mask?: Uint8Array;
}

function checkFinite(values: Float64Array, place: string, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new FormatError(`${place}: ${what}[${i}] is ${values[i]}`);
    }
  }
}

/**
 * The network of a layer stack: every layer but the last ReLU, the last linear. With
 * `maskZeros`, the exact zeros of every layer but the output layer become its mask.
 */
export function networkFromLinears(
  specs: readonly LinearSpec[],
  options: ImportOptions,
  notes: string[],
): Network {
  if (specs.length === 0) throw new FormatError('the file holds no fully connected layer');
  const layers: DenseLayer[] = [];
  let masked = 0;
  for (let l = 0; l < specs.length; l++) {
    const spec = specs[l];
    if (l > 0 && spec.inDim !== specs[l - 1].outDim) {
      throw new FormatError(
        `${spec.place}: takes ${spec.inDim} inputs, but ${specs[l - 1].place} gives ${specs[l - 1].outDim} outputs`,
      );
    }
    checkFinite(spec.weights, spec.place, 'weights');
    checkFinite(spec.bias, spec.place, 'bias');
    const last = l === specs.length - 1;
    const weights = Float64Array.from(spec.weights);
    let mask = spec.mask ? Uint8Array.from(spec.mask) : undefined;
    if (!mask && options.maskZeros && !last) {
      mask = new Uint8Array(weights.length);
      for (let q = 0; q < weights.length; q++) mask[q] = weights[q] === 0 ? 0 : 1;
    }
    if (mask) {
      let pruned = 0;
      for (let q = 0; q < mask.length; q++) {
        if (mask[q] === 0) {
          weights[q] = 0;
          pruned++;
        }
      }
      masked += pruned;
      // A mask that keeps every weight says nothing: the layer is dense.
      if (pruned === 0) mask = undefined;
    }
    layers.push({
      inDim: spec.inDim,
      outDim: spec.outDim,
      weights,
      bias: Float64Array.from(spec.bias),
      ...(mask ? { mask } : {}),
      activation: last ? 'linear' : 'relu',
    });
  }
  if (masked > 0) notes.push(`${masked} weights are masked (pruned)`);
  else if (options.maskZeros) notes.push('--mask-zeros: the hidden layers have no exact zeros');
  return { inputDim: specs[0].inDim, layers };
}

const SUFFIXES = ['weight', 'bias', 'weight_orig', 'weight_mask', 'bias_orig', 'bias_mask'];

interface LinearEntries {
  weight?: Tensor;
  bias?: Tensor;
  weight_orig?: Tensor;
  weight_mask?: Tensor;
  bias_orig?: Tensor;
  bias_mask?: Tensor;
}

function split(name: string): { layer: string; suffix: string } {
  const dot = name.lastIndexOf('.');
  return dot < 0
    ? { layer: '', suffix: name }
    : { layer: name.slice(0, dot), suffix: name.slice(dot + 1) };
}

function key(layer: string, suffix: string): string {
  return layer === '' ? suffix : `${layer}.${suffix}`;
}

function maskOf(tensor: Tensor, name: string): Uint8Array {
  const values = tensor.values();
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1) {
      throw new FormatError(`tensor "${name}": mask entries must be 0 or 1, got ${values[i]}`);
    }
    mask[i] = values[i];
  }
  return mask;
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((dim, i) => dim === b.shape[i]);
}

/**
 * The layer stack of a PyTorch state_dict of nn.Linear layers (names → tensors). Anything
 * else in it (a BatchNorm's running mean, a convolution's 4-D weight) is refused naming
 * the tensor.
 */
export function linearsFromStateDict(
  tensors: ReadonlyMap<string, Tensor>,
  notes: string[],
): LinearSpec[] {
  if (tensors.size === 0) throw new FormatError('the state_dict holds no tensors');
  const groups = new Map<string, LinearEntries>();
  for (const [name, tensor] of tensors) {
    const { layer, suffix } = split(name);
    if (!SUFFIXES.includes(suffix)) {
      throw new FormatError(
        `tensor "${name}": not a weight or bias of an nn.Linear layer (expected names ending in .weight or .bias)`,
      );
    }
    const group = groups.get(layer) ?? {};
    group[suffix as keyof LinearEntries] = tensor;
    groups.set(layer, group);
  }
  const names = [...groups.keys()].sort(naturalCompare);
  const specs: LinearSpec[] = [];
  let pruneMasks = 0;
  for (const layer of names) {
    const group = groups.get(layer) as LinearEntries;
    let weightName = key(layer, 'weight');
    let weight = group.weight;
    let mask: Uint8Array | undefined;
    if (group.weight_mask && !group.weight_orig) {
      throw new FormatError(
        `tensor "${key(layer, 'weight_mask')}": a prune mask without its "${key(layer, 'weight_orig')}"`,
      );
    }
    if (group.weight_orig) {
      // torch.nn.utils.prune keeps the original weight and the mask; the weight is their product.
      weightName = key(layer, 'weight_orig');
      weight = group.weight_orig;
      if (group.weight_mask) {
        if (!sameShape(group.weight_mask, weight)) {
          throw new FormatError(
            `tensor "${key(layer, 'weight_mask')}": shape [${group.weight_mask.shape.join(', ')}], its weight_orig is [${weight.shape.join(', ')}]`,
          );
        }
        mask = maskOf(group.weight_mask, key(layer, 'weight_mask'));
        pruneMasks++;
      }
    }
    if (!weight) {
      throw new FormatError(`layer "${layer}": has a bias but no weight`);
    }
    if (weight.shape.length !== 2) {
      throw new FormatError(
        `tensor "${weightName}": shape [${weight.shape.join(', ')}], an nn.Linear weight is 2-D [out, in]`,
      );
    }
    const [outDim, inDim] = weight.shape;
    if (outDim === 0 || inDim === 0) {
      throw new FormatError(`tensor "${weightName}": shape [${outDim}, ${inDim}] is empty`);
    }
    let bias: Float64Array;
    const biasName = group.bias_orig ? key(layer, 'bias_orig') : key(layer, 'bias');
    const biasTensor = group.bias_orig ?? group.bias;
    if (biasTensor) {
      if (biasTensor.shape.length !== 1 || biasTensor.shape[0] !== outDim) {
        throw new FormatError(
          `tensor "${biasName}": shape [${biasTensor.shape.join(', ')}], expected [${outDim}] (the rows of "${weightName}")`,
        );
      }
      bias = biasTensor.values();
      if (group.bias_orig && group.bias_mask) {
        const biasMask = maskOf(group.bias_mask, key(layer, 'bias_mask'));
        for (let j = 0; j < bias.length; j++) if (biasMask[j] === 0) bias[j] = 0;
      }
    } else {
      bias = new Float64Array(outDim);
      notes.push(`layer "${layer}" has no bias (bias=False): zeros`);
    }
    specs.push({
      place: `tensor "${weightName}"`,
      inDim,
      outDim,
      weights: weight.values(),
      bias,
      ...(mask ? { mask } : {}),
    });
  }
  notes.push(
    `${specs.length} nn.Linear layers in name order (${names.map((n) => n || '(root)').join(', ')}), ReLU between them: a state_dict stores no activations`,
  );
  if (pruneMasks > 0) notes.push(`${pruneMasks} torch.nn.utils.prune masks (weight_mask)`);
  return specs;
}
