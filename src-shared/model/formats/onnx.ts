/**
 * ONNX models in and out. Reading walks the graph from its one input to its one output as
 * a chain: Gemm, or MatMul followed by Add, are affine maps (composed when several follow
 * each other), each Relu closes a hidden layer, and the output closes the linear output
 * layer. The harmless nodes torch.onnx emits around an MLP (Flatten, Reshape to a row,
 * Identity) pass through; a final Softmax/LogSoftmax is dropped with a note (it does not
 * change the regions or the argmax). Anything else is refused naming the node.
 *
 * Writing: Gemm (transB = 1, PyTorch's [out, in] weights) and Relu nodes, opset 13,
 * ir_version 8, float32 initializers named like a PyTorch state_dict.
 */
import { FormatError } from '../format.ts';
import type { Network } from '../network.ts';
import {
  networkFromLinears,
  type ImportedModel,
  type ImportOptions,
  type LinearSpec,
} from './linear-stack.ts';
import {
  ATTRIBUTE_INT,
  decodeOnnxModel,
  encodeOnnxModel,
  ONNX_DOUBLE,
  ONNX_FLOAT,
  ONNX_INT64,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-messages.ts';
import { decodeFloats, elementCount, float32Bytes, type FloatDtype } from './tensor.ts';

const DATA_TYPE_NAMES: Record<number, string> = {
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  16: 'BFLOAT16',
};

const RAW_FLOATS: Record<number, FloatDtype> = { 1: 'F32', 11: 'F64', 10: 'F16', 16: 'BF16' };

const OTHER_ACTIVATIONS = new Set([
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'PRelu',
  'Elu',
  'Selu',
  'Celu',
  'Gelu',
  'Softplus',
  'Softsign',
  'HardSigmoid',
  'HardSwish',
  'Mish',
  'ThresholdedRelu',
  'Clip',
]);

/** A constant of the graph (initializer or Constant node output). */
interface Constant {
  dims: number[];
  /** Float values (float tensors) or integers (INT64 tensors). */
  values: Float64Array;
  dataType: number;
}

function tensorConstant(tensor: OnnxTensor, place: string): Constant {
  const dims = tensor.dims ?? [];
  const count = elementCount(dims, place);
  const dataType = tensor.dataType ?? 0;
  if (tensor.dataLocation === 1) {
    throw new FormatError(
      `${place}: its data is in an external file; save the model with the weights inside (save_as_external_data=False)`,
    );
  }
  const raw = tensor.rawData;
  if (raw && raw.byteLength > 0) {
    if (dataType === ONNX_INT64) {
      if (raw.byteLength !== 8 * count) {
        throw new FormatError(
          `${place}: raw_data has ${raw.byteLength} bytes, its shape needs ${8 * count}`,
        );
      }
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const values = new Float64Array(count);
      for (let i = 0; i < count; i++) values[i] = Number(view.getBigInt64(8 * i, true));
      return { dims, values, dataType };
    }
    const dtype = RAW_FLOATS[dataType];
    if (!dtype) throw unsupportedType(dataType, place);
    const size = { F32: 4, F64: 8, F16: 2, BF16: 2 }[dtype];
    if (raw.byteLength !== size * count) {
      throw new FormatError(
        `${place}: raw_data has ${raw.byteLength} bytes, shape [${dims.join(', ')}] in ${DATA_TYPE_NAMES[dataType]} needs ${size * count}`,
      );
    }
    return { dims, values: decodeFloats(raw, dtype, count), dataType };
  }
  const typed =
    dataType === ONNX_FLOAT
      ? tensor.floatData
      : dataType === ONNX_DOUBLE
        ? tensor.doubleData
        : dataType === ONNX_INT64
          ? tensor.int64Data
          : undefined;
  if (dataType !== ONNX_FLOAT && dataType !== ONNX_DOUBLE && dataType !== ONNX_INT64) {
    throw unsupportedType(dataType, place);
  }
  const values = typed ?? [];
  if (values.length !== count) {
    throw new FormatError(
      `${place}: ${values.length} values, its shape [${dims.join(', ')}] needs ${count}`,
    );
  }
  return { dims, values: Float64Array.from(values), dataType };
}

function unsupportedType(dataType: number, place: string): FormatError {
  return new FormatError(
    `${place}: data type ${DATA_TYPE_NAMES[dataType] ?? dataType} is not supported (FLOAT or DOUBLE weights)`,
  );
}

function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute?.find((item) => item.name === name);
}

