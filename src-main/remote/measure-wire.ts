/**
 * What travels for a remote measure run, and the checks on it. The hub puts the run's
 * input in Redis as one blob (blob-codec: the checkpoints' weights and the planes as raw
 * bytes): the network at each checkpoint to measure, the planes still to measure at it,
 * the phenomena (resolved on the hub, so both ends name the same cells), the cPs, the
 * scope, the region budget and the exact-pattern options. The worker checks it with the
 * api's validators before it runs anything. The results come back on the run's stream,
 * one blob per plane, and the hub checks each against the input it sent — the plane was
 * asked for, the cells are the ones asked for, every number is in range — before it
 * writes anything: a worker on another machine is another program.
 */
import { phenomenonSchema } from '../../src-shared/api/contract.ts';
import type { ScopeName } from '../../src-shared/api/dto.ts';
import {
  array,
  boolean,
  id,
  integer,
  literal,
  number,
  object,
  oneOf,
  optional,
  string,
  ValidationError,
  type Schema,
} from '../../src-shared/api/validate.ts';
import { MAX_REGION_BUDGET } from '../../src-shared/mbh/budget.ts';
import type { Phenomenon } from '../../src-shared/mbh/specialization.ts';
import type { ExactPatternMessage, ExactPlaneCells } from '../analyses/exact-protocol.ts';
import { decodeBlob, encodeBlob } from '../jobs/blob-codec.ts';
import type { PlaneCells } from '../jobs/measure-job.ts';
import type { PlaneMessage } from '../workers/measure-protocol.ts';
import type { DatasetIdentity } from './wire.ts';

/** One checkpoint of a measure run: its network and the planes to measure it on. */
export interface MeasureCheckpoint {
  /** The hub's checkpoint id: where its results go. */
  readonly id: number;
  readonly iteration: number;
  readonly weights: Float32Array;
  readonly biases: Float32Array;
  readonly masks: Uint8Array | null;
  /** Indices (PlaneMessage.index) of the planes still to measure at this checkpoint. */
  readonly planes: number[];
  /** The exact patterns the hub has stored, or null: the worker solves them (and sends them). */
  readonly exact: ExactPatternMessage[] | null;
}

/** A measure run's input, as the hub puts it in Redis (the run's payload key). */
export interface MeasurePayload {
  readonly version: 1;
  readonly jobId: number;
  readonly datasetId: string;
  /** [inputDim, ...hidden, classCount]. */
  readonly widths: number[];
  readonly phenomena: Phenomenon[];
  readonly cps: number[];
  readonly scope: ScopeName;
  /** The hub's region budget per plane. */
  readonly maxRegions: number;
  /** Seconds per solver pass of each exact pattern; null: no exact patterns. */
  readonly exactTimeLimit: number | null;
  readonly planes: PlaneMessage[];
  readonly checkpoints: MeasureCheckpoint[];
}

/** A BullMQ job's data for a measure run (job name 'measure'); the input is in Redis. */
export interface MeasureRunData {
  readonly version: 1;
  readonly kind: 'measure';
  readonly run: string;
  readonly jobId: number;
  readonly phase: 0;
  readonly dataset: DatasetIdentity;
}

export type MeasureStatus = 'completed' | 'paused' | 'cancelled';

/** What a measure run sends back on its stream, in order. */
export type MeasureRunMessage =
  | { type: 'exactPatterns'; checkpointId: number; patterns: ExactPatternMessage[] }
  | ({ type: 'plane'; checkpointId: number } & PlaneCells)
  | { type: 'done'; status: MeasureStatus }
  | { type: 'error'; name: string; message: string };

export function encodeMeasurePayload(payload: MeasurePayload): Buffer {
  return encodeBlob(payload);
}

export function encodeMeasureMessage(message: MeasureRunMessage): Buffer {
  return encodeBlob(message);
}

// --- schemas (the api's combinators, plus typed arrays, which JSON never carries) ---

type TypedArrayType =
  Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

const ELEMENT_NAMES = new Map<TypedArrayType, string>([
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int32Array, 'int32'],
  [Uint8Array, 'byte'],
]);

function typed<A extends ArrayLike<number>>(Type: TypedArrayType): Schema<A> {
  return {
    parse(value, path = 'value') {
      if (!(value instanceof Type))
        throw new ValidationError(path, `must be an array of ${ELEMENT_NAMES.get(Type)} values`);
      return value as unknown as A;
    },
  };
}

