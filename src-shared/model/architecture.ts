/**
 * Network architectures: the hidden widths of a fully connected ReLU network plus the
 * input and output dimensions. Lenet is `(3n, n)` and DeepFC `(2n, n, n)` in spirit; the
 * thesis' own sizes round n differently per layer (Lenet (35, 11), DeepFC (23, 11, 11)),
 * so a family is a label on explicit widths, and `lenet(n)`/`deepFc(n)` are conveniences.
 */

export type ArchitectureFamily = 'lenet' | 'deepfc' | 'custom';

export interface Architecture {
  readonly family: ArchitectureFamily;
  /** Widths of the hidden layers, input side first. */
  readonly hidden: readonly number[];
  readonly inputDim: number;
  readonly outputDim: number;
}

/** Shape of one dense layer: `outDim × inDim` weights plus `outDim` biases. */
export interface LayerShape {
  readonly inDim: number;
  readonly outDim: number;
}

const FAMILY_DEPTH: Record<ArchitectureFamily, number | null> = {
  lenet: 2,
  deepfc: 3,
  custom: null,
};

const MNIST_INPUT = 784;
const MNIST_CLASSES = 10;

function checkPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Validates an architecture from any source (JSON, a form, a message); returns a clean copy. */
export function validateArchitecture(value: unknown, name = 'architecture'): Architecture {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${name} must be an object`);
  }
  const record = value as Record<string, unknown>;
  const family = record.family;
  if (family !== 'lenet' && family !== 'deepfc' && family !== 'custom') {
    throw new TypeError(
      `${name}.family must be 'lenet', 'deepfc' or 'custom', got ${String(family)}`,
    );
  }
  if (!Array.isArray(record.hidden) || record.hidden.length === 0) {
    throw new TypeError(`${name}.hidden must be a non-empty array of layer widths`);
  }
  const hidden = record.hidden.map((width, i) =>
    checkPositiveInteger(width, `${name}.hidden[${i}]`),
  );
  const depth = FAMILY_DEPTH[family];
  if (depth !== null && hidden.length !== depth) {
    throw new RangeError(
      `${name}: a ${family} network has ${depth} hidden layers, got ${hidden.length}`,
    );
  }
  return {
    family,
    hidden,
    inputDim: checkPositiveInteger(record.inputDim, `${name}.inputDim`),
    outputDim: checkPositiveInteger(record.outputDim, `${name}.outputDim`),
  };
}

/** Lenet `(3n, n)`. */
export function lenet(n: number, inputDim = MNIST_INPUT, outputDim = MNIST_CLASSES): Architecture {
  checkPositiveInteger(n, 'lenet n');
  return validateArchitecture({ family: 'lenet', hidden: [3 * n, n], inputDim, outputDim });
}

/** DeepFC `(2n, n, n)`. */
export function deepFc(n: number, inputDim = MNIST_INPUT, outputDim = MNIST_CLASSES): Architecture {
  checkPositiveInteger(n, 'deepFc n');
  return validateArchitecture({ family: 'deepfc', hidden: [2 * n, n, n], inputDim, outputDim });
}

/** Any hidden widths; the family is inferred only if asked for explicitly. */
export function customArchitecture(
  hidden: readonly number[],
  inputDim = MNIST_INPUT,
  outputDim = MNIST_CLASSES,
): Architecture {
  return validateArchitecture({ family: 'custom', hidden: [...hidden], inputDim, outputDim });
}

/** The thesis' Lenet sizes, largest first: (300,100), (102,34), (35,11), (12,4). */
export const THESIS_LENETS: readonly Architecture[] = [
  [300, 100],
  [102, 34],
  [35, 11],
  [12, 4],
].map((hidden) =>
  validateArchitecture({
    family: 'lenet',
    hidden,
    inputDim: MNIST_INPUT,
    outputDim: MNIST_CLASSES,
  }),
);

/** The thesis' DeepFC sizes, largest first: (200,100,100), (68,34,34), (23,11,11), (8,4,4). */
export const THESIS_DEEPFCS: readonly Architecture[] = [
  [200, 100, 100],
  [68, 34, 34],
  [23, 11, 11],
  [8, 4, 4],
].map((hidden) =>
  validateArchitecture({
    family: 'deepfc',
    hidden,
    inputDim: MNIST_INPUT,
    outputDim: MNIST_CLASSES,
  }),
);

/** Every layer's shape, hidden layers first, the output layer last. */
export function layerShapes(architecture: Architecture): LayerShape[] {
  const shapes: LayerShape[] = [];
  let inDim = architecture.inputDim;
  for (const width of architecture.hidden) {
    shapes.push({ inDim, outDim: width });
    inDim = width;
  }
  shapes.push({ inDim, outDim: architecture.outputDim });
  return shapes;
}

export function hiddenNeuronTotal(architecture: Architecture): number {
  return architecture.hidden.reduce((sum, width) => sum + width, 0);
}

/** A display name such as `Lenet(300,100)` or `DeepFC(8,4,4)`. */
export function architectureName(architecture: Architecture): string {
  const prefix =
    architecture.family === 'lenet' ? 'Lenet' : architecture.family === 'deepfc' ? 'DeepFC' : 'FC';
  return `${prefix}(${architecture.hidden.join(',')})`;
}
