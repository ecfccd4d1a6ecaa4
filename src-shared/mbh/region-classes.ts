/**
 * The network's predicted class on each activation region, exactly.
 *
 * Inside a region the network is affine on the plane, so each logit is `a·x + b·y + c`
 * there (./partition.ts hands these maps to `onRegionOutput`). Class k is the arg-max on
 * the set {l_k ≥ l_j for every j}, an intersection of half-planes, hence convex: if every
 * vertex of the (convex) region has arg-max c, the whole region has. So a region is
 * tested at its vertices only; one whose vertices disagree is "mixed", and each class's
 * share of it is the exact area of the region clipped by that class's half-planes.
 *
 * Ties: a point where two logits are equal belongs to the lower class index (as an
 * arg-max over samples does); they have zero area, so shares do not depend on it.
 */
import {
  partitionPlane,
  SIDE_TOLERANCE,
  type Partition,
  type PartitionOptions,
} from './partition.ts';
import { signedArea2, type Plane } from './plane.ts';
import type { Network } from '../model/network.ts';

/** `predictedClasses` of a region whose arg-max class changes inside it. */
export const MIXED_CLASS = -1;

/**
 * A class whose share of a region is below this counts as absent: clipping a polygon by
 * a line that only grazes it (within the side tolerance) leaves a sliver of round-off
 * size, far below any area a viewer or a statistic could show.
 */
export const MIN_CLASS_SHARE = 1e-9;

/** The most classes an Int16Array of class indices holds. */
const MAX_CLASSES = 32767;

export interface RegionClasses {
  /** Per region: its predicted class where constant over the region, else MIXED_CLASS. */
  predictedClasses: Int16Array;
  /** R + 1 offsets into mixedClasses/mixedShares; an empty range for constant regions. */
  mixedOffsets: Uint32Array;
  /** Per mixed region, the classes that win somewhere in it, by area share high to low. */
  mixedClasses: Int16Array;
  /** The share of the region's area where that class is the arg-max (they sum to 1). */
  mixedShares: Float64Array;
}

function grow<T extends Float64Array | Int16Array | Uint32Array>(
  array: T,
  need: number,
  make: (length: number) => T,
): T {
  if (need <= array.length) return array;
  const next = make(Math.max(need, 2 * array.length, 64));
  next.set(array);
  return next;
}

/**
 * Collects the predicted class of each region as the engine emits it: pass `visit` as
 * `onRegionOutput` of one partition, then take `result()`. Buffers grow as needed.
 */
export class RegionClassifier {
  private classes = new Int16Array(1024);
  private offsets = new Uint32Array(1025);
  private mixedClasses = new Int16Array(64);
  private mixedShares = new Float64Array(64);
  private mixedCount = 0;
  private regionCount = 0;
  /** Two clipping buffers, swapped per half-plane. */
  private clipA = new Float64Array(64);
  private clipB = new Float64Array(64);
  private readonly areas: Float64Array;
  private readonly order: number[];

  /**
   * @param classCount the network's outputs
   * @param scale the domain's coordinate scale S of the side tolerance (./partition.ts)
   */
  constructor(
    private readonly classCount: number,
    private readonly scale: number,
  ) {
    if (!Number.isInteger(classCount) || classCount < 1 || classCount > MAX_CLASSES) {
      throw new Error(
        `region classes: the network has ${classCount} outputs (1 to ${MAX_CLASSES})`,
      );
    }
    this.areas = new Float64Array(classCount);
    this.order = [];
  }

  /** The engine's per-region callback (see PartitionOptions.onRegionOutput). */
  readonly visit = (
    region: number,
    logits: Float64Array,
    vertices: Float64Array,
    start: number,
    count: number,
  ): void => {
    if (region + 2 > this.offsets.length) {
      this.offsets = grow(this.offsets, region + 2, (n) => new Uint32Array(n));
      this.classes = grow(this.classes, region + 2, (n) => new Int16Array(n));
    }
    this.regionCount = region + 1;
    const predicted = this.constantClass(logits, vertices, start, count);
    this.classes[region] = predicted >= 0 ? predicted : this.mixed(logits, vertices, start, count);
    this.offsets[region + 1] = this.mixedCount;
  };

  /** The arrays for the regions visited so far (copies of the scratch buffers). */
  result(): RegionClasses {
    return {
      predictedClasses: this.classes.slice(0, this.regionCount),
      mixedOffsets: this.offsets.slice(0, this.regionCount + 1),
      mixedClasses: this.mixedClasses.slice(0, this.mixedCount),
      mixedShares: this.mixedShares.slice(0, this.mixedCount),
    };
  }

  /** The side tolerance of the line l_k − l_j = 0 (as the engine's for its lines). */
  private tolerance(da: number, db: number, dc: number): number {
    return SIDE_TOLERANCE * ((Math.abs(da) + Math.abs(db)) * this.scale + Math.abs(dc));
  }