/** `inner`, or null (the api's optional() would drop the field). */
function orNull<T>(inner: Schema<T>): Schema<T | null> {
  return { parse: (value, path) => (value === null ? null : inner.parse(value, path)) };
}

/** The api's measurement scopes (contract.ts's, which is not exported). */
const scope = () =>
  string({
    pattern: /^(last|all|layer:\d+)$/,
    patternHint: 'must be "last", "all" or "layer:<index>"',
  }) as Schema<ScopeName>;
const float64s = () => typed<Float64Array>(Float64Array);
const cp = () => number({ min: 0, max: 1 });

const exactPatternSchema = object({
  phenomenon: string({ min: 1, max: 200, trim: false }),
  cp: cp(),
  neurons: typed<Int32Array>(Int32Array),
  states: typed<Uint8Array>(Uint8Array),
  constraints: integer({ min: 0 }),
  coverage: number({ min: 0, max: 1 }),
  optimal: boolean(),
  greedyConstraints: integer({ min: 0 }),
  ms: number({ min: 0 }),
});

const planeSchema = object({
  index: integer({ min: 0, max: 100_000 }),
  origin: float64s(),
  u: float64s(),
  v: float64s(),
  domain: float64s(),
  points: float64s(),
});

const payloadSchema = object({
  version: literal(1),
  jobId: id(),
  datasetId: string({ min: 1, max: 200, trim: false }),
  widths: array(integer({ min: 1, max: 1_000_000 }), { min: 2, max: 64 }),
  phenomena: array(phenomenonSchema, { min: 1, max: 1_000 }),
  cps: array(cp(), { min: 1, max: 100, unique: true }),
  scope: scope(),
  maxRegions: integer({ min: 1, max: MAX_REGION_BUDGET }),
  exactTimeLimit: orNull(number({ above: 0, max: 3600 })),
  planes: array(planeSchema, { min: 1, max: 10_000 }),
  checkpoints: array(
    object({
      id: id(),
      iteration: integer({ min: 0 }),
      weights: typed<Float32Array>(Float32Array),
      biases: typed<Float32Array>(Float32Array),
      masks: orNull(typed<Uint8Array>(Uint8Array)),
      planes: array(integer({ min: 0 }), { min: 1, max: 10_000, unique: true }),
      exact: orNull(array(exactPatternSchema, { max: 100_000 })),
    }),
    { min: 1, max: 100_000 },
  ),
});

const runDataSchema = object({
  version: literal(1),
  kind: literal('measure'),
  run: string({ min: 1, max: 100, pattern: /^[A-Za-z0-9_.-]+$/, patternHint: 'must be a run id' }),
  jobId: id(),
  phase: literal(0),
  dataset: object({
    id: string({ min: 1, max: 200, trim: false }),
    identity: string({
      pattern: /^(source|sha256):.+/,
      patternHint: 'must be source:<key> or sha256:<hex>',
      trim: false,
    }),
    bytes: optional(integer({ min: 0 })),
  }),
});

const planeCellsSchema = object({
  type: literal('plane'),
  checkpointId: id(),
  plane: integer({ min: 0 }),
  regions: integer({ min: 1 }),
  domainArea: number({ above: 0 }),
  ms: number({ min: 0 }),
  phenomena: array(string({ min: 1, max: 200, trim: false }), { min: 1, max: 1_000 }),
  cps: array(cp(), { min: 1, max: 100 }),
  s: float64s(),
  blanketArea: float64s(),
  constraints: typed<Int32Array>(Int32Array),
  coverage: float64s(),
  exact: optional(
    object({
      s: float64s(),
      blanketArea: float64s(),
      constraints: typed<Int32Array>(Int32Array),
      coverage: float64s(),
      optimal: typed<Uint8Array>(Uint8Array),
    }),
  ),
});

const messageSchemas = {
  plane: planeCellsSchema,
  exactPatterns: object({
    type: literal('exactPatterns'),
    checkpointId: id(),
    patterns: array(exactPatternSchema, { min: 1, max: 100_000 }),
  }),
  done: object({ type: literal('done'), status: oneOf(['completed', 'paused', 'cancelled']) }),
  error: object({
    type: literal('error'),
    name: string({ min: 1, max: 200 }),
    message: string({ max: 10_000, trim: false }),
  }),
} as const;