function intAttribute(node: OnnxNode, name: string, fallback: number): number {
  const item = attribute(node, name);
  return item ? (item.i ?? 0) : fallback;
}

function floatAttribute(node: OnnxNode, name: string, fallback: number): number {
  const item = attribute(node, name);
  return item ? (item.f ?? 0) : fallback;
}

/** The value of a Constant node (value, value_float(s), value_int(s)). */
function constantNode(node: OnnxNode, place: string): Constant {
  const item = node.attribute?.[0];
  if (!item || (node.attribute?.length ?? 0) !== 1) {
    throw new FormatError(`${place}: a Constant needs exactly one value attribute`);
  }
  switch (item.name) {
    case 'value':
      if (!item.t) throw new FormatError(`${place}: value has no tensor`);
      return tensorConstant(item.t, place);
    case 'value_float':
      return { dims: [], values: Float64Array.of(item.f ?? 0), dataType: ONNX_FLOAT };
    case 'value_floats':
      return {
        dims: [item.floats?.length ?? 0],
        values: Float64Array.from(item.floats ?? []),
        dataType: ONNX_FLOAT,
      };
    case 'value_int':
      return { dims: [], values: Float64Array.of(item.i ?? 0), dataType: ONNX_INT64 };
    case 'value_ints':
      return {
        dims: [item.ints?.length ?? 0],
        values: Float64Array.from(item.ints ?? []),
        dataType: ONNX_INT64,
      };
    default:
      throw new FormatError(`${place}: a Constant of kind ${item.name ?? '?'} is not supported`);
  }
}

/** y = W x + b, W row-major [outDim][inDim]. */
interface Affine {
  inDim: number;
  outDim: number;
  weights: Float64Array;
  bias: Float64Array;
}

/** `second ∘ first`. */
function compose(first: Affine, second: Affine): Affine {
  const { inDim } = first;
  const mid = first.outDim;
  const outDim = second.outDim;
  const weights = new Float64Array(outDim * inDim);
  const bias = Float64Array.from(second.bias);
  for (let j = 0; j < outDim; j++) {
    for (let k = 0; k < mid; k++) {
      const w = second.weights[j * mid + k];
      if (w === 0) continue;
      bias[j] += w * first.bias[k];
      for (let i = 0; i < inDim; i++) weights[j * inDim + i] += w * first.weights[k * inDim + i];
    }
  }
  return { inDim, outDim, weights, bias };
}

function identity(dim: number): Affine {
  const weights = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) weights[i * dim + i] = 1;
  return { inDim: dim, outDim: dim, weights, bias: new Float64Array(dim) };
}

/** Where the activations are: a row per sample ([N, d]) or a column per sample ([d, N]). */
type Orientation = 'row' | 'column';

/** The chain walker's state between nodes. */
interface Walk {
  /** Features per sample, or null before the input's shape is known. */
  features: number | null;
  /** False while the activations still have the input's extra axes (before Flatten). */
  flat: boolean;
  orientation: Orientation;
  /** The affine map since the last Relu (null right after a Relu or at the input). */
  pending: Affine | null;
  pendingPlace: string;
  /** True when the last node was a Relu (a second Relu changes nothing). */
  afterRelu: boolean;
}

function shapeText(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

/** A bias of `outDim` values from a constant that broadcasts onto the activations. */
function biasFrom(
  constant: Constant,
  outDim: number,
  orientation: Orientation,
  place: string,
): Float64Array {
  const { dims, values } = constant;
  if (values.length === 1) return new Float64Array(outDim).fill(values[0]);
  const fits =
    orientation === 'row'
      ? (dims.length === 1 && dims[0] === outDim) ||
        (dims.length === 2 && dims[0] === 1 && dims[1] === outDim)
      : dims.length === 2 && dims[0] === outDim && dims[1] === 1;
  if (!fits) {
    const wanted = orientation === 'row' ? `[${outDim}] or [1, ${outDim}]` : `[${outDim}, 1]`;
    throw new FormatError(`${place}: bias of shape ${shapeText(dims)}, expected ${wanted}`);
  }
  return Float64Array.from(values);
}

/** The 2-D weight constant, `transposed` when the file stores it [in, out]. */
function weightFrom(constant: Constant, transposed: boolean, place: string): Affine {
  if (constant.dims.length !== 2) {
    throw new FormatError(`${place}: weight of shape ${shapeText(constant.dims)}, expected 2-D`);
  }
  const [rows, cols] = constant.dims;
  if (!transposed) {
    return { inDim: cols, outDim: rows, weights: constant.values, bias: new Float64Array(rows) };
  }
  const weights = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) weights[j * rows + i] = constant.values[i * cols + j];
  return { inDim: rows, outDim: cols, weights, bias: new Float64Array(cols) };
}

