/**
 * Exact activation regions of a ReLU network on a plane (thesis §5.1.1, algorithm 2).
 *
 * Restricted to the plane, every pre-activation of hidden layer l is, inside a region of
 * layers < l, an affine function of the plane coordinates: `ca·x + cb·y + c0`, three
 * numbers per neuron. So each region of layers < l is cut by the n_l straight lines of
 * layer l, and the pieces are the regions of layers ≤ l.
 *
 * How this file does it, and why it is fast:
 * - Regions are processed depth first across layers: a region of layer l is split by the
 *   lines of layer l, then each piece is split by layer l + 1 right away. Memory stays
 *   O(depth × width) beyond the output, whatever the region count.
 * - Splitting one region by n lines is a binary space partition: a piece carries the list
 *   of lines that cross it; when it is cut by the first of them, each half keeps only the
 *   remaining lines that cross that half (the others are decided: their state is set).
 *   Lines are tested only against pieces they might cut, so the cost is close to the
 *   output size times the lines near each piece, not regions × neurons. At the root, a
 *   line's range over the parent's bounding box decides most lines without the vertices.
 * - The next layer's affine maps of a piece P follow from its layer-l pattern p:
 *   Z_{l+1}(P) = b + Σ_{k on} W[:, k] ⊗ Z_l[k]. The first piece of a parent gets it from
 *   scratch; each next piece gets its predecessor's plus one rank-1 term ±W[:, k] ⊗ Z_l[k]
 *   per neuron k in which their patterns differ, summed over the column's non-zeros only
 *   (weights are stored by column, so pruned weights cost nothing). Consecutive pieces are
 *   kept neighbours: after a cut, the half on the previous piece's side is emitted first
 *   (≈ 1.6 differing neurons per piece on MNIST planes). Every REFRESH_INTERVAL pieces the
 *   map is recomputed from scratch so round-off cannot drift.
 * - Geometry is Float64 in flat pools used as stacks, kept between calls; nothing is
 *   allocated per region. A discarded partition can be recycled as the output buffers.
 * - Every partition runs under a budget (./budget.ts): past `maxRegions` it stops with
 *   RegionBudgetError before the output outgrows it; a cancellation flag and a progress
 *   callback are consulted at a bounded rate.
 *
 * Side tests use one tolerance: a vertex within SIDE_TOLERANCE × (|ca|·S + |cb|·S + |c0|)
 * of a line (S = the domain's coordinate scale) counts as on it. A line that only passes
 * within that distance of a region does not split it, so round-off never makes slivers.
 * A piece that touches the line only at such vertices takes the state of its far side.
 */
import type { Network } from '../model/network.ts';
import { PartitionWatch, type PartitionControl } from './budget.ts';
import { compressedColumns } from './columns.ts';
import { signedArea2, type Plane } from './plane.ts';

export interface Partition {
  regionCount: number;
  /** R + 1 offsets into `vertices`, counted in vertices (not numbers). */
  vertexOffsets: Uint32Array;
  /** x, y pairs in plane coordinates; each region a convex CCW polygon. */
  vertices: Float64Array;
  areas: Float64Array;
  /** Uint32 words per region in `patterns`. */
  patternWords: number;
  /** R × patternWords; bit k = hidden neuron k in layer order, 1 = on (pre-activation > 0). */
  patterns: Uint32Array;
  neuronCount: number;
  /** Widths of the hidden layers. */
  layerSizes: number[];
  /** Region count after each hidden layer. */
  regionsPerLayer: number[];
  domainArea: number;
  timings: { perLayerMs: number[]; totalMs: number };
}

/** Relative distance from a line within which a vertex counts as lying on it. */
export const SIDE_TOLERANCE = 1e-10;
/** Weight density above which from-scratch maps use dense rows instead of columns. */
const DENSE_ROWS = 0.3;
/**
 * Scratch output larger than this is not kept for the next call: a rare huge plane must
 * not pin its memory in a long-lived worker (the next huge one allocates afresh).
 */
const WORKSPACE_KEEP_BYTES = 64 * 1024 * 1024;
/** Pieces whose next-layer map is derived incrementally before one is recomputed. */
const REFRESH_INTERVAL = 256;

/** A monotonic clock if the platform has one; timing is reporting only. */
const clock: () => number = (() => {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance ? () => performance.now() : () => Date.now();
})();

function growFloat(array: Float64Array, need: number): Float64Array {
  if (need <= array.length) return array;
  const next = new Float64Array(Math.max(need, array.length * 2, 64));
  next.set(array);
  return next;
}
function growUint(array: Uint32Array, need: number): Uint32Array {
  if (need <= array.length) return array;
  const next = new Uint32Array(Math.max(need, array.length * 2, 64));
  next.set(array);
  return next;
}
function growInt(array: Int32Array, need: number): Int32Array {
  if (need <= array.length) return array;
  const next = new Int32Array(Math.max(need, array.length * 2, 64));
  next.set(array);
  return next;
}

