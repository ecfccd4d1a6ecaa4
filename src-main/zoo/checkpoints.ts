/**
 * Checkpoints (the network's numbers at one iteration) and metrics (validation accuracy
 * and loss at one iteration). Both are keyed by (model, iteration) and written with
 * upserts, so a training run that resumes after a crash and writes an iteration again
 * replaces the row instead of adding a second one.
 */
import type { CheckpointSummary, MetricPoint } from '../../src-shared/api/dto.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import { blob, float32, uint8 } from './blobs.ts';
import type { Db } from './database.ts';
import { NotFoundError } from './errors.ts';

/** A network packed for storage: all layers' weights, then biases, as Float32. */
export interface PackedNetwork {
  weights: Float32Array;
  biases: Float32Array;
  /** One byte per weight, 1 = kept; null when no layer has a mask. */
  masks: Uint8Array | null;
}

/** Layer widths from input to output: [inputDim, ...hidden, classCount]. */
export type LayerWidths = readonly number[];

export function packNetwork(network: Network): PackedNetwork {
  let weightCount = 0;
  let biasCount = 0;
  for (const layer of network.layers) {
    weightCount += layer.weights.length;
    biasCount += layer.bias.length;
  }
  const weights = new Float32Array(weightCount);
  const biases = new Float32Array(biasCount);
  const hasMask = network.layers.some((layer) => layer.mask);
  const masks = hasMask ? new Uint8Array(weightCount) : null;
  let w = 0;
  let b = 0;
  for (const layer of network.layers) {
    weights.set(layer.weights, w);
    biases.set(layer.bias, b);
    if (masks) {
      if (layer.mask) masks.set(layer.mask, w);
      else masks.fill(1, w, w + layer.weights.length);
    }
    w += layer.weights.length;
    b += layer.bias.length;
  }
  return { weights, biases, masks };
}

export function networkWidths(network: Network): number[] {
  return [network.inputDim, ...network.layers.map((layer) => layer.outDim)];
}

/** Rebuilds the network from its packed numbers; checks every length against the widths. */
export function unpackNetwork(widths: LayerWidths, packed: PackedNetwork): Network {
  let expectedWeights = 0;
  let expectedBiases = 0;
  for (let i = 1; i < widths.length; i++) {
    expectedWeights += widths[i - 1] * widths[i];
    expectedBiases += widths[i];
  }
  if (packed.weights.length !== expectedWeights || packed.biases.length !== expectedBiases) {
    throw new Error(
      `checkpoint has ${packed.weights.length} weights and ${packed.biases.length} biases; widths ${widths.join(',')} need ${expectedWeights} and ${expectedBiases}`,
    );
  }
  if (packed.masks && packed.masks.length !== expectedWeights) {
    throw new Error(
      `checkpoint mask has ${packed.masks.length} entries, expected ${expectedWeights}`,
    );
  }
  const layers: DenseLayer[] = [];
  let w = 0;
  let b = 0;
  for (let i = 1; i < widths.length; i++) {
    const inDim = widths[i - 1];
    const outDim = widths[i];
    const size = inDim * outDim;
    const weights = Float64Array.from(packed.weights.subarray(w, w + size));
    // A layer whose mask keeps everything is dense: it carries no mask.
    let mask = packed.masks ? packed.masks.slice(w, w + size) : undefined;
    if (mask && mask.every((kept) => kept === 1)) mask = undefined;
    if (mask) for (let k = 0; k < size; k++) if (mask[k] === 0) weights[k] = 0;
    layers.push({
      inDim,
      outDim,
      weights,
      bias: Float64Array.from(packed.biases.subarray(b, b + outDim)),
      ...(mask ? { mask } : {}),
      activation: i === widths.length - 1 ? 'linear' : 'relu',
    });
    w += size;
    b += outDim;
  }
  return { inputDim: widths[0], layers };
}

interface CheckpointRow {
  id: number;
  model_id: number;
  iteration: number;
  accuracy: number | null;
  loss: number | null;
}

interface CheckpointBlobRow {
  id: number;
  model_id: number;
  iteration: number;
  weights: Buffer;
  biases: Buffer;
  masks: Buffer | null;
}