// --- checks beyond the schemas: sizes and cross-references ---

function fail(path: string, problem: string): never {
  throw new ValidationError(path, problem);
}

function checkLength(array: ArrayLike<number>, length: number, path: string): void {
  if (array.length !== length) fail(path, `must hold ${length} values, got ${array.length}`);
}

/** Every value finite, ≥ 0, and at most `max` (rounding allowed) when given. */
function checkRange(array: ArrayLike<number>, path: string, max?: number): void {
  for (let i = 0; i < array.length; i++) {
    const value = array[i];
    if (!Number.isFinite(value) || value < 0 || (max !== undefined && value > max * (1 + 1e-9)))
      fail(
        `${path}[${i}]`,
        `must be a finite number ≥ 0${max === undefined ? '' : ` and ≤ ${max}`}, got ${String(value)}`,
      );
  }
}

/** The exact patterns of one checkpoint: phenomenon-major over the run's cells. */
function checkExactPatterns(
  patterns: readonly ExactPatternMessage[],
  payload: MeasurePayload,
  path: string,
): void {
  const cells = payload.phenomena.length * payload.cps.length;
  if (patterns.length !== cells)
    fail(path, `must hold ${cells} patterns (phenomena × cPs), got ${patterns.length}`);
  const neuronCount = payload.widths.slice(1, -1).reduce((sum, width) => sum + width, 0);
  patterns.forEach((pattern, cell) => {
    const at = `${path}[${cell}]`;
    const phenomenon = payload.phenomena[Math.floor(cell / payload.cps.length)].name;
    const cp = payload.cps[cell % payload.cps.length];
    if (pattern.phenomenon !== phenomenon || pattern.cp !== cp)
      fail(at, `must be the pattern of ${JSON.stringify(phenomenon)} at cP ${cp}`);
    checkLength(pattern.states, pattern.neurons.length, `${at}.states`);
    for (const neuron of pattern.neurons)
      if (neuron < 0 || neuron >= neuronCount)
        fail(`${at}.neurons`, `must be hidden neurons in [0, ${neuronCount}), got ${neuron}`);
    for (const state of pattern.states)
      if (state > 1) fail(`${at}.states`, `must be 0 or 1, got ${state}`);
  });
}

/** Checks a measure run's job data as a worker takes it from the queue. */
export function validateMeasureRunData(data: unknown): MeasureRunData {
  return runDataSchema.parse(data, 'job data') as MeasureRunData;
}

/**
 * Decodes and checks a measure run's input on the worker: the api's validators, then the
 * sizes the schemas cannot know (each network against the widths, each plane against the
 * input dimension) and that every plane asked for is sent.
 */
export function decodeMeasurePayload(bytes: Uint8Array): MeasurePayload {
  const payload = payloadSchema.parse(decodeBlob<unknown>(bytes), 'payload') as MeasurePayload;
  const { widths } = payload;
  let weightCount = 0;
  let biasCount = 0;
  for (let layer = 0; layer + 1 < widths.length; layer++) {
    weightCount += widths[layer] * widths[layer + 1];
    biasCount += widths[layer + 1];
  }
  const classCount = widths[widths.length - 1];
  payload.phenomena.forEach((phenomenon, index) => {
    for (const label of phenomenon.labels)
      if (label >= classCount)
        fail(
          `payload.phenomena[${index}].labels`,
          `class ${label} does not exist (${classCount} classes)`,
        );
  });
  const indices = new Set<number>();
  payload.planes.forEach((plane, index) => {
    const at = `payload.planes[${index}]`;
    if (indices.has(plane.index)) fail(`${at}.index`, `repeats plane ${plane.index}`);
    indices.add(plane.index);
    for (const axis of ['origin', 'u', 'v'] as const)
      checkLength(plane[axis], widths[0], `${at}.${axis}`);
    checkLength(plane.points, 6, `${at}.points`);
    if (plane.domain.length < 6 || plane.domain.length % 2 !== 0)
      fail(`${at}.domain`, 'must be a polygon of at least 3 (x, y) vertices');
    for (const part of ['origin', 'u', 'v', 'domain', 'points'] as const)
      for (const value of plane[part])
        if (!Number.isFinite(value)) fail(`${at}.${part}`, 'must hold finite numbers');
  });
  payload.checkpoints.forEach((checkpoint, index) => {
    const at = `payload.checkpoints[${index}]`;
    checkLength(checkpoint.weights, weightCount, `${at}.weights`);
    checkLength(checkpoint.biases, biasCount, `${at}.biases`);
    if (checkpoint.masks) checkLength(checkpoint.masks, weightCount, `${at}.masks`);
    for (const plane of checkpoint.planes)
      if (!indices.has(plane)) fail(`${at}.planes`, `names plane ${plane}, which is not sent`);
    if (checkpoint.exact !== null) {
      if (payload.exactTimeLimit === null)
        fail(`${at}.exact`, 'must be null when no exact patterns are asked for');
      checkExactPatterns(checkpoint.exact, payload, `${at}.exact`);
    }
  });
  return payload;
}

