/**
 * A two-dimensional slice of the input space: the set `{origin + a·u + b·v : (a, b) ∈
 * domain}` with `domain` a convex polygon in plane coordinates. The engine partitions
 * that polygon; areas are measured in (a, b) units, which are Euclidean areas whenever u
 * and v are orthonormal (always so for planes built from points).
 */

import type { PlaneSpec } from '../model/format.ts';

export interface Plane {
  /** Input dimension d0. */
  dim: number;
  origin: Float64Array;
  u: Float64Array;
  v: Float64Array;
  /** Convex polygon, counter-clockwise, x0, y0, x1, y1, … in plane coordinates. */
  domain: Float64Array;
  /** The three spanning points in plane coordinates (6 numbers), when built from points. */
  points?: Float64Array;
}

/** An explicit plane as in the Plane JSON format, before validation. */
export interface PlaneParts {
  origin: ArrayLike<number>;
  u: ArrayLike<number>;
  v: ArrayLike<number>;
  /** Convex polygon in plane coordinates, either orientation: x0, y0, x1, y1, … */
  domain: ArrayLike<number>;
}

/** Thrown when points or parts do not define a usable plane. */
export class PlaneError extends Error {
  override name = 'PlaneError';
}

/** Relative size below which a spanning difference counts as zero (duplicate/collinear). */
const DEGENERATE_SPAN = 1e-12;
/** Relative size of a cross product below which three domain vertices count as collinear. */
const COLLINEAR_TURN = 1e-12;
/** The reference rule's margin: domain half-side = 1.2 × largest deviation from centroid. */
const DOMAIN_MARGIN = 1.2;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * The reference plane rule (DESIGN §3): origin p0, e1 = unit(p1 − p0), e2 = unit of p2 − p0
 * with its e1 component removed; the domain is the square centred on the centroid of the
 * three projected points with half-side 1.2 × their largest coordinate deviation.
 */
export function planeFromPoints(
  p0: ArrayLike<number>,
  p1: ArrayLike<number>,
  p2: ArrayLike<number>,
): Plane {
  const dim = p0.length;
  if (dim === 0 || p1.length !== dim || p2.length !== dim) {
    throw new PlaneError(
      `plane needs 3 points of one dimension, got ${p0.length}, ${p1.length}, ${p2.length}`,
    );
  }
  const origin = Float64Array.from(p0);
  const u = new Float64Array(dim);
  const v = new Float64Array(dim);
  let scale = 0;
  for (let i = 0; i < dim; i++) {
    if (!Number.isFinite(p0[i]) || !Number.isFinite(p1[i]) || !Number.isFinite(p2[i])) {
      throw new PlaneError(`plane points must be finite (coordinate ${i})`);
    }
    u[i] = p1[i] - p0[i];
    v[i] = p2[i] - p0[i];
    scale = Math.max(scale, Math.abs(p0[i]), Math.abs(p1[i]), Math.abs(p2[i]));
  }
  // Finite points can still overflow: a difference or a squared length past 1.8e308 is
  // Infinity, and the tests below would then misname the plane as collinear.
  const squared1 = dot(u, u);
  const squaredV = dot(v, v);
  if (!Number.isFinite(squared1) || !Number.isFinite(squaredV)) {
    throw new PlaneError(
      `plane points overflow: their distances (coordinates up to ${scale.toPrecision(3)}) exceed the double-precision range; scale the points down`,
    );
  }
  const length1 = Math.sqrt(squared1);
  if (!(length1 > DEGENERATE_SPAN * Math.max(scale, 1e-300))) {
    throw new PlaneError('plane points p0 and p1 coincide');
  }
  for (let i = 0; i < dim; i++) u[i] /= length1;
  const lengthV = Math.sqrt(squaredV);
  const along = dot(v, u);
  for (let i = 0; i < dim; i++) v[i] -= along * u[i];
  // Re-orthogonalise once: one Gram–Schmidt pass loses orthogonality when p2 is nearly on
  // the p0–p1 line; a second pass restores it to round-off.
  const again = dot(v, u);
  for (let i = 0; i < dim; i++) v[i] -= again * u[i];
  const length2 = Math.sqrt(dot(v, v));
  if (!(length2 > DEGENERATE_SPAN * Math.max(lengthV, scale, 1e-300))) {
    throw new PlaneError('plane points are collinear (or p2 coincides with p0)');
  }
  for (let i = 0; i < dim; i++) v[i] /= length2;

  const points = new Float64Array([0, 0, length1, 0, along, length2]);
  const cx = (points[0] + points[2] + points[4]) / 3;
  const cy = (points[1] + points[3] + points[5]) / 3;
  let deviation = 0;
  for (let k = 0; k < 3; k++) {
    deviation = Math.max(deviation, Math.abs(points[2 * k] - cx), Math.abs(points[2 * k + 1] - cy));
  }
  const half = DOMAIN_MARGIN * deviation;
  if (!Number.isFinite(cx + half) || !Number.isFinite(cx - half) || !Number.isFinite(cy + half)) {
    throw new PlaneError(
      `plane points overflow: the plane's domain (half-side ${half.toPrecision(3)}) exceeds the double-precision range; scale the points down`,
    );
  }
  const domain = new Float64Array([
    cx - half,
    cy - half,
    cx + half,
    cy - half,
    cx + half,
    cy + half,
    cx - half,
    cy + half,
  ]);
  return { dim, origin, u, v, domain, points };
}