function applyAffine(walk: Walk, affine: Affine, place: string): void {
  if (!walk.flat) {
    throw new FormatError(
      `${place}: the activations still have the input's extra axes; flatten them to a row first`,
    );
  }
  if (walk.features !== null && affine.inDim !== walk.features) {
    throw new FormatError(
      `${place}: the weight takes ${affine.inDim} inputs, the activations have ${walk.features}`,
    );
  }
  walk.pending = walk.pending ? compose(walk.pending, affine) : affine;
  walk.pendingPlace = walk.pending === affine ? place : walk.pendingPlace;
  walk.features = affine.outDim;
  walk.afterRelu = false;
}

function closeLayer(walk: Walk, specs: LinearSpec[]): void {
  const layer = walk.pending as Affine;
  specs.push({ place: walk.pendingPlace, ...layer });
  walk.pending = null;
}

/** Reads an ONNX feed-forward ReLU network. */
export function readOnnx(bytes: Uint8Array, options: ImportOptions = {}): ImportedModel {
  let model: OnnxModel;
  try {
    model = decodeOnnxModel(bytes);
  } catch (error) {
    throw new FormatError(`onnx: not a readable ONNX model (${(error as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) {
    throw new FormatError('onnx: the model has no graph nodes');
  }
  const nodes = graph.node;
  const notes: string[] = [];
  const constants = new Map<string, Constant>();
  for (const tensor of graph.initializer ?? []) {
    const name = tensor.name ?? '';
    constants.set(name, tensorConstant(tensor, `initializer "${name}"`));
  }
  const placeOf = (index: number) => `node ${index} (${nodes[index].opType ?? '?'})`;
  nodes.forEach((node, index) => {
    if (node.domain && node.domain !== 'ai.onnx') {
      throw new FormatError(
        `${placeOf(index)}: operator domain "${node.domain}" is not standard ONNX`,
      );
    }
    if (node.opType === 'Constant') {
      const output = node.output?.[0];
      if (output) constants.set(output, constantNode(node, placeOf(index)));
    }
  });
  const inputs = (graph.input ?? []).filter((input) => !constants.has(input.name ?? ''));
  if (inputs.length !== 1) {
    throw new FormatError(
      `onnx: expected one graph input, found ${inputs.length}${inputs.length ? ` (${inputs.map((i) => `"${i.name}"`).join(', ')})` : ''}`,
    );
  }
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) {
    throw new FormatError(`onnx: expected one graph output, found ${outputs.length}`);
  }
  const inputName = inputs[0].name ?? '';
  const outputName = outputs[0].name ?? '';
  const inputDims = (inputs[0].type?.tensorType?.shape?.dim ?? []).map((dim) =>
    dim.dimValue !== undefined && dim.dimValue > 0 ? dim.dimValue : null,
  );
  const walk: Walk = {
    features: null,
    flat: inputDims.length <= 2,
    orientation: 'row',
    pending: null,
    pendingPlace: '',
    afterRelu: false,
  };
  if (inputDims.length > 0) {
    const featureDims = inputDims.length === 1 ? inputDims : inputDims.slice(1);
    if (featureDims.every((dim) => dim !== null)) {
      walk.features = (featureDims as number[]).reduce((a, b) => a * b, 1);
    }
  }
  const consumers = new Map<string, number[]>();
  nodes.forEach((node, index) => {
    if (node.opType === 'Constant') return;
    for (const name of node.input ?? []) {
      if (name === '' || constants.has(name)) continue;
      const list = consumers.get(name) ?? [];
      if (!list.includes(index)) list.push(index);
      consumers.set(name, list);
    }
  });
  const constantInput = (index: number, position: number): Constant => {
    const name = nodes[index].input?.[position];
    const constant = name === undefined ? undefined : constants.get(name);
    if (!constant) {
      throw new FormatError(
        `${placeOf(index)}: input ${position} ("${name ?? ''}") must be a constant (an initializer)`,
      );
    }
    return constant;
  };
  const specs: LinearSpec[] = [];
  const visited = new Set<number>();
  let current = inputName;
  for (;;) {
    const users = consumers.get(current) ?? [];
    if (current === outputName) {
      if (users.length > 0) {
        throw new FormatError(
          `${placeOf(users[0])}: uses the graph output "${outputName}"; a feed-forward network ends there`,
        );
      }
      break;
    }
    if (users.length === 0) {
      throw new FormatError(
        `onnx: value "${current}" is used by no node and is not the graph output`,
      );
    }
    if (users.length > 1) {
      const shape = users.find((index) => nodes[index].opType === 'Shape');
      if (shape !== undefined) {
        throw new FormatError(
          `${placeOf(shape)}: shapes computed from the activations are not supported (export with torch.flatten(x, 1) or nn.Flatten)`,
        );
      }
      throw new FormatError(
        `onnx: value "${current}" is used by ${users.map(placeOf).join(' and ')}; a feed-forward network is a chain`,
      );
    }
    const index = users[0];
    const node = nodes[index];
    const place = placeOf(index);
    visited.add(index);
    const dynamicInputs = (node.input ?? []).filter((name) => name === current);
    if (dynamicInputs.length > 1) throw new FormatError(`${place}: uses the activations twice`);
    const position = (node.input ?? []).indexOf(current);
    const op = node.opType ?? '';
    switch (op) {
      case 'Gemm': {
        const transA = intAttribute(node, 'transA', 0);
        const transB = intAttribute(node, 'transB', 0);
        const alpha = floatAttribute(node, 'alpha', 1);
        const beta = floatAttribute(node, 'beta', 1);
        let affine: Affine;
        if (position === 0) {
          // y = x op(B): x must be [N, d] after op(A).
          const rowAfter = walk.orientation === 'row' ? transA === 0 : transA === 1;
          if (!rowAfter)
            throw new FormatError(`${place}: transA=${transA} does not give a row per sample`);
          affine = weightFrom(constantInput(index, 1), transB === 0, place);
          walk.orientation = 'row';
        } else if (position === 1) {
          // y = op(A) x: x must be [d, N] after op(B).
          const columnAfter = walk.orientation === 'column' ? transB === 0 : transB === 1;
          if (!columnAfter) {
            throw new FormatError(`${place}: transB=${transB} does not give a column per sample`);
          }
          affine = weightFrom(constantInput(index, 0), transA === 1, place);
          walk.orientation = 'column';
        } else {
          throw new FormatError(`${place}: the activations come in as the bias C`);
        }
        if (alpha !== 1) for (let q = 0; q < affine.weights.length; q++) affine.weights[q] *= alpha;
        if ((node.input?.length ?? 0) > 2 && node.input?.[2]) {
          const bias = biasFrom(constantInput(index, 2), affine.outDim, walk.orientation, place);
          for (let j = 0; j < bias.length; j++) affine.bias[j] = beta * bias[j];
        }
        applyAffine(walk, affine, place);
        break;
      }
      case 'MatMul': {
        let affine: Affine;
        if (position === 0) {
          if (walk.orientation !== 'row')
            throw new FormatError(`${place}: x·W on a column per sample`);
          affine = weightFrom(constantInput(index, 1), true, place);
        } else {
          if (walk.orientation !== 'column') {
            throw new FormatError(
              `${place}: W·x needs a column per sample, the activations are rows`,
            );
          }
          affine = weightFrom(constantInput(index, 0), false, place);
          walk.orientation = 'column';
        }
        applyAffine(walk, affine, place);
        break;
      }
      case 'Add': {
        if ((node.input?.length ?? 0) !== 2) throw new FormatError(`${place}: expected two inputs`);
        if (walk.features === null) {
          throw new FormatError(`${place}: a bias before the input's width is known`);
        }
        const constant = constantInput(index, 1 - position);
        const bias = biasFrom(constant, walk.features, walk.orientation, place);
        const affine = identity(walk.features);
        affine.bias.set(bias);
        if (walk.pending) {
          for (let j = 0; j < bias.length; j++) walk.pending.bias[j] += bias[j];
          walk.afterRelu = false;
        } else applyAffine(walk, affine, place);
        break;
      }
      case 'Relu': {
        if (walk.pending) closeLayer(walk, specs);
        else if (!walk.afterRelu) {
          throw new FormatError(`${place}: a Relu must follow a Gemm or MatMul layer`);
        }
        walk.afterRelu = true;
        break;
      }
      case 'Identity':
        break;
      case 'Dropout': {
        // At inference a Dropout passes its input through; its optional mask must be unused.
        const [output, mask] = node.output ?? [];
        if (!output) throw new FormatError(`${place}: expected an output`);
        if (mask && (consumers.get(mask)?.length ?? 0) > 0) {
          throw new FormatError(`${place}: its dropout mask is used by another node`);
        }
        notes.push(`${place} passes through (inference)`);
        current = output;
        continue;
      }
      case 'Flatten': {
        const axis = intAttribute(node, 'axis', 1);
        if (axis !== 1 || walk.orientation !== 'row') {
          throw new FormatError(`${place}: only Flatten(axis=1) to a row per sample is supported`);
        }
        if (!walk.flat && walk.features === null) {
          throw new FormatError(`${place}: the graph input's shape is not known`);
        }
        walk.flat = true;
        break;
      }
      case 'Reshape': {
        const shape = constantInput(index, 1);
        const target = Array.from(shape.values);
        const features = walk.features;
        const last = target[target.length - 1];
        const row =
          walk.orientation === 'row' &&
          features !== null &&
          ((target.length === 2 &&
            [-1, 0, 1].includes(target[0]) &&
            (last === features || (last === -1 && target[0] !== -1))) ||
            (target.length === 1 && (last === features || last === -1)));
        if (!row) {
          throw new FormatError(
            `${place}: reshapes to ${shapeText(target)}, not to a row of ${features ?? 'the input'} features`,
          );
        }
        walk.flat = true;
        break;
      }
      case 'Softmax':
      case 'LogSoftmax': {
        const output = node.output?.[0];
        if (output !== outputName) {
          throw new FormatError(
            `${place}: only a final ${op} (on the graph output) can be dropped`,
          );
        }
        if (!walk.pending)
          throw new FormatError(`${place}: the output layer before it must be linear`);
        notes.push(`${place} dropped: it does not change the regions or the predicted class`);
        visited.add(index);
        closeLayer(walk, specs);
        current = outputName;
        continue;
      }
      default:
        if (OTHER_ACTIVATIONS.has(op)) {
          throw new FormatError(`${place}: only Relu activations are supported`);
        }
        throw new FormatError(
          `${place}: not part of a feed-forward ReLU network (supported: Gemm, MatMul, Add, Relu, Flatten, Reshape, Identity, a final Softmax or LogSoftmax)`,
        );
    }
    const outputsOfNode = node.output ?? [];
    if (outputsOfNode.length !== 1) throw new FormatError(`${place}: expected one output`);
    current = outputsOfNode[0];
  }
  if (walk.pending) closeLayer(walk, specs);
  else if (walk.afterRelu) {
    throw new FormatError(`onnx: the graph ends with a Relu; the output layer must be linear`);
  }
  nodes.forEach((node, index) => {
    if (node.opType !== 'Constant' && !visited.has(index)) {
      throw new FormatError(
        `${placeOf(index)}: not on the path from the input "${inputName}" to the output "${outputName}"`,
      );
    }
  });
  if (specs.length === 0) throw new FormatError('onnx: the graph has no Gemm or MatMul layer');
  return { format: 'onnx', network: networkFromLinears(specs, options, notes), notes };
}