/**
 * Decodes and checks one message of a measure run against the run's input: a plane
 * result must be for a checkpoint and plane the hub asked for, with exactly the cells it
 * asked for (its phenomena, its cPs, exact cells when exact patterns were asked for), in
 * range; exact patterns must be the run's cells. Throws one error naming the field.
 */
export function decodeMeasureMessage(
  bytes: Uint8Array,
  payload: MeasurePayload,
): MeasureRunMessage {
  const raw = decodeBlob<unknown>(bytes);
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(messageSchemas, type))
    fail('remote message.type', `unknown message type ${JSON.stringify(type ?? null)}`);
  const message = messageSchemas[type as keyof typeof messageSchemas].parse(
    raw,
    `remote ${type}`,
  ) as MeasureRunMessage;
  if (message.type === 'exactPatterns') {
    const checkpoint = payload.checkpoints.find((entry) => entry.id === message.checkpointId);
    if (!checkpoint)
      fail('remote exactPatterns.checkpointId', `checkpoint ${message.checkpointId} was not sent`);
    if (payload.exactTimeLimit === null)
      fail('remote exactPatterns', 'no exact patterns were asked for');
    checkExactPatterns(message.patterns, payload, 'remote exactPatterns.patterns');
  } else if (message.type === 'plane') {
    checkPlaneCells(message, payload);
  }
  return message;
}

function checkPlaneCells(
  message: Extract<MeasureRunMessage, { type: 'plane' }>,
  payload: MeasurePayload,
): void {
  const path = 'remote plane';
  const checkpoint = payload.checkpoints.find((entry) => entry.id === message.checkpointId);
  if (!checkpoint) fail(`${path}.checkpointId`, `checkpoint ${message.checkpointId} was not sent`);
  if (!checkpoint.planes.includes(message.plane))
    fail(
      `${path}.plane`,
      `plane ${message.plane} was not asked for at checkpoint ${checkpoint.id}`,
    );
  const names = payload.phenomena.map((phenomenon) => phenomenon.name);
  if (
    message.phenomena.length !== names.length ||
    message.phenomena.some((name, index) => name !== names[index])
  )
    fail(`${path}.phenomena`, `must be ${JSON.stringify(names).slice(0, 200)}`);
  if (
    message.cps.length !== payload.cps.length ||
    message.cps.some((cp, index) => cp !== payload.cps[index])
  )
    fail(`${path}.cps`, `must be ${JSON.stringify(payload.cps)}`);
  const cells = names.length * payload.cps.length;
  const parts: [string, ArrayLike<number>, number | undefined][] = [
    ['s', message.s, 1],
    ['blanketArea', message.blanketArea, undefined],
    ['coverage', message.coverage, 1],
    ['constraints', message.constraints, undefined],
  ];
  const exact: ExactPlaneCells | undefined = message.exact;
  if (payload.exactTimeLimit !== null) {
    if (!exact) fail(`${path}.exact`, 'must hold the exact cells (exact patterns were asked for)');
    parts.push(
      ['exact.s', exact.s, 1],
      ['exact.blanketArea', exact.blanketArea, undefined],
      ['exact.coverage', exact.coverage, 1],
      ['exact.constraints', exact.constraints, undefined],
      ['exact.optimal', exact.optimal, 1],
    );
  } else if (exact) fail(`${path}.exact`, 'must be absent (no exact patterns were asked for)');
  for (const [name, array, max] of parts) {
    checkLength(array, cells, `${path}.${name}`);
    checkRange(array, `${path}.${name}`, max);
  }
}