/** Twice the signed area of a polygon given as x0, y0, x1, y1, … (positive when CCW). */
export function signedArea2(polygon: ArrayLike<number>, start = 0, count = polygon.length / 2) {
  let sum = 0;
  const end = start + count;
  for (let i = start; i < end; i++) {
    const j = i + 1 === end ? start : i + 1;
    sum += polygon[2 * i] * polygon[2 * j + 1] - polygon[2 * j] * polygon[2 * i + 1];
  }
  return sum;
}

/**
 * A validated plane from explicit parts: dimensions agree, u and v independent, domain a
 * convex polygon with positive area (returned counter-clockwise, collinear and repeated
 * vertices dropped).
 */
export function planeFromSpec(parts: PlaneParts): Plane {
  const dim = parts.origin.length;
  if (dim === 0) throw new PlaneError('plane origin is empty');
  if (parts.u.length !== dim || parts.v.length !== dim) {
    throw new PlaneError(
      `plane u and v need dimension ${dim} (the origin's), got ${parts.u.length} and ${parts.v.length}`,
    );
  }
  const origin = Float64Array.from(parts.origin);
  const u = Float64Array.from(parts.u);
  const v = Float64Array.from(parts.v);
  for (const [name, vector] of [
    ['origin', origin],
    ['u', u],
    ['v', v],
  ] as const) {
    for (let i = 0; i < dim; i++) {
      if (!Number.isFinite(vector[i])) throw new PlaneError(`plane ${name}[${i}] is not finite`);
    }
  }
  const uu = dot(u, u);
  const vv = dot(v, v);
  const uv = dot(u, v);
  if (!(uu > 0) || !(vv > 0) || uu * vv - uv * uv <= DEGENERATE_SPAN * uu * vv) {
    throw new PlaneError('plane u and v must be linearly independent');
  }
  return { dim, origin, u, v, domain: normaliseConvexPolygon(parts.domain) };
}

/** Polygons up to this many vertices are searched for crossing edges when refused. */
const CROSSING_SEARCH_VERTICES = 2_000;

/** Sign of the turn a → b → c: 1 left, -1 right, 0 straight. */
function orientation(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
): number {
  return Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));
}

/** Whether c, collinear with a and b, lies within their bounding box. */
function within(ax: number, ay: number, bx: number, by: number, cx: number, cy: number) {
  return (
    Math.min(ax, bx) <= cx &&
    cx <= Math.max(ax, bx) &&
    Math.min(ay, by) <= cy &&
    cy <= Math.max(ay, by)
  );
}

