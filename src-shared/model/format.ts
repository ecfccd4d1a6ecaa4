/**
 * The interchange formats of DESIGN §4 as plain JSON types, with validators that turn
 * untrusted values into the engine's types. Every problem is a FormatError whose message
 * names the place (`layers[1].weights[3][17]`) and what is wrong there.
 */
import type { DenseLayer, Network } from './network.ts';

export class FormatError extends Error {
  override name = 'FormatError';
}

export interface ModelLayerJson {
  weights: number[][];
  bias: number[];
  mask?: number[][];
  activation: 'relu' | 'linear';
}

export interface ModelJson {
  format: 'mbh-model';
  version: 1;
  inputDim: number;
  layers: ModelLayerJson[];
  inputBox?: { low: number; high: number };
}

export type PlaneJson =
  | { origin: number[]; u: number[]; v: number[]; domain: [number, number][] }
  | { points: [number[], number[], number[]] };

/** A validated plane, before the geometry rules of mbh/plane.ts are applied. */
export type PlaneSpec =
  | { kind: 'points'; points: [Float64Array, Float64Array, Float64Array] }
  | {
      kind: 'explicit';
      origin: Float64Array;
      u: Float64Array;
      v: Float64Array;
      domain: Float64Array;
    };

export interface DataJson {
  x: number[][];
  y: number[];
}