export interface StoredCheckpoint extends PackedNetwork {
  id: number;
  modelId: number;
  iteration: number;
}

const SUMMARY = `
  SELECT c.id, c.model_id, c.iteration, x.accuracy, x.loss
  FROM checkpoints c LEFT JOIN metrics x ON x.model_id = c.model_id AND x.iteration = c.iteration`;

function toSummary(row: CheckpointRow): CheckpointSummary {
  return {
    id: row.id,
    modelId: row.model_id,
    iteration: row.iteration,
    accuracy: row.accuracy,
    loss: row.loss,
  };
}

function toStored(row: CheckpointBlobRow): StoredCheckpoint {
  return {
    id: row.id,
    modelId: row.model_id,
    iteration: row.iteration,
    weights: float32(row.weights, 'weights'),
    biases: float32(row.biases, 'biases'),
    masks: row.masks ? uint8(row.masks) : null,
  };
}

export class CheckpointRepository {
  constructor(private readonly db: Db) {}

  /** Stores (or replaces) the checkpoint of `modelId` at `iteration`; returns its id. */
  put(modelId: number, iteration: number, packed: PackedNetwork, createdAt = Date.now()): number {
    const row = this.db
      .prepare(
        `INSERT INTO checkpoints (model_id, iteration, weights, biases, masks, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (model_id, iteration) DO UPDATE SET
           weights = excluded.weights, biases = excluded.biases, masks = excluded.masks,
           created_at = excluded.created_at
         RETURNING id`,
      )
      .get(
        modelId,
        iteration,
        blob(packed.weights),
        blob(packed.biases),
        packed.masks ? blob(packed.masks) : null,
        createdAt,
      ) as { id: number };
    return row.id;
  }

  list(modelId: number): CheckpointSummary[] {
    return (
      this.db
        .prepare(`${SUMMARY} WHERE c.model_id = ? ORDER BY c.iteration`)
        .all(modelId) as CheckpointRow[]
    ).map(toSummary);
  }

  summary(id: number): CheckpointSummary {
    const row = this.db.prepare(`${SUMMARY} WHERE c.id = ?`).get(id) as CheckpointRow | undefined;
    if (!row) throw new NotFoundError('checkpoint', id);
    return toSummary(row);
  }

  get(id: number): StoredCheckpoint {
    const row = this.db.prepare('SELECT * FROM checkpoints WHERE id = ?').get(id) as
      CheckpointBlobRow | undefined;
    if (!row) throw new NotFoundError('checkpoint', id);
    return toStored(row);
  }

  atIteration(modelId: number, iteration: number): StoredCheckpoint | null {
    const row = this.db
      .prepare('SELECT * FROM checkpoints WHERE model_id = ? AND iteration = ?')
      .get(modelId, iteration) as CheckpointBlobRow | undefined;
    return row ? toStored(row) : null;
  }

  latest(modelId: number): StoredCheckpoint | null {
    const row = this.db
      .prepare('SELECT * FROM checkpoints WHERE model_id = ? ORDER BY iteration DESC LIMIT 1')
      .get(modelId) as CheckpointBlobRow | undefined;
    return row ? toStored(row) : null;
  }

  /** Every checkpoint of a model with its numbers, oldest first. */
  all(modelId: number): StoredCheckpoint[] {
    return (
      this.db
        .prepare('SELECT * FROM checkpoints WHERE model_id = ? ORDER BY iteration')
        .all(modelId) as CheckpointBlobRow[]
    ).map(toStored);
  }

  putMetric(modelId: number, point: MetricPoint): void {
    this.db
      .prepare(
        `INSERT INTO metrics (model_id, iteration, accuracy, loss, train_loss) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (model_id, iteration) DO UPDATE SET
           accuracy = excluded.accuracy, loss = excluded.loss, train_loss = excluded.train_loss`,
      )
      .run(modelId, point.iteration, point.accuracy, point.loss, point.trainLoss ?? null);
  }

  metrics(modelId: number): MetricPoint[] {
    return this.db
      .prepare(
        `SELECT iteration, accuracy, loss, train_loss AS trainLoss
         FROM metrics WHERE model_id = ? ORDER BY iteration`,
      )
      .all(modelId) as MetricPoint[];
  }
}