  /**
   * The class that is the arg-max at every vertex (within the side tolerance), or −1.
   * The candidate is the arg-max at the vertices' mean, an interior point.
   */
  private constantClass(
    logits: Float64Array,
    vertices: Float64Array,
    start: number,
    count: number,
  ): number {
    let mx = 0;
    let my = 0;
    for (let i = start; i < start + count; i++) {
      mx += vertices[2 * i];
      my += vertices[2 * i + 1];
    }
    mx /= count;
    my /= count;
    let best = 0;
    let bestValue = -Infinity;
    for (let k = 0; k < this.classCount; k++) {
      const value = logits[3 * k] * mx + logits[3 * k + 1] * my + logits[3 * k + 2];
      if (value > bestValue) {
        bestValue = value;
        best = k;
      }
    }
    const ca = logits[3 * best];
    const cb = logits[3 * best + 1];
    const cc = logits[3 * best + 2];
    for (let j = 0; j < this.classCount; j++) {
      if (j === best) continue;
      const da = ca - logits[3 * j];
      const db = cb - logits[3 * j + 1];
      const dc = cc - logits[3 * j + 2];
      const e = this.tolerance(da, db, dc);
      for (let i = start; i < start + count; i++) {
        if (da * vertices[2 * i] + db * vertices[2 * i + 1] + dc < -e) return -1;
      }
    }
    return best;
  }

  /**
   * A region whose vertices disagree: each class's exact area in it (the polygon clipped
   * by l_k ≥ l_j for every j ≠ k), appended as shares. Returns MIXED_CLASS, or the one
   * class left when every other share is round-off.
   */
  private mixed(
    logits: Float64Array,
    vertices: Float64Array,
    start: number,
    count: number,
  ): number {
    const areas = this.areas;
    let total = 0;
    for (let k = 0; k < this.classCount; k++) {
      areas[k] = this.classArea(k, logits, vertices, start, count);
      total += areas[k];
    }
    const order = this.order;
    order.length = 0;
    for (let k = 0; k < this.classCount; k++) {
      if (total > 0 && areas[k] / total >= MIN_CLASS_SHARE) order.push(k);
    }
    if (order.length === 1) return order[0];
    order.sort((p, q) => areas[q] - areas[p] || p - q);
    let kept = 0;
    for (const k of order) kept += areas[k];
    const need = this.mixedCount + order.length;
    this.mixedClasses = grow(this.mixedClasses, need, (n) => new Int16Array(n));
    this.mixedShares = grow(this.mixedShares, need, (n) => new Float64Array(n));
    for (const k of order) {
      this.mixedClasses[this.mixedCount] = k;
      this.mixedShares[this.mixedCount] = areas[k] / kept;
      this.mixedCount++;
    }
    return MIXED_CLASS;
  }

  /** The area of the polygon where class k is the arg-max (Sutherland–Hodgman clipping). */
  private classArea(
    k: number,
    logits: Float64Array,
    vertices: Float64Array,
    start: number,
    count: number,
  ): number {
    let source = (this.clipA = grow(this.clipA, 2 * count, (n) => new Float64Array(n)));
    for (let i = 0; i < 2 * count; i++) source[i] = vertices[2 * start + i];
    let n = count;
    const ka = logits[3 * k];
    const kb = logits[3 * k + 1];
    const kc = logits[3 * k + 2];
    for (let j = 0; j < this.classCount && n >= 3; j++) {
      if (j === k) continue;
      const da = ka - logits[3 * j];
      const db = kb - logits[3 * j + 1];
      const dc = kc - logits[3 * j + 2];
      const e = this.tolerance(da, db, dc);
      // A convex polygon gains at most one vertex per cut.
      const target = (this.clipB = grow(this.clipB, 2 * (n + 1), (m) => new Float64Array(m)));
      let out = 0;
      for (let i = 0; i < n; i++) {
        const next = i + 1 === n ? 0 : i + 1;
        const xi = source[2 * i];
        const yi = source[2 * i + 1];
        const fi = da * xi + db * yi + dc;
        const fj = da * source[2 * next] + db * source[2 * next + 1] + dc;
        if (fi >= -e) {
          target[out++] = xi;
          target[out++] = yi;
        }
        if ((fi > e && fj < -e) || (fi < -e && fj > e)) {
          const t = fi / (fi - fj);
          target[out++] = xi + t * (source[2 * next] - xi);
          target[out++] = yi + t * (source[2 * next + 1] - yi);
        }
      }
      n = out / 2;
      this.clipB = source;
      this.clipA = source = target;
    }
    return n >= 3 ? Math.max(0, 0.5 * signedArea2(source, 0, n)) : 0;
  }
}

/** The domain's coordinate scale S of the engine's side tolerance. */
function domainScale(plane: Plane): number {
  let scale = 0;
  for (const value of plane.domain) scale = Math.max(scale, Math.abs(value));
  return scale;
}

/** The exact partition (./partition.ts) with each region's predicted class. */
export function partitionWithClasses(
  network: Network,
  plane: Plane,
  options: Omit<PartitionOptions, 'onRegionOutput'> = {},
): Partition & RegionClasses {
  const classifier = new RegionClassifier(network.layers.at(-1)!.outDim, domainScale(plane));
  const partition = partitionPlane(network, plane, {
    ...options,
    onRegionOutput: classifier.visit,
  });
  return { ...partition, ...classifier.result() };
}

/** The classes of one region and their area shares: one entry of share 1 when constant. */
export function regionClassShares(
  classes: RegionClasses,
  region: number,
): { classIndex: number; share: number }[] {
  const predicted = classes.predictedClasses[region];
  if (predicted !== MIXED_CLASS) return [{ classIndex: predicted, share: 1 }];
  const out: { classIndex: number; share: number }[] = [];
  for (let q = classes.mixedOffsets[region]; q < classes.mixedOffsets[region + 1]; q++) {
    out.push({ classIndex: classes.mixedClasses[q], share: classes.mixedShares[q] });
  }
  return out;
}