/** Validated data: n samples, row-major features, integer labels. */
export interface Dataset {
  count: number;
  dim: number;
  x: Float64Array;
  labels: Int32Array;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** A finite number at `place`, or a FormatError naming it. */
function finite(value: unknown, place: string): number {
  if (typeof value !== 'number')
    throw new FormatError(`${place}: expected a number, got ${describe(value)}`);
  if (Number.isNaN(value)) throw new FormatError(`NaN at ${place}`);
  if (!Number.isFinite(value)) throw new FormatError(`${value} at ${place}`);
  return value;
}

function array(value: unknown, place: string): unknown[] {
  if (!Array.isArray(value))
    throw new FormatError(`${place}: expected an array, got ${describe(value)}`);
  return value;
}

/** A numeric vector of an exact length (when given) into a Float64Array. */
function vector(value: unknown, place: string, length?: number): Float64Array {
  const items = array(value, place);
  if (length !== undefined && items.length !== length) {
    throw new FormatError(`${place}: ${items.length} entries, expected ${length}`);
  }
  const out = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = finite(items[i], `${place}[${i}]`);
  return out;
}

/** A row-major matrix of `rows` × `cols` numbers from an array of rows. */
function matrix(value: unknown, place: string, cols: number, colsWhy: string): Float64Array {
  const rows = array(value, place);
  const out = new Float64Array(rows.length * cols);
  for (let j = 0; j < rows.length; j++) {
    const row = array(rows[j], `${place}[${j}]`);
    if (row.length !== cols) {
      throw new FormatError(`${place}[${j}]: ${row.length} entries, expected ${cols} (${colsWhy})`);
    }
    for (let i = 0; i < cols; i++) out[j * cols + i] = finite(row[i], `${place}[${j}][${i}]`);
  }
  return out;
}

/** Validates Model JSON and returns the network, weights with the mask applied. */
export function parseModelJson(value: unknown): Network {
  if (!isRecord(value)) throw new FormatError(`model: expected an object, got ${describe(value)}`);
  if (value.format !== 'mbh-model') {
    throw new FormatError(`format: expected "mbh-model", got ${describe(value.format)}`);
  }
  if (value.version !== 1)
    throw new FormatError(`version: expected 1, got ${describe(value.version)}`);
  const inputDim = value.inputDim;
  if (typeof inputDim !== 'number' || !Number.isInteger(inputDim) || inputDim < 1) {
    throw new FormatError(`inputDim: expected a positive integer, got ${describe(inputDim)}`);
  }
  const layersJson = array(value.layers, 'layers');
  if (layersJson.length === 0) throw new FormatError('layers: a model needs at least one layer');
  const layers: DenseLayer[] = [];
  let inDim = inputDim;
  for (let l = 0; l < layersJson.length; l++) {
    const place = `layers[${l}]`;
    const layer = layersJson[l];
    if (!isRecord(layer))
      throw new FormatError(`${place}: expected an object, got ${describe(layer)}`);
    const last = l === layersJson.length - 1;
    const activation = layer.activation;
    if (activation !== 'relu' && activation !== 'linear') {
      throw new FormatError(
        `${place}.activation: expected "relu" or "linear", got ${describe(activation)}`,
      );
    }
    if (last && activation !== 'linear') {
      throw new FormatError(
        `${place}.activation: the last layer must be "linear", got "${activation}"`,
      );
    }
    if (!last && activation !== 'relu') {
      throw new FormatError(
        `${place}.activation: hidden layers must be "relu", got "${activation}"`,
      );
    }
    const rows = array(layer.weights, `${place}.weights`);
    if (rows.length === 0)
      throw new FormatError(`${place}.weights: a layer needs at least one neuron`);
    const firstRow = rows[0];
    if (Array.isArray(firstRow) && firstRow.length !== inDim) {
      const source = l === 0 ? `inputDim is ${inputDim}` : `layers[${l - 1}] has ${inDim} outputs`;
      throw new FormatError(`${place}.weights: rows have ${firstRow.length} entries but ${source}`);
    }
    const why = l === 0 ? 'inputDim' : `the outputs of layers[${l - 1}]`;
    const weights = matrix(rows, `${place}.weights`, inDim, why);
    const outDim = rows.length;
    const biasItems = array(layer.bias, `${place}.bias`);
    if (biasItems.length !== outDim) {
      throw new FormatError(`${place}.weights: ${outDim} rows, bias has ${biasItems.length}`);
    }
    const bias = vector(biasItems, `${place}.bias`);
    let mask: Uint8Array | undefined;
    if (layer.mask !== undefined) {
      const maskRows = array(layer.mask, `${place}.mask`);
      if (maskRows.length !== outDim) {
        throw new FormatError(`${place}.mask: ${maskRows.length} rows, weights have ${outDim}`);
      }
      const maskValues = matrix(maskRows, `${place}.mask`, inDim, "the weights' row length");
      mask = new Uint8Array(maskValues.length);
      for (let q = 0; q < maskValues.length; q++) {
        const entry = maskValues[q];
        if (entry !== 0 && entry !== 1) {
          const j = Math.floor(q / inDim);
          throw new FormatError(
            `${place}.mask[${j}][${q - j * inDim}]: mask entries must be 0 or 1, got ${entry}`,
          );
        }
        mask[q] = entry;
        if (entry === 0) weights[q] = 0;
      }
    }
    layers.push({ inDim, outDim, weights, bias, mask, activation });
    inDim = outDim;
  }
  let inputBox: Network['inputBox'];
  if (value.inputBox !== undefined) {
    const box = value.inputBox;
    if (!isRecord(box))
      throw new FormatError(`inputBox: expected {"low", "high"}, got ${describe(box)}`);
    const low = finite(box.low, 'inputBox.low');
    const high = finite(box.high, 'inputBox.high');
    if (!(low < high)) throw new FormatError(`inputBox: low (${low}) must be below high (${high})`);
    inputBox = { low, high };
  }
  return inputBox ? { inputDim, layers, inputBox } : { inputDim, layers };
}

/** The Model JSON of a network (weights as stored, i.e. with the mask applied). */
export function networkToModelJson(network: Network): ModelJson {
  const rowsOf = (values: ArrayLike<number>, outDim: number, inDim: number): number[][] => {
    const rows: number[][] = [];
    for (let j = 0; j < outDim; j++)
      rows.push(Array.from({ length: inDim }, (_, i) => values[j * inDim + i]));
    return rows;
  };
  const json: ModelJson = {
    format: 'mbh-model',
    version: 1,
    inputDim: network.inputDim,
    layers: network.layers.map((layer) => {
      const out: ModelLayerJson = {
        weights: rowsOf(layer.weights, layer.outDim, layer.inDim),
        bias: Array.from(layer.bias),
        activation: layer.activation,
      };
      if (layer.mask) out.mask = rowsOf(layer.mask, layer.outDim, layer.inDim);
      return out;
    }),
  };
  if (network.inputBox) json.inputBox = { low: network.inputBox.low, high: network.inputBox.high };
  return json;
}

/** Validates Plane JSON for a model of input dimension `inputDim`. */
export function parsePlaneJson(value: unknown, inputDim: number): PlaneSpec {
  if (!isRecord(value)) throw new FormatError(`plane: expected an object, got ${describe(value)}`);
  if (value.points !== undefined) {
    const points = value.points;
    if (!Array.isArray(points) || points.length !== 3) {
      throw new FormatError(`plane needs 3 points of dimension ${inputDim}`);
    }
    const parsed = points.map((point, k) => {
      if (!Array.isArray(point) || point.length !== inputDim) {
        throw new FormatError(
          `plane needs 3 points of dimension ${inputDim}: points[${k}] has ${Array.isArray(point) ? point.length : describe(point)}`,
        );
      }
      return vector(point, `points[${k}]`, inputDim);
    });
    return { kind: 'points', points: [parsed[0], parsed[1], parsed[2]] };
  }
  for (const key of ['origin', 'u', 'v', 'domain']) {
    if (value[key] === undefined) {
      throw new FormatError(
        `plane: missing "${key}" (give "points", or "origin", "u", "v" and "domain")`,
      );
    }
  }
  const origin = vector(value.origin, 'origin', inputDim);
  const u = vector(value.u, 'u', inputDim);
  const v = vector(value.v, 'v', inputDim);
  const corners = array(value.domain, 'domain');
  if (corners.length < 3)
    throw new FormatError(`domain: a polygon needs at least 3 vertices, got ${corners.length}`);
  const domain = new Float64Array(2 * corners.length);
  for (let k = 0; k < corners.length; k++) {
    const corner = vector(corners[k], `domain[${k}]`, 2);
    domain[2 * k] = corner[0];
    domain[2 * k + 1] = corner[1];
  }
  return { kind: 'explicit', origin, u, v, domain };
}

/** The Plane JSON of explicit parts (domain as [a, b] pairs). */
export function planeToJson(plane: {
  origin: ArrayLike<number>;
  u: ArrayLike<number>;
  v: ArrayLike<number>;
  domain: ArrayLike<number>;
}): PlaneJson {
  const domain: [number, number][] = [];
  for (let k = 0; k < plane.domain.length; k += 2)
    domain.push([plane.domain[k], plane.domain[k + 1]]);
  return {
    origin: Array.from(plane.origin),
    u: Array.from(plane.u),
    v: Array.from(plane.v),
    domain,
  };
}

function label(value: unknown, place: string): number {
  const number = finite(value, place);
  if (!Number.isInteger(number) || number < 0) {
    throw new FormatError(`${place}: a label must be a non-negative integer, got ${number}`);
  }
  return number;
}

/** Validates Data JSON `{"x": [[…]], "y": [labels]}`; `dim` checks the feature count. */
export function parseDataJson(value: unknown, dim?: number): Dataset {
  if (!isRecord(value))
    throw new FormatError(`data: expected an object with "x" and "y", got ${describe(value)}`);
  const rows = array(value.x, 'x');
  const ys = array(value.y, 'y');
  if (rows.length !== ys.length)
    throw new FormatError(`x has ${rows.length} rows, y has ${ys.length} labels`);
  if (rows.length === 0) throw new FormatError('x: no samples');
  const first = rows[0];
  const width = dim ?? (Array.isArray(first) ? first.length : 0);
  const x = matrix(
    rows,
    'x',
    width,
    dim === undefined ? 'the length of x[0]' : 'the model input dimension',
  );
  const labels = new Int32Array(ys.length);
  for (let i = 0; i < ys.length; i++) labels[i] = label(ys[i], `y[${i}]`);
  return { count: rows.length, dim: width, x, labels };
}