/** Per hidden layer: its lines for the current parent, and stack pools for splitting. */
interface Level {
  size: number;
  words: number;
  /** Bit offset of this layer in a full pattern. */
  bitOffset: number;
  /** ca, cb, c0 per neuron for the current parent region. */
  map: Float64Array;
  tolerance: Float64Array;
  /** Column-compressed weights of the next hidden layer (absent for the last one). */
  /**
   * The next layer's row-major weights when mostly dense: a from-scratch map is then a
   * row-by-row dot product over the on neurons, accumulating in registers.
   */
  nextRows: Float64Array | null;
  /** Scratch: the on neurons of a piece. */
  onList: Int32Array;
  nextStart: Int32Array | null;
  nextRow: Int32Array | null;
  nextValue: Float64Array | null;
  nextBias: Float64Array | null;
  // Stack pools for the split of one parent.
  vertexPool: Float64Array;
  listPool: Int32Array;
  bitsPool: Uint32Array;
  nodeVertex: Int32Array;
  nodeVertexCount: Int32Array;
  nodeList: Int32Array;
  nodeListCount: Int32Array;
  nodeBits: Int32Array;
  values: Float64Array;
  // The leaves of the current parent, in production order.
  leafCount: number;
  leafOffsets: Uint32Array;
  leafVertices: Float64Array;
  leafBits: Uint32Array;
  regions: number;
  /** The domain's coordinate scale S of the side tolerance. */
  scale: number;
}

function makeLevel(size: number, bitOffset: number, reuse?: Level): Level {
  const words = (size + 31) >>> 5;
  if (reuse && reuse.size === size) {
    reuse.bitOffset = bitOffset;
    reuse.nextStart = reuse.nextRow = reuse.nextValue = reuse.nextBias = reuse.nextRows = null;
    reuse.leafCount = 0;
    reuse.regions = 0;
    return reuse;
  }
  return {
    size,
    words,
    bitOffset,
    map: new Float64Array(3 * size),
    tolerance: new Float64Array(size),
    nextRows: null,
    onList: new Int32Array(size),
    nextStart: null,
    nextRow: null,
    nextValue: null,
    nextBias: null,
    vertexPool: new Float64Array(1024),
    listPool: new Int32Array(Math.max(64, 4 * size)),
    bitsPool: new Uint32Array(Math.max(64, 8 * words)),
    nodeVertex: new Int32Array(size + 2),
    nodeVertexCount: new Int32Array(size + 2),
    nodeList: new Int32Array(size + 2),
    nodeListCount: new Int32Array(size + 2),
    nodeBits: new Int32Array(size + 2),
    values: new Float64Array(64),
    leafCount: 0,
    leafOffsets: new Uint32Array(64),
    leafVertices: new Float64Array(1024),
    leafBits: new Uint32Array(Math.max(64, 16 * words)),
    regions: 0,
    scale: 1,
  };
}

/**
 * Scratch kept between calls: fresh multi-megabyte typed arrays cost page faults and
 * garbage collection on every plane, so levels and output buffers are reused (the engine
 * is synchronous, so one workspace suffices). The returned partition owns copies.
 */
const workspace: { levels: Level[]; output: Output | null } = { levels: [], output: null };

/** Bytes held by the output buffers. */
function workspaceBytes(output: Output): number {
  return (
    output.offsets.byteLength +
    output.vertices.byteLength +
    output.areas.byteLength +
    output.patterns.byteLength
  );
}

/** Growable output buffers. */
interface Output {
  count: number;
  vertexCount: number;
  offsets: Uint32Array;
  vertices: Float64Array;
  areas: Float64Array;
  patterns: Uint32Array;
}

/**
 * Side of a convex polygon relative to line k: 2 = it crosses, 1 = on (> 0), 0 = off.
 * A polygon within tolerance of the line everywhere takes the sign at its centroid.
 */
function classify(
  map: Float64Array,
  tolerance: Float64Array,
  k: number,
  pool: Float64Array,
  start: number,
  end: number,
): number {
  const ca = map[3 * k];
  const cb = map[3 * k + 1];
  const c0 = map[3 * k + 2];
  const e = tolerance[k];
  let positive = false;
  let negative = false;
  for (let i = start; i < end; i += 2) {
    const f = ca * pool[i] + cb * pool[i + 1] + c0;
    if (f > e) {
      if (negative) return 2;
      positive = true;
    } else if (f < -e) {
      if (positive) return 2;
      negative = true;
    }
  }
  if (positive) return 1;
  if (negative) return 0;
  let sx = 0;
  let sy = 0;
  const n = (end - start) / 2;
  for (let i = start; i < end; i += 2) {
    sx += pool[i];
    sy += pool[i + 1];
  }
  return ca * (sx / n) + cb * (sy / n) + c0 > 0 ? 1 : 0;
}

/**
 * Splits one parent polygon by all lines of `level` (a BSP, see the file comment) and
 * leaves the pieces in the level's leaf buffers, each with its layer bits.
 */
