/**
 * Drawing a partition on a canvas. Paths are built once per partition, in plane
 * coordinates, batched by palette colour (so a 35,000-region partition is ~100 fills, not
 * 35,000), plus batches for all edges; zoom and pan only change the canvas transform.
 *
 * Polygons are closed with a lineTo back to their first vertex, never closePath(), and a
 * batch holds at most BATCH polygons: in Chromium, closePath() on a Path2D that already
 * holds many subpaths costs time proportional to its size (35,000 regions in one path took
 * 5.3 s to build; chunked without closePath, 18 ms).
 */
import type { PartitionView } from '../../../src-shared/api/dto.ts';
import {
  BLANKET_BLUE,
  BLANKET_RED,
  PALETTE_SIZE,
  REGION_PALETTE,
  regionColorIndices,
} from './colors.ts';
import type { Bounds } from './plane-geometry.ts';

const BATCH = 2048;

/** Polygons spread over Path2D chunks of at most BATCH each. */
export class PathBatch {
  readonly paths: Path2D[] = [];
  private count = 0;

  add(view: PartitionView, region: number): void {
    if (this.count % BATCH === 0) this.paths.push(new Path2D());
    this.count++;
    const path = this.paths[this.paths.length - 1];
    const start = view.vertexOffsets[region];
    const end = view.vertexOffsets[region + 1];
    const v = view.vertices;
    path.moveTo(v[2 * start], v[2 * start + 1]);
    for (let i = start + 1; i < end; i++) path.lineTo(v[2 * i], v[2 * i + 1]);
    path.lineTo(v[2 * start], v[2 * start + 1]);
  }

  fill(ctx: CanvasRenderingContext2D): void {
    for (const path of this.paths) ctx.fill(path);
  }

  stroke(ctx: CanvasRenderingContext2D): void {
    for (const path of this.paths) ctx.stroke(path);
  }
}

export interface PartitionPaths {
  fills: PathBatch[];
  edges: PathBatch;
  domain: Path2D;
}

export function buildPartitionPaths(view: PartitionView): PartitionPaths {
  const colors = regionColorIndices(view.patterns, view.patternWords, view.regionCount);
  const fills = Array.from({ length: PALETTE_SIZE }, () => new PathBatch());
  const edges = new PathBatch();
  for (let r = 0; r < view.regionCount; r++) {
    fills[colors[r]].add(view, r);
    edges.add(view, r);
  }
  const domain = new Path2D();
  const d = view.domain;
  if (d.length >= 6) {
    domain.moveTo(d[0], d[1]);
    for (let i = 2; i + 1 < d.length; i += 2) domain.lineTo(d[i], d[i + 1]);
    domain.closePath();
  }
  return { fills, edges, domain };
}

export interface BlanketPaths {
  inside: PathBatch;
  outside: PathBatch;
}

export function buildBlanketPaths(view: PartitionView, mask: Uint8Array): BlanketPaths {
  const inside = new PathBatch();
  const outside = new PathBatch();
  for (let r = 0; r < view.regionCount; r++) (mask[r] ? inside : outside).add(view, r);
  return { inside, outside };
}