/**
 * The network as an ONNX model: per layer a Gemm (x·Wᵀ + b, W stored [out, in] with
 * transB = 1) and a Relu after every hidden layer; input "input" [batch, d0], output
 * "logits" [batch, classes].
 */
export function writeOnnx(network: Network, graphName = 'mbh-lab'): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let current = 'input';
  network.layers.forEach((layer, l) => {
    const weight = `layers.${2 * l}.weight`;
    const bias = `layers.${2 * l}.bias`;
    initializers.push(
      {
        name: weight,
        dims: [layer.outDim, layer.inDim],
        dataType: ONNX_FLOAT,
        rawData: float32Bytes(layer.weights),
      },
      { name: bias, dims: [layer.outDim], dataType: ONNX_FLOAT, rawData: float32Bytes(layer.bias) },
    );
    const last = l === network.layers.length - 1;
    const output = last ? 'logits' : `linear_${l}`;
    nodes.push({
      name: `gemm_${l}`,
      opType: 'Gemm',
      input: [current, weight, bias],
      output: [output],
      attribute: [{ name: 'transB', type: ATTRIBUTE_INT, i: 1 }],
    });
    current = output;
    if (!last) {
      nodes.push({ name: `relu_${l}`, opType: 'Relu', input: [current], output: [`relu_${l}`] });
      current = `relu_${l}`;
    }
  });
  const valueInfo = (name: string, width: number) => ({
    name,
    type: {
      tensorType: {
        elemType: ONNX_FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] },
      },
    },
  });
  const last = network.layers[network.layers.length - 1];
  return encodeOnnxModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'mbh-lab',
    graph: {
      name: graphName,
      node: nodes,
      initializer: initializers,
      input: [valueInfo('input', network.inputDim)],
      output: [valueInfo('logits', last.outDim)],
    },
  });
}