function splitParent(
  level: Level,
  source: Float64Array,
  sourceStart: number,
  sourceCount: number,
  watch: PartitionWatch,
  /** Regions already in the output: with this parent's pieces, a lower bound of the total. */
  regionsBefore: number,
): void {
  const leafLimit = watch.maxRegions - regionsBefore;
  const map = level.map;
  const tolerance = level.tolerance;
  const words = level.words;
  let vertexPool = level.vertexPool;
  if (2 * sourceCount > vertexPool.length) vertexPool = growFloat(vertexPool, 2 * sourceCount);
  let listPool = level.listPool;
  if (level.size > listPool.length) listPool = growInt(listPool, level.size);
  let bitsPool = level.bitsPool;
  if (words > bitsPool.length) bitsPool = growUint(bitsPool, words);
  for (let i = 0; i < 2 * sourceCount; i++) vertexPool[i] = source[2 * sourceStart + i];
  for (let w = 0; w < words; w++) bitsPool[w] = 0;
  // The root keeps the lines that cross the parent; the others are decided once here.
  // Most lines pass far from a small parent: bounding the line's values over the parent's
  // box (centre value ± |ca|·hx + |cb|·hy) decides them without visiting the vertices.
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < 2 * sourceCount; i += 2) {
    const x = vertexPool[i];
    const y = vertexPool[i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const centreX = 0.5 * (minX + maxX);
  const centreY = 0.5 * (minY + maxY);
  const halfX = 0.5 * (maxX - minX);
  const halfY = 0.5 * (maxY - minY);
  let listCount = 0;
  const scale = level.scale;
  for (let k = 0; k < level.size; k++) {
    const ca = map[3 * k];
    const cb = map[3 * k + 1];
    const c0 = map[3 * k + 2];
    const absA = Math.abs(ca);
    const absB = Math.abs(cb);
    // The side tolerance of this line for this parent (see the file comment).
    const e = SIDE_TOLERANCE * ((absA + absB) * scale + Math.abs(c0));
    tolerance[k] = e;
    const centre = ca * centreX + cb * centreY + c0;
    const reach = absA * halfX + absB * halfY + e;
    if (centre > reach) {
      bitsPool[k >>> 5] |= 1 << (k & 31);
      continue;
    }
    if (centre < -reach) continue;
    const side = classify(map, tolerance, k, vertexPool, 0, 2 * sourceCount);
    if (side === 2) listPool[listCount++] = k;
    else if (side === 1) bitsPool[k >>> 5] |= 1 << (k & 31);
  }
  const nodeVertex = level.nodeVertex;
  const nodeVertexCount = level.nodeVertexCount;
  const nodeList = level.nodeList;
  const nodeListCount = level.nodeListCount;
  const nodeBits = level.nodeBits;
  let top = 0;
  nodeVertex[0] = 0;
  nodeVertexCount[0] = sourceCount;
  nodeList[0] = 0;
  nodeListCount[0] = listCount;
  nodeBits[0] = 0;
  top = 1;

  let leafCount = 0;
  let leafVertexTop = 0;
  let leafOffsets = level.leafOffsets;
  let leafVertices = level.leafVertices;
  let leafBits = level.leafBits;
  leafOffsets[0] = 0;
  let values = level.values;

  // One long loop: the DFS over pieces, popping one, emitting it as a leaf or cutting it.
  while (top > 0) {
    top--;
    const vStart = nodeVertex[top];
    const vCount = nodeVertexCount[top];
    const lStart = nodeList[top];
    const lCount = nodeListCount[top];
    const bStart = nodeBits[top];
    // Everything above this node's storage belongs to finished subtrees.
    const vertexTop = vStart + 2 * vCount;
    const listTop = lStart + lCount;
    const bitsTop = bStart + words;

    if (lCount === 0) {
      if (leafCount + 2 > leafOffsets.length) leafOffsets = growUint(leafOffsets, leafCount + 2);
      if (2 * (leafVertexTop + vCount) > leafVertices.length)
        leafVertices = growFloat(leafVertices, 2 * (leafVertexTop + vCount));
      if ((leafCount + 1) * words > leafBits.length)
        leafBits = growUint(leafBits, (leafCount + 1) * words);
      for (let i = 0; i < 2 * vCount; i++)
        leafVertices[2 * leafVertexTop + i] = vertexPool[vStart + i];
      for (let w = 0; w < words; w++) leafBits[leafCount * words + w] = bitsPool[bStart + w];
      leafVertexTop += vCount;
      leafCount++;
      leafOffsets[leafCount] = leafVertexTop;
      // Budget, cancellation and progress inside one large split too (a wide first layer).
      if (leafCount > leafLimit || (leafCount & 4095) === 0) watch.check(regionsBefore + leafCount);
      continue;
    }

    // Cut by the first line in the list; all listed lines cross this piece.
    const k = listPool[lStart];
    const ca = map[3 * k];
    const cb = map[3 * k + 1];
    const c0 = map[3 * k + 2];
    const e = tolerance[k];
    if (vertexTop + 4 * (vCount + 2) > vertexPool.length)
      vertexPool = growFloat(vertexPool, vertexTop + 4 * (vCount + 2));
    if (listTop + 2 * lCount > listPool.length) listPool = growInt(listPool, listTop + 2 * lCount);
    if (bitsTop + 2 * words > bitsPool.length) bitsPool = growUint(bitsPool, bitsTop + 2 * words);
    if (values.length < vCount) values = new Float64Array(2 * vCount);
    for (let i = 0; i < vCount; i++) {
      values[i] = ca * vertexPool[vStart + 2 * i] + cb * vertexPool[vStart + 2 * i + 1] + c0;
    }
    // The half written second is popped (and so emitted) first. Emit first the half on
    // the same side of line k as the previous leaf: consecutive leaves then tend to be
    // neighbours, which keeps the rank-1 map updates between them few.
    let onFirst = true;
    if (leafCount > 0) {
      onFirst = (leafBits[(leafCount - 1) * words + (k >>> 5)] & (1 << (k & 31))) !== 0;
    }
    const offStart = vertexTop;
    let offTop = offStart;
    for (let pass = 0; pass < 2; pass++) {
      const wantOn = onFirst === (pass === 1);
      const halfStart = offTop;
      let out = halfStart;
      for (let i = 0; i < vCount; i++) {
        const j = i + 1 === vCount ? 0 : i + 1;
        const fi = values[i];
        const fj = values[j];
        const keep = wantOn ? fi >= -e : fi <= e;
        if (keep) {
          vertexPool[out++] = vertexPool[vStart + 2 * i];
          vertexPool[out++] = vertexPool[vStart + 2 * i + 1];
        }
        if ((fi > e && fj < -e) || (fi < -e && fj > e)) {
          const t = fi / (fi - fj);
          const xi = vertexPool[vStart + 2 * i];
          const yi = vertexPool[vStart + 2 * i + 1];
          vertexPool[out++] = xi + t * (vertexPool[vStart + 2 * j] - xi);
          vertexPool[out++] = yi + t * (vertexPool[vStart + 2 * j + 1] - yi);
        }
      }
      const halfCount = (out - halfStart) / 2;
      // The half's bits: the parent's, plus line k, plus every remaining line it avoids.
      const halfBits = bitsTop + pass * words;
      for (let w = 0; w < words; w++) bitsPool[halfBits + w] = bitsPool[bStart + w];
      if (wantOn) bitsPool[halfBits + (k >>> 5)] |= 1 << (k & 31);
      const halfList = listTop + (pass === 0 ? 0 : lCount);
      let halfListCount = 0;
      for (let q = lStart + 1; q < lStart + lCount; q++) {
        const line = listPool[q];
        const side = classify(map, tolerance, line, vertexPool, halfStart, out);
        if (side === 2) listPool[halfList + halfListCount++] = line;
        else if (side === 1) bitsPool[halfBits + (line >>> 5)] |= 1 << (line & 31);
      }
      nodeVertex[top] = halfStart;
      nodeVertexCount[top] = halfCount;
      nodeList[top] = halfList;
      nodeListCount[top] = halfListCount;
      nodeBits[top] = halfBits;
      top++;
      offTop = out;
    }
  }
  level.vertexPool = vertexPool;
  level.listPool = listPool;
  level.bitsPool = bitsPool;
  level.values = values;
  level.leafOffsets = leafOffsets;
  level.leafVertices = leafVertices;
  level.leafBits = leafBits;
  level.leafCount = leafCount;
}

/** Where a next layer's maps are written: a hidden level, or the output layer's logits. */
type MapTarget = Pick<Level, 'size' | 'map'>;

/** Clears bits [start, start + count) of a packed bitset. */
function clearBits(target: Uint32Array, base: number, start: number, count: number): void {
  let bit = start;
  const end = start + count;
  while (bit < end) {
    const word = bit >>> 5;
    const from = bit & 31;
    const to = Math.min(32, from + (end - bit));
    const mask = to === 32 ? ~0 << from : ((1 << to) - 1) & (~0 << from);
    target[base + word] &= ~mask;
    bit += to - from;
  }
}

/** ORs `words` words of `source` (a layer's bits from bit 0) into `target` at a bit offset. */
function orBits(
  target: Uint32Array,
  base: number,
  offset: number,
  source: Uint32Array,
  sourceStart: number,
  words: number,
): void {
  const shift = offset & 31;
  let word = base + (offset >>> 5);
  for (let w = 0; w < words; w++, word++) {
    const value = source[sourceStart + w];
    if (value === 0) continue;
    target[word] |= value << shift;
    if (shift !== 0) {
      const carry = value >>> (32 - shift);
      if (carry !== 0) target[word + 1] |= carry;
    }
  }
}

/** Z_{l+1} of a piece from scratch: b + Σ_{k on} W[:, k] ⊗ Z_l[k]. */
function mapFromScratch(level: Level, next: MapTarget, bits: Uint32Array, bitsStart: number): void {
  if (level.nextRows !== null) {
    mapFromScratchDense(level, next, bits, bitsStart);
    return;
  }
  const start = level.nextStart!;
  const row = level.nextRow!;
  const value = level.nextValue!;
  const bias = level.nextBias!;
  const map = level.map;
  const out = next.map;
  for (let i = 0; i < next.size; i++) {
    out[3 * i] = 0;
    out[3 * i + 1] = 0;
    out[3 * i + 2] = bias[i];
  }
  for (let w = 0; w < level.words; w++) {
    let word = bits[bitsStart + w];
    while (word !== 0) {
      const low = word & -word;
      word ^= low;
      const k = (w << 5) + 31 - Math.clz32(low);
      const za = map[3 * k];
      const zb = map[3 * k + 1];
      const zc = map[3 * k + 2];
      for (let q = start[k]; q < start[k + 1]; q++) {
        const i = 3 * row[q];
        const weight = value[q];
        out[i] += weight * za;
        out[i + 1] += weight * zb;
        out[i + 2] += weight * zc;
      }
    }
  }
}

/** mapFromScratch for a dense next layer: one dot product per output row. */
function mapFromScratchDense(
  level: Level,
  next: MapTarget,
  bits: Uint32Array,
  bitsStart: number,
): void {
  const rows = level.nextRows!;
  const bias = level.nextBias!;
  const map = level.map;
  const out = next.map;
  const onList = level.onList;
  const inDim = level.size;
  let onCount = 0;
  for (let w = 0; w < level.words; w++) {
    let word = bits[bitsStart + w];
    while (word !== 0) {
      const low = word & -word;
      word ^= low;
      onList[onCount++] = (w << 5) + 31 - Math.clz32(low);
    }
  }
  for (let i = 0; i < next.size; i++) {
    const base = i * inDim;
    let sa = 0;
    let sb = 0;
    let sc = bias[i];
    for (let q = 0; q < onCount; q++) {
      const k = onList[q];
      const weight = rows[base + k];
      sa += weight * map[3 * k];
      sb += weight * map[3 * k + 1];
      sc += weight * map[3 * k + 2];
    }
    out[3 * i] = sa;
    out[3 * i + 1] = sb;
    out[3 * i + 2] = sc;
  }
}

/** Z_{l+1} of a piece from its predecessor's: ± W[:, k] ⊗ Z_l[k] per differing neuron k. */
function mapFromNeighbour(
  level: Level,
  next: MapTarget,
  bits: Uint32Array,
  bitsStart: number,
  previousStart: number,
): void {
  const start = level.nextStart!;
  const row = level.nextRow!;
  const value = level.nextValue!;
  const map = level.map;
  const out = next.map;
  for (let w = 0; w < level.words; w++) {
    const now = bits[bitsStart + w];
    let word = now ^ bits[previousStart + w];
    while (word !== 0) {
      const low = word & -word;
      word ^= low;
      const k = (w << 5) + 31 - Math.clz32(low);
      const sign = (now & low) !== 0 ? 1 : -1;
      const za = sign * map[3 * k];
      const zb = sign * map[3 * k + 1];
      const zc = sign * map[3 * k + 2];
      for (let q = start[k]; q < start[k + 1]; q++) {
        const i = 3 * row[q];
        const weight = value[q];
        out[i] += weight * za;
        out[i + 1] += weight * zb;
        out[i + 2] += weight * zc;
      }
    }
  }
}

/** The first hidden layer's lines on the plane: W·(origin + x·u + y·v) + b. */
function firstLayerMap(network: Network, plane: Plane, out: Float64Array): void {
  const layer = network.layers[0];
  const inDim = layer.inDim;
  const weights = layer.weights;
  for (let j = 0; j < layer.outDim; j++) {
    let sa = 0;
    let sb = 0;
    let sc = layer.bias[j];
    const rowStart = j * inDim;
    for (let i = 0; i < inDim; i++) {
      const w = weights[rowStart + i];
      if (w === 0) continue;
      sa += w * plane.u[i];
      sb += w * plane.v[i];
      sc += w * plane.origin[i];
    }
    out[3 * j] = sa;
    out[3 * j + 1] = sb;
    out[3 * j + 2] = sc;
  }
}

/** Shoelace area of one polygon (vertex range) in a flat buffer. */
function polygonArea(vertices: Float64Array, start: number, count: number): number {
  return 0.5 * signedArea2(vertices, start, count);
}

export interface PartitionOptions extends PartitionControl {
  /**
   * A partition the caller no longer needs: its buffers receive the new result, which
   * then shares their memory. Fresh multi-megabyte arrays cost page faults, so a loop over
   * planes that discards each partition runs faster recycling it.
   */
  recycle?: Partition;
  /**
   * Called once per region, in output order, with the network's output layer on it: the
   * logits are affine there, `ca·x + cb·y + c0` per class (3 numbers each, as the hidden
   * maps), and the region's polygon is `vertices[2·start …)` with `count` vertices. The
   * engine derives these maps as it derives the hidden ones (rank-1 updates between
   * neighbouring regions), so a caller gets them for a few flops per region. The arrays
   * are the engine's scratch: read them during the call only.
   */
  onRegionOutput?: RegionOutputVisitor;
}

export type RegionOutputVisitor = (
  region: number,
  logits: Float64Array,
  vertices: Float64Array,
  start: number,
  count: number,
) => void;

/** The full capacity of a typed array's buffer from its start. */
function capacity<T extends Float64Array | Uint32Array>(
  array: T,
  make: (b: ArrayBuffer, o: number) => T,
): T {
  return make(array.buffer as ArrayBuffer, array.byteOffset);
}

/** The exact partition of the plane's domain by every hidden neuron of the network. */
export function partitionPlane(
  network: Network,
  plane: Plane,
  options: PartitionOptions = {},
): Partition {
  const started = clock();
  const watch = new PartitionWatch(options, clock);
  for (const value of plane.domain) {
    if (!Number.isFinite(value)) throw new Error('partitionPlane: the plane domain is not finite');
  }
  if (plane.dim !== network.inputDim) {
    throw new Error(
      `plane has dimension ${plane.dim}, the network's input has ${network.inputDim}`,
    );
  }
  const hidden = network.layers.length - 1;
  const layerSizes: number[] = [];
  const levels: Level[] = [];
  let neuronCount = 0;
  for (let l = 0; l < hidden; l++) {
    const size = network.layers[l].outDim;
    layerSizes.push(size);
    levels.push(makeLevel(size, neuronCount, workspace.levels[l]));
    neuronCount += size;
  }
  for (let l = 0; l + 1 < hidden; l++) {
    const nextLayer = network.layers[l + 1];
    const columns = compressedColumns(nextLayer.weights, nextLayer.outDim, nextLayer.inDim);
    // Mostly dense: from-scratch maps take the row-wise dot-product path.
    if (columns.row.length > DENSE_ROWS * nextLayer.weights.length) {
      levels[l].nextRows = nextLayer.weights;
    }
    levels[l].nextStart = columns.start;
    levels[l].nextRow = columns.row;
    levels[l].nextValue = columns.value;
    levels[l].nextBias = nextLayer.bias;
  }
  // The output layer's maps per region, derived from the deepest level like a next layer.
  const visitor = options.onRegionOutput;
  const outputLayer = network.layers[hidden];
  const logits: MapTarget = {
    size: outputLayer.outDim,
    map: new Float64Array(3 * outputLayer.outDim),
  };
  if (visitor && hidden > 0) {
    const deepest = levels[hidden - 1];
    const columns = compressedColumns(outputLayer.weights, outputLayer.outDim, outputLayer.inDim);
    if (columns.row.length > DENSE_ROWS * outputLayer.weights.length) {
      deepest.nextRows = outputLayer.weights;
    }
    deepest.nextStart = columns.start;
    deepest.nextRow = columns.row;
    deepest.nextValue = columns.value;
    deepest.nextBias = outputLayer.bias;
  }
  /**
   * The deepest level's parent (a leaf index of the level above) when its map was derived
   * from the previous parent's (which emitted the last regions), else −1.
   */
  let carriedParent = -1;
  /** Incremental logit updates since the last map from scratch. */
  let logitSteps = 0;
  const deepestWords = hidden > 0 ? levels[hidden - 1].words : 0;
  /** The last emitted region's deepest-layer bits, then the next region's (scratch). */
  const lastBits = new Uint32Array(2 * deepestWords);
  const carryTerm = new Float64Array(outputLayer.outDim);

  /**
   * The logits of a parent's first region from the previous region's, the last of the
   * previous parent. The parents differ in a few neurons j of the level above, which moved
   * the deepest maps by ± W[:, j] ⊗ Z[j]; through the previous region's on neurons q that
   * moves its logits by ± (Σ_{k∈q} W_out[:, k] W[k, j]) ⊗ Z[j]. Then the neurons in which
   * the two regions differ are swapped in as between neighbours. A few hundred flops
   * instead of a map from scratch (on neurons × classes × 3) per parent.
   */
  /**
   * Whether carryLogits is cheaper than a map from scratch for this parent: its work grows
   * with the weights in the differing neurons' columns, a map from scratch with the region's
   * on neurons. Measured on LeNet-300-100: carrying pays at density 0.0342 and costs more
   * than it saves on dense weights.
   */
  const carryPays = (deepest: Level, above: Level | undefined, parent: number): boolean => {
    if (parent < 0 || !above) return false;
    let onCount = 0;
    for (let w = 0; w < deepestWords; w++) {
      let word = deepest.leafBits[w];
      while (word !== 0) {
        word &= word - 1;
        onCount++;
      }
    }
    const start = above.nextStart!;
    const bits = above.leafBits;
    const words = above.words;
    let weights = 0;
    for (let w = 0; w < words; w++) {
      let word = bits[parent * words + w] ^ bits[(parent - 1) * words + w];
      while (word !== 0) {
        const low = word & -word;
        word ^= low;
        const j = (w << 5) + 31 - Math.clz32(low);
        weights += start[j + 1] - start[j];
        if (weights > onCount) return false;
      }
    }
    return true;
  };

  const carryLogits = (deepest: Level, above: Level, parent: number): void => {
    const words = above.words;
    const bits = above.leafBits;
    const now = parent * words;
    const previous = (parent - 1) * words;
    const start = above.nextStart!;
    const row = above.nextRow!;
    const value = above.nextValue!;
    const outStart = deepest.nextStart!;
    const outRow = deepest.nextRow!;
    const outValue = deepest.nextValue!;
    const map = logits.map;
    const classes = logits.size;
    for (let w = 0; w < words; w++) {
      const on = bits[now + w];
      let word = on ^ bits[previous + w];
      while (word !== 0) {
        const low = word & -word;
        word ^= low;
        const j = (w << 5) + 31 - Math.clz32(low);
        carryTerm.fill(0);
        for (let q = start[j]; q < start[j + 1]; q++) {
          const k = row[q];
          if ((lastBits[k >>> 5] & (1 << (k & 31))) === 0) continue;
          const weight = value[q];
          for (let t = outStart[k]; t < outStart[k + 1]; t++) {
            carryTerm[outRow[t]] += weight * outValue[t];
          }
        }
        const sign = (on & low) !== 0 ? 1 : -1;
        const za = sign * above.map[3 * j];
        const zb = sign * above.map[3 * j + 1];
        const zc = sign * above.map[3 * j + 2];
        for (let c = 0; c < classes; c++) {
          const g = carryTerm[c];
          if (g === 0) continue;
          map[3 * c] += g * za;
          map[3 * c + 1] += g * zb;
          map[3 * c + 2] += g * zc;
        }
      }
    }
    for (let w = 0; w < deepestWords; w++) lastBits[deepestWords + w] = deepest.leafBits[w];
    mapFromNeighbour(deepest, logits, lastBits, deepestWords, 0);
  };

  const patternWords = (neuronCount + 31) >>> 5;
  const domain = plane.domain;
  const domainCount = domain.length / 2;
  const domainArea = polygonArea(domain, 0, domainCount);
  let scale = 0;
  for (let i = 0; i < domain.length; i++) scale = Math.max(scale, Math.abs(domain[i]));

  workspace.levels = levels;
  const recycle = options.recycle;
  const output: Output = recycle
    ? {
        count: 0,
        vertexCount: 0,
        offsets: capacity(recycle.vertexOffsets, (b, o) => new Uint32Array(b, o)),
        vertices: capacity(recycle.vertices, (b, o) => new Float64Array(b, o)),
        areas: capacity(recycle.areas, (b, o) => new Float64Array(b, o)),
        patterns: capacity(recycle.patterns, (b, o) => new Uint32Array(b, o)),
      }
    : (workspace.output ?? {
        count: 0,
        vertexCount: 0,
        offsets: new Uint32Array(4096),
        vertices: new Float64Array(32768),
        areas: new Float64Array(4096),
        patterns: new Uint32Array(4096),
      });
  if (!recycle) workspace.output = output;
  if (output.offsets.length < 2) output.offsets = new Uint32Array(4096);
  output.count = 0;
  output.vertexCount = 0;
  output.offsets[0] = 0;

  const current = new Uint32Array(Math.max(1, patternWords) + 1);

  /** Appends all leaves of the deepest level's current parent to the output. */
  const emitLeaves = (level: Level): void => {
    const leafCount = level.leafCount;
    const leafOffsets = level.leafOffsets;
    const leafVertices = level.leafVertices;
    const first = output.count;
    const vertexBase = output.vertexCount;
    const vertexTotal = leafOffsets[leafCount];
    const regions = first + leafCount;
    if (regions + 1 > output.offsets.length) output.offsets = growUint(output.offsets, regions + 1);
    if (regions > output.areas.length) output.areas = growFloat(output.areas, regions);
    if (regions * patternWords > output.patterns.length) {
      output.patterns = growUint(output.patterns, regions * patternWords);
    }
    if (2 * (vertexBase + vertexTotal) > output.vertices.length) {
      output.vertices = growFloat(output.vertices, 2 * (vertexBase + vertexTotal));
    }
    const { offsets, areas, patterns, vertices } = output;
    vertices.set(leafVertices.subarray(0, 2 * vertexTotal), 2 * vertexBase);
    for (let leaf = 0; leaf < leafCount; leaf++) {
      const r = first + leaf;
      const start = leafOffsets[leaf];
      const end = leafOffsets[leaf + 1];
      clearBits(current, 0, level.bitOffset, level.size);
      orBits(current, 0, level.bitOffset, level.leafBits, leaf * level.words, level.words);
      for (let w = 0; w < patternWords; w++) patterns[r * patternWords + w] = current[w];
      areas[r] = polygonArea(leafVertices, start, end - start);
      offsets[r + 1] = vertexBase + end;
      if (visitor) {
        // Each region's logits derive from the previous region's (see carryLogits), with a
        // map from scratch every REFRESH_INTERVAL steps so that round-off cannot drift.
        if (
          logitSteps >= REFRESH_INTERVAL ||
          (leaf === 0 && !carryPays(level, levels[hidden - 2], carriedParent))
        ) {
          mapFromScratch(level, logits, level.leafBits, leaf * level.words);
          logitSteps = 0;
        } else {
          if (leaf === 0) carryLogits(level, levels[hidden - 2], carriedParent);
          else {
            mapFromNeighbour(
              level,
              logits,
              level.leafBits,
              leaf * level.words,
              (leaf - 1) * level.words,
            );
          }
          logitSteps++;
        }
        visitor(r, logits.map, leafVertices, start, end - start);
      }
    }
    if (visitor) {
      // The last region's bits, for the next parent's first region (carryLogits).
      for (let w = 0; w < level.words; w++)
        lastBits[w] = level.leafBits[(leafCount - 1) * level.words + w];
    }
    output.count = first + leafCount;
    output.vertexCount = vertexBase + vertexTotal;
    watch.check(output.count + pendingLeaves);
  };

  // Timing: clock calls per region would cost more than the work they time, so only the
  // levels above the deepest are timed per call; the deepest level gets the remainder.
  const inclusiveMs = new Float64Array(hidden);
  const splitMs = new Float64Array(hidden);
  // Pieces of upper layers not yet descended into: each becomes at least one region, so
  // the output plus these is a lower bound of the final count that the budget checks.
  let pendingLeaves = 0;

  // Recursion over layers: its depth is the number of hidden layers.
  const descend = (l: number, source: Float64Array, start: number, count: number): void => {
    const level = levels[l];
    const timed = l + 1 < hidden;
    const t0 = timed ? clock() : 0;
    splitParent(level, source, start, count, watch, output.count + pendingLeaves);
    level.regions += level.leafCount;
    if (!timed) {
      emitLeaves(level);
      return;
    }
    const t1 = clock();
    splitMs[l] += t1 - t0;
    const next = levels[l + 1];
    const leafCount = level.leafCount;
    pendingLeaves += leafCount;
    for (let leaf = 0; leaf < leafCount; leaf++) {
      pendingLeaves--;
      clearBits(current, 0, level.bitOffset, level.size);
      orBits(current, 0, level.bitOffset, level.leafBits, leaf * level.words, level.words);
      const vStart = level.leafOffsets[leaf];
      const vCount = level.leafOffsets[leaf + 1] - vStart;
      if (leaf % REFRESH_INTERVAL === 0) {
        mapFromScratch(level, next, level.leafBits, leaf * level.words);
      } else {
        mapFromNeighbour(level, next, level.leafBits, leaf * level.words, (leaf - 1) * level.words);
      }
      // The deepest level's logits can follow the same step (see carryLogits).
      if (l + 2 === hidden) carriedParent = leaf % REFRESH_INTERVAL === 0 ? -1 : leaf;
      // The leaf buffers of this level stay untouched while deeper levels work.
      descend(l + 1, level.leafVertices, vStart, vCount);
    }
    inclusiveMs[l] += clock() - t0;
  };

  const perLayerMs: number[] = new Array<number>(hidden).fill(0);
  if (hidden === 0) {
    output.offsets[1] = domainCount;
    if (domain.length > output.vertices.length) output.vertices = new Float64Array(domain.length);
    output.vertices.set(domain);
    output.areas[0] = domainArea;
    output.count = 1;
    output.vertexCount = domainCount;
    if (visitor) {
      // No hidden layer: the output layer is affine on the whole domain.
      firstLayerMap(network, plane, logits.map);
      visitor(0, logits.map, domain, 0, domainCount);
    }
  } else {
    const t0 = clock();
    firstLayerMap(network, plane, levels[0].map);
    for (const value of levels[0].map) {
      if (!Number.isFinite(value)) {
        throw new Error('partitionPlane: NaN or Infinity in the network or the plane');
      }
    }
    for (const level of levels) level.scale = scale;
    watch.start();
    try {
      descend(0, domain, 0, domainCount);
    } catch (error) {
      // A stopped partition may have grown the scratch output far: let it go.
      if (!recycle && workspaceBytes(output) > WORKSPACE_KEEP_BYTES) workspace.output = null;
      throw error;
    }
    const total = clock() - t0;
    if (hidden === 1) {
      perLayerMs[0] = total;
    } else {
      // Level l's own time: its splits; the maps it derives and the loop belong to l + 1.
      perLayerMs[0] = splitMs[0] + (total - inclusiveMs[0]);
      for (let l = 1; l < hidden; l++) {
        const below = l + 1 < hidden ? inclusiveMs[l] - splitMs[l] : 0;
        perLayerMs[l] = inclusiveMs[l - 1] - splitMs[l - 1] - below;
      }
    }
  }

  const regionCount = output.count;
  // Recycled buffers become the result's (views); workspace buffers are copied out.
  const take = <T extends Float64Array | Uint32Array>(array: T, length: number): T =>
    (recycle ? array.subarray(0, length) : array.slice(0, length)) as T;
  const result: Partition = {
    regionCount,
    vertexOffsets: take(output.offsets, regionCount + 1),
    vertices: take(output.vertices, 2 * output.vertexCount),
    areas: take(output.areas, regionCount),
    patternWords,
    patterns: take(output.patterns, regionCount * patternWords),
    neuronCount,
    layerSizes,
    regionsPerLayer: levels.map((level) => level.regions),
    domainArea,
    timings: { perLayerMs, totalMs: clock() - started },
  };
  if (!recycle && workspaceBytes(output) > WORKSPACE_KEEP_BYTES) workspace.output = null;
  return result;
}

/** Whether hidden neuron k is on in region r. */
export function regionBit(partition: Partition, region: number, neuron: number): boolean {
  return (
    (partition.patterns[region * partition.patternWords + (neuron >>> 5)] &
      (1 << (neuron & 31))) !==
    0
  );
}

/** The region containing plane point (x, y), or −1 outside the domain. Linear scan. */
export function regionAt(partition: Partition, x: number, y: number): number {
  const { vertices, vertexOffsets } = partition;
  let best = -1;
  let bestMargin = -Infinity;
  for (let r = 0; r < partition.regionCount; r++) {
    const start = vertexOffsets[r];
    const end = vertexOffsets[r + 1];
    // The smallest normalised edge distance: ≥ 0 inside a CCW convex polygon.
    let margin = Infinity;
    for (let i = start; i < end; i++) {
      const j = i + 1 === end ? start : i + 1;
      const ex = vertices[2 * j] - vertices[2 * i];
      const ey = vertices[2 * j + 1] - vertices[2 * i + 1];
      const length = Math.hypot(ex, ey);
      if (length === 0) continue;
      const distance = (ex * (y - vertices[2 * i + 1]) - ey * (x - vertices[2 * i])) / length;
      if (distance < margin) margin = distance;
      if (margin < bestMargin) break;
    }
    if (margin > bestMargin) {
      bestMargin = margin;
      best = r;
      if (margin > 0) return r;
    }
  }
  // On a shared edge no region has a positive margin: take the best one if it touches.
  const scale = Math.sqrt(partition.domainArea);
  return bestMargin >= -1e-12 * scale ? best : -1;
}

/** Regions per unit area of the domain (figure 3.5). */
export function regionDensity(partition: Partition): number {
  return partition.regionCount / partition.domainArea;
}
