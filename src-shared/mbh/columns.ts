/**
 * A layer's weights by column (input neuron), non-zeros only: the shape both the
 * partition's rank-1 map updates and the decision patterns' forward pass walk, so that
 * pruned weights cost nothing.
 */
export interface CompressedColumns {
  /** inDim + 1 offsets into `row`/`value`. */
  start: Int32Array;
  /** Output neuron of each non-zero. */
  row: Int32Array;
  value: Float64Array;
}

/** Compresses row-major `outDim × inDim` weights by column. */
export function compressedColumns(
  weights: Float64Array,
  outDim: number,
  inDim: number,
): CompressedColumns {
  const start = new Int32Array(inDim + 1);
  for (let j = 0; j < outDim; j++) {
    for (let i = 0; i < inDim; i++) if (weights[j * inDim + i] !== 0) start[i + 1]++;
  }
  for (let i = 0; i < inDim; i++) start[i + 1] += start[i];
  const fill = start.slice(0, inDim);
  const row = new Int32Array(start[inDim]);
  const value = new Float64Array(start[inDim]);
  for (let j = 0; j < outDim; j++) {
    for (let i = 0; i < inDim; i++) {
      const w = weights[j * inDim + i];
      if (w === 0) continue;
      row[fill[i]] = j;
      value[fill[i]] = w;
      fill[i]++;
    }
  }
  return { start, row, value };
}