/**
 * Two edges of a polygon that are not neighbours and meet (cross or touch), as edge
 * indices (edge i runs from vertex i to i + 1), or null when the boundary is simple.
 */
export function crossingEdges(polygon: ArrayLike<number>): [number, number] | null {
  const n = polygon.length / 2;
  for (let i = 0; i < n; i++) {
    const i2 = (i + 1) % n;
    const ax = polygon[2 * i];
    const ay = polygon[2 * i + 1];
    const bx = polygon[2 * i2];
    const by = polygon[2 * i2 + 1];
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // neighbours through vertex 0
      if (ax === bx && ay === by) break; // a repeated vertex is no edge
      const j2 = (j + 1) % n;
      const cx = polygon[2 * j];
      const cy = polygon[2 * j + 1];
      const dx = polygon[2 * j2];
      const dy = polygon[2 * j2 + 1];
      if (cx === dx && cy === dy) continue;
      const o1 = orientation(ax, ay, bx, by, cx, cy);
      const o2 = orientation(ax, ay, bx, by, dx, dy);
      const o3 = orientation(cx, cy, dx, dy, ax, ay);
      const o4 = orientation(cx, cy, dx, dy, bx, by);
      if (o1 * o2 < 0 && o3 * o4 < 0) return [i, j];
      if (
        (o1 === 0 && within(ax, ay, bx, by, cx, cy)) ||
        (o2 === 0 && within(ax, ay, bx, by, dx, dy)) ||
        (o3 === 0 && within(cx, cy, dx, dy, ax, ay)) ||
        (o4 === 0 && within(cx, cy, dx, dy, bx, by))
      )
        return [i, j];
    }
  }
  return null;
}

/**
 * The error for a domain that is not a convex polygon: a self-intersecting one (a
 * bow-tie, a star) is named as such, since "zero area" or "not convex" would mislead.
 */
function notConvex(polygon: ArrayLike<number>, problem: string): PlaneError {
  if (polygon.length / 2 <= CROSSING_SEARCH_VERTICES) {
    const crossing = crossingEdges(polygon);
    if (crossing) {
      return new PlaneError(
        `plane domain is self-intersecting (edges ${crossing[0]} and ${crossing[1]} cross, a bow-tie or star); it must be a convex polygon`,
      );
    }
  }
  return new PlaneError(problem);
}

/**
 * Checks that a polygon is convex with positive area and returns it counter-clockwise
 * with repeated and collinear vertices removed.
 */
export function normaliseConvexPolygon(polygon: ArrayLike<number>): Float64Array {
  if (polygon.length % 2 !== 0 || polygon.length < 6) {
    throw new PlaneError(`plane domain needs at least 3 vertices, got ${polygon.length / 2}`);
  }
  let scale = 0;
  for (let i = 0; i < polygon.length; i++) {
    if (!Number.isFinite(polygon[i])) throw new PlaneError(`plane domain[${i >> 1}] is not finite`);
    scale = Math.max(scale, Math.abs(polygon[i]));
  }
  const area2 = signedArea2(polygon);
  if (!(Math.abs(area2) > 0)) throw notConvex(polygon, 'plane domain has zero area');
  const n = polygon.length / 2;
  const sign = area2 > 0 ? 1 : -1;
  // Walk in CCW order, keeping only vertices where the boundary turns.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = sign > 0 ? k : n - 1 - k;
    xs.push(polygon[2 * i]);
    ys.push(polygon[2 * i + 1]);
  }
  const tolerance = COLLINEAR_TURN * scale * scale;
  const keepX: number[] = [];
  const keepY: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = (i + n - 1) % n;
    const q = (i + 1) % n;
    const turn = (xs[i] - xs[p]) * (ys[q] - ys[i]) - (ys[i] - ys[p]) * (xs[q] - xs[i]);
    if (turn < -tolerance) throw notConvex(polygon, `plane domain is not convex at vertex ${i}`);
    if (turn > tolerance) {
      keepX.push(xs[i]);
      keepY.push(ys[i]);
    }
  }
  if (keepX.length < 3) throw new PlaneError('plane domain has zero area');
  // A star polygon turns the same way everywhere yet winds twice: its angles sum past 2π.
  let winding = 0;
  const m = keepX.length;
  for (let i = 0; i < m; i++) {
    const p = (i + m - 1) % m;
    const q = (i + 1) % m;
    const ax = keepX[i] - keepX[p];
    const ay = keepY[i] - keepY[p];
    const bx = keepX[q] - keepX[i];
    const by = keepY[q] - keepY[i];
    winding += Math.atan2(ax * by - ay * bx, ax * bx + ay * by);
  }
  if (winding > 2 * Math.PI + 1e-6)
    throw notConvex(polygon, 'plane domain is not convex (it winds twice)');
  const out = new Float64Array(2 * m);
  for (let i = 0; i < m; i++) {
    out[2 * i] = keepX[i];
    out[2 * i + 1] = keepY[i];
  }
  return out;
}