/** Plane → pixel: x' = scale·x + offsetX, y' = −scale·y + offsetY (plane y points up). */
export interface ViewTransform {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** The transform that fits `bounds` into a width × height canvas with a margin. */
export function fitTransform(
  bounds: Bounds,
  width: number,
  height: number,
  margin = 12,
): ViewTransform {
  const w = Math.max(bounds.maxX - bounds.minX, 1e-12);
  const h = Math.max(bounds.maxY - bounds.minY, 1e-12);
  const scale = Math.min((width - 2 * margin) / w, (height - 2 * margin) / h);
  return {
    scale,
    offsetX: width / 2 - (scale * (bounds.minX + bounds.maxX)) / 2,
    offsetY: height / 2 + (scale * (bounds.minY + bounds.maxY)) / 2,
  };
}

export function toPlane(t: ViewTransform, px: number, py: number): [number, number] {
  return [(px - t.offsetX) / t.scale, -(py - t.offsetY) / t.scale];
}

export function toPixel(t: ViewTransform, x: number, y: number): [number, number] {
  return [t.scale * x + t.offsetX, -t.scale * y + t.offsetY];
}

/** Zoom by `factor` about the pixel (px, py), which stays put. */
export function zoomAt(t: ViewTransform, factor: number, px: number, py: number): ViewTransform {
  return {
    scale: t.scale * factor,
    offsetX: px - (px - t.offsetX) * factor,
    offsetY: py - (py - t.offsetY) * factor,
  };
}

export interface DrawOptions {
  transform: ViewTransform;
  /** Device pixels per CSS pixel. */
  ratio: number;
  width: number;
  height: number;
  paths: PartitionPaths;
  blanket: BlanketPaths | null;
  edges: boolean;
  points: Float64Array | null;
  highlight: Path2D | null;
}

const MARKERS = ['circle', 'square', 'triangle'] as const;

/** ○ □ △ at the spanning points, in pixel space so they keep their size when zooming. */
export function drawMarker(
  ctx: CanvasRenderingContext2D,
  kind: (typeof MARKERS)[number],
  x: number,
  y: number,
  size: number,
): void {
  ctx.beginPath();
  if (kind === 'circle') ctx.arc(x, y, size, 0, Math.PI * 2);
  else if (kind === 'square') ctx.rect(x - size, y - size, 2 * size, 2 * size);
  else {
    ctx.moveTo(x, y - size * 1.2);
    ctx.lineTo(x + size * 1.1, y + size * 0.8);
    ctx.lineTo(x - size * 1.1, y + size * 0.8);
    ctx.closePath();
  }
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#111';
  ctx.stroke();
}

export function drawPartition(ctx: CanvasRenderingContext2D, o: DrawOptions): void {
  const { transform: t, ratio } = o;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, o.width * ratio, o.height * ratio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, o.width * ratio, o.height * ratio);
  ctx.setTransform(ratio * t.scale, 0, 0, -ratio * t.scale, ratio * t.offsetX, ratio * t.offsetY);
  if (o.blanket) {
    ctx.fillStyle = BLANKET_BLUE;
    o.blanket.outside.fill(ctx);
    ctx.fillStyle = BLANKET_RED;
    o.blanket.inside.fill(ctx);
  } else {
    for (let c = 0; c < o.paths.fills.length; c++) {
      ctx.fillStyle = REGION_PALETTE[c];
      o.paths.fills[c].fill(ctx);
    }
  }
  const pixel = 1 / (ratio * t.scale);
  if (o.edges) {
    // Exactly one device pixel: Skia then strokes as hairlines, ~35× faster than a wider
    // line (35,000 regions: 33 ms instead of 1.2 s in software rendering).
    ctx.lineWidth = pixel;
    ctx.strokeStyle = o.blanket ? 'rgba(30, 41, 59, 0.22)' : 'rgba(30, 41, 59, 0.38)';
    o.paths.edges.stroke(ctx);
  }
  ctx.lineWidth = 1.2 * ratio * pixel;
  ctx.strokeStyle = '#334155';
  ctx.stroke(o.paths.domain);
  if (o.highlight) {
    ctx.lineWidth = 2.5 * ratio * pixel;
    ctx.strokeStyle = '#0f172a';
    ctx.stroke(o.highlight);
  }
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  if (o.points) {
    for (let k = 0; k < 3 && 2 * k + 1 < o.points.length; k++) {
      const [x, y] = toPixel(t, o.points[2 * k], o.points[2 * k + 1]);
      drawMarker(ctx, MARKERS[k], x, y, 6);
    }
  }
}

export function regionPath(view: PartitionView, region: number): Path2D {
  const batch = new PathBatch();
  batch.add(view, region);
  return batch.paths[0];
}
