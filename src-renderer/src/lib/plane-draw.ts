/**
 * Drawing a partition on a canvas. Paths are built once per partition, in plane
 * coordinates, one Path2D per palette colour (so a 35,000-region partition is ~65 fills,
 * not 35,000), plus one for all edges; zoom and pan only change the canvas transform.
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

export interface PartitionPaths {
  fills: Path2D[];
  edges: Path2D;
  domain: Path2D;
}

function addPolygon(path: Path2D, view: PartitionView, region: number): void {
  const start = view.vertexOffsets[region];
  const end = view.vertexOffsets[region + 1];
  const v = view.vertices;
  path.moveTo(v[2 * start], v[2 * start + 1]);
  for (let i = start + 1; i < end; i++) path.lineTo(v[2 * i], v[2 * i + 1]);
  path.closePath();
}

export function buildPartitionPaths(view: PartitionView): PartitionPaths {
  const colors = regionColorIndices(view.patterns, view.patternWords, view.regionCount);
  const fills = Array.from({ length: PALETTE_SIZE }, () => new Path2D());
  const edges = new Path2D();
  for (let r = 0; r < view.regionCount; r++) {
    addPolygon(fills[colors[r]], view, r);
    addPolygon(edges, view, r);
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
  inside: Path2D;
  outside: Path2D;
}

export function buildBlanketPaths(view: PartitionView, mask: Uint8Array): BlanketPaths {
  const inside = new Path2D();
  const outside = new Path2D();
  for (let r = 0; r < view.regionCount; r++) addPolygon(mask[r] ? inside : outside, view, r);
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
    ctx.fill(o.blanket.outside);
    ctx.fillStyle = BLANKET_RED;
    ctx.fill(o.blanket.inside);
  } else {
    for (let c = 0; c < o.paths.fills.length; c++) {
      ctx.fillStyle = REGION_PALETTE[c];
      ctx.fill(o.paths.fills[c]);
    }
  }
  const pixel = 1 / (ratio * t.scale);
  if (o.edges) {
    ctx.lineWidth = 0.6 * ratio * pixel;
    ctx.strokeStyle = o.blanket ? 'rgba(30, 41, 59, 0.25)' : 'rgba(30, 41, 59, 0.45)';
    ctx.stroke(o.paths.edges);
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
  const path = new Path2D();
  addPolygon(path, view, region);
  return path;
}