/**
 * Clips a convex polygon (CCW) to the half-plane `ca·x + cb·y + c0 ≥ 0`; vertices within
 * `tolerance` of the line count as on it. Returns the clipped polygon (possibly empty).
 */
function clipHalfPlane(
  polygon: Float64Array,
  ca: number,
  cb: number,
  c0: number,
  tolerance: number,
): Float64Array {
  const n = polygon.length / 2;
  let inside = 0;
  let outside = 0;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = ca * polygon[2 * i] + cb * polygon[2 * i + 1] + c0;
    values[i] = f;
    if (f < -tolerance) outside++;
    else inside++;
  }
  if (outside === 0) return polygon;
  if (inside === 0) return new Float64Array(0);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const fi = values[i];
    const fj = values[j];
    const inI = fi >= -tolerance;
    if (inI) out.push(polygon[2 * i], polygon[2 * i + 1]);
    if ((fi > tolerance && fj < -tolerance) || (fi < -tolerance && fj > tolerance)) {
      const t = fi / (fi - fj);
      out.push(
        polygon[2 * i] + t * (polygon[2 * j] - polygon[2 * i]),
        polygon[2 * i + 1] + t * (polygon[2 * j + 1] - polygon[2 * i + 1]),
      );
    }
  }
  return Float64Array.from(out);
}

/** Relative tolerance for a vertex lying on a box face while clipping. */
const BOX_FACE = 1e-12;

/**
 * The plane with its domain intersected with the box [low, high]^d0, the half-planes
 * low ≤ origin_i + a·u_i + b·v_i ≤ high. Throws when the plane misses the box.
 */
export function clipPlaneToBox(plane: Plane, low: number, high: number): Plane {
  if (!(low < high)) throw new PlaneError(`input box needs low < high, got [${low}, ${high}]`);
  let polygon = plane.domain;
  let scale = 0;
  for (let i = 0; i < polygon.length; i++) scale = Math.max(scale, Math.abs(polygon[i]));
  for (let i = 0; i < plane.dim; i++) {
    const ca = plane.u[i];
    const cb = plane.v[i];
    const o = plane.origin[i];
    const tolerance =
      BOX_FACE * (Math.abs(ca) * scale + Math.abs(cb) * scale + Math.abs(o) + Math.abs(low));
    // x_i − low ≥ 0 and high − x_i ≥ 0.
    polygon = clipHalfPlane(polygon, ca, cb, o - low, tolerance);
    if (polygon.length === 0) break;
    polygon = clipHalfPlane(polygon, -ca, -cb, high - o, tolerance);
    if (polygon.length === 0) break;
  }
  if (polygon.length < 6 || !(signedArea2(polygon) > 0)) {
    throw new PlaneError(`the plane's domain does not meet the input box [${low}, ${high}]`);
  }
  return { ...plane, domain: normaliseConvexPolygon(polygon) };
}

/** The plane of a validated Plane JSON spec (see model/format.ts). */
export function planeFromParsed(spec: PlaneSpec): Plane {
  return spec.kind === 'points'
    ? planeFromPoints(spec.points[0], spec.points[1], spec.points[2])
    : planeFromSpec(spec);
}
