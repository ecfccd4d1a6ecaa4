/**
 * Geometry of a partition as it arrives from the api (packed vertices plus offsets):
 * bounds, a uniform grid of region bounding boxes for hover look-ups, point-in-region
 * tests, and a region's pattern as bits grouped by layer.
 */
import type { PartitionView } from '../../../src-shared/api/dto.ts';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Bounds of packed x,y pairs. */
export function boundsOf(coords: Float64Array): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < coords.length; i += 2) {
    const x = coords[i];
    const y = coords[i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/**
 * Vertex range of region r in `vertices` (as vertex indices). Offsets have one entry per
 * region plus a final one, in vertices (not coordinates).
 */
export function regionRange(
  view: Pick<PartitionView, 'vertexOffsets'>,
  region: number,
): [number, number] {
  return [view.vertexOffsets[region], view.vertexOffsets[region + 1]];
}

/** Whether (x, y) lies in the convex polygon (either orientation), boundary included. */
export function insideConvex(
  vertices: Float64Array,
  start: number,
  end: number,
  x: number,
  y: number,
): boolean {
  let sign = 0;
  const count = end - start;
  if (count < 3) return false;
  for (let k = 0; k < count; k++) {
    const i = start + k;
    const j = start + ((k + 1) % count);
    const ax = vertices[2 * i];
    const ay = vertices[2 * i + 1];
    const bx = vertices[2 * j];
    const by = vertices[2 * j + 1];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    // Scale-aware tolerance: points on a shared edge belong to either neighbour.
    const tolerance =
      1e-12 * (Math.abs(bx - ax) + Math.abs(by - ay)) * (Math.abs(x) + Math.abs(y) + 1);
    if (Math.abs(cross) <= tolerance) continue;
    const s = cross > 0 ? 1 : -1;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

/** A uniform grid over the partition's bounds; each cell lists the regions whose box meets it. */
export class RegionIndex {
  readonly bounds: Bounds;
  private readonly size: number;
  private readonly cellStart: Uint32Array;
  private readonly cellRegions: Uint32Array;

  constructor(
    private readonly view: Pick<PartitionView, 'vertexOffsets' | 'vertices' | 'regionCount'>,
  ) {
    this.bounds = boundsOf(view.vertices);
    this.size = Math.max(1, Math.min(512, Math.ceil(Math.sqrt(view.regionCount / 2))));
    const n = this.size;
    const boxes = new Int32Array(view.regionCount * 4);
    const counts = new Uint32Array(n * n + 1);
    for (let r = 0; r < view.regionCount; r++) {
      const [start, end] = regionRange(view, r);
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (let v = start; v < end; v++) {
        const x = view.vertices[2 * v];
        const y = view.vertices[2 * v + 1];
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
      const c0 = this.cell(minX, minY);
      const c1 = this.cell(maxX, maxY);
      boxes.set([c0[0], c0[1], c1[0], c1[1]], r * 4);
      for (let cy = c0[1]; cy <= c1[1]; cy++)
        for (let cx = c0[0]; cx <= c1[0]; cx++) counts[cy * n + cx + 1]++;
    }
    for (let i = 1; i < counts.length; i++) counts[i] += counts[i - 1];
    this.cellStart = counts;
    this.cellRegions = new Uint32Array(counts[n * n]);
    const fill = counts.slice(0, n * n);
    for (let r = 0; r < view.regionCount; r++) {
      for (let cy = boxes[r * 4 + 1]; cy <= boxes[r * 4 + 3]; cy++) {
        for (let cx = boxes[r * 4]; cx <= boxes[r * 4 + 2]; cx++)
          this.cellRegions[fill[cy * n + cx]++] = r;
      }
    }
  }

  private cell(x: number, y: number): [number, number] {
    const { minX, minY, maxX, maxY } = this.bounds;
    const n = this.size;
    const cx = Math.floor(((x - minX) / (maxX - minX || 1)) * n);
    const cy = Math.floor(((y - minY) / (maxY - minY || 1)) * n);
    return [Math.min(n - 1, Math.max(0, cx)), Math.min(n - 1, Math.max(0, cy))];
  }

  /** The region containing (x, y), or -1 outside the partition. */
  locate(x: number, y: number): number {
    const { minX, minY, maxX, maxY } = this.bounds;
    if (x < minX || x > maxX || y < minY || y > maxY) return -1;
    const [cx, cy] = this.cell(x, y);
    const index = cy * this.size + cx;
    for (let k = this.cellStart[index]; k < this.cellStart[index + 1]; k++) {
      const r = this.cellRegions[k];
      const [start, end] = regionRange(this.view, r);
      if (insideConvex(this.view.vertices, start, end, x, y)) return r;
    }
    return -1;
  }
}

/** A region's activation pattern as "0110 1…" with one group per hidden layer. */
export function patternBits(
  view: Pick<PartitionView, 'patterns' | 'patternWords' | 'layerSizes'>,
  region: number,
): string {
  const groups: string[] = [];
  let neuron = 0;
  for (const size of view.layerSizes) {
    let bits = '';
    for (let k = 0; k < size; k++, neuron++) {
      const word = view.patterns[region * view.patternWords + (neuron >>> 5)];
      bits += (word >>> (neuron & 31)) & 1 ? '1' : '0';
    }
    groups.push(bits);
  }
  return groups.join(' ');
}

/** Area share of the regions flagged in `mask` (blanket coverage). */
export function flaggedArea(areas: Float64Array, mask: Uint8Array): number {
  let sum = 0;
  for (let r = 0; r < areas.length; r++) if (mask[r]) sum += areas[r];
  return sum;
}
