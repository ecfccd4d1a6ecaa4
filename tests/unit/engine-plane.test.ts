import { describe, expect, it } from 'vitest';
import {
  clipPlaneToBox,
  normaliseConvexPolygon,
  planeFromPoints,
  planeFromSpec,
  signedArea2,
} from '../../src-shared/mbh/plane.ts';
import { seededRandom } from './engine-support.ts';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

describe('planeFromPoints (the reference rule)', () => {
  it('origin p0, orthonormal u and v, square domain 1.2 × the largest deviation', () => {
    const random = seededRandom(1, 'plane');
    for (let trial = 0; trial < 20; trial++) {
      const dim = 2 + random.nextInt(30);
      const point = () => Float64Array.from({ length: dim }, () => random.nextFloat());
      const [p0, p1, p2] = [point(), point(), point()];
      const plane = planeFromPoints(p0, p1, p2);
      expect(Array.from(plane.origin)).toEqual(Array.from(p0));
      expect(dot(plane.u, plane.u)).toBeCloseTo(1, 14);
      expect(dot(plane.v, plane.v)).toBeCloseTo(1, 14);
      expect(Math.abs(dot(plane.u, plane.v))).toBeLessThan(1e-14);
      // The points map back: p = origin + a·u + b·v.
      const pts = plane.points!;
      [p0, p1, p2].forEach((p, k) => {
        for (let i = 0; i < dim; i++) {
          const back = plane.origin[i] + pts[2 * k] * plane.u[i] + pts[2 * k + 1] * plane.v[i];
          expect(back).toBeCloseTo(p[i], 12);
        }
      });
      const cx = (pts[0] + pts[2] + pts[4]) / 3;
      const cy = (pts[1] + pts[3] + pts[5]) / 3;
      const deviation = Math.max(
        ...[0, 1, 2].flatMap((k) => [Math.abs(pts[2 * k] - cx), Math.abs(pts[2 * k + 1] - cy)]),
      );
      const d = plane.domain;
      expect(d).toHaveLength(8);
      expect(signedArea2(d)).toBeGreaterThan(0);
      expect((d[2] - d[0]) / 2).toBeCloseTo(1.2 * deviation, 12);
      expect((d[5] - d[1]) / 2).toBeCloseTo(1.2 * deviation, 12);
      expect((d[0] + d[2]) / 2).toBeCloseTo(cx, 12);
      expect((d[1] + d[5]) / 2).toBeCloseTo(cy, 12);
    }
  });

  it('refuses duplicate and collinear points and mismatched dimensions', () => {
    expect(() => planeFromPoints([1, 2, 3], [1, 2, 3], [0, 0, 1])).toThrow('p0 and p1 coincide');
    expect(() => planeFromPoints([0, 0, 0], [1, 1, 1], [2, 2, 2])).toThrow('collinear');
    expect(() => planeFromPoints([0, 0, 0], [1, 1, 1], [0, 0, 0])).toThrow('collinear');
    expect(() => planeFromPoints([0, 0], [1, 1, 1], [0, 0, 0])).toThrow(
      '3 points of one dimension',
    );
  });
});

describe('planeFromSpec', () => {
  it('turns a clockwise domain counter-clockwise and drops collinear vertices', () => {
    const plane = planeFromSpec({
      origin: [0, 0, 0],
      u: [1, 0, 0],
      v: [0, 1, 0],
      domain: [0, 0, 0, 2, 2, 2, 2, 1, 2, 0], // clockwise, (2,1) on an edge
    });
    expect(Array.from(plane.domain)).toEqual([2, 0, 2, 2, 0, 2, 0, 0]);
    expect(signedArea2(plane.domain)).toBe(8);
  });

  it('refuses non-convex, degenerate and mismatched parts', () => {
    const parts = { origin: [0, 0], u: [1, 0], v: [0, 1] };
    expect(() => planeFromSpec({ ...parts, domain: [0, 0, 4, 0, 1, 1, 0, 4] })).toThrow(
      'not convex',
    );
    expect(() => planeFromSpec({ ...parts, domain: [0, 0, 1, 1, 2, 2] })).toThrow('zero area');
    expect(() => planeFromSpec({ ...parts, domain: [0, 0, 1, 0] })).toThrow('at least 3 vertices');
    expect(() => planeFromSpec({ ...parts, v: [2, 0], domain: [0, 0, 1, 0, 0, 1] })).toThrow(
      'linearly independent',
    );
    expect(() => planeFromSpec({ ...parts, u: [1, 0, 0], domain: [0, 0, 1, 0, 0, 1] })).toThrow(
      'dimension 2',
    );
    // A pentagram turns the same way at every vertex but winds twice: it crosses itself.
    const star: number[] = [];
    for (let k = 0; k < 5; k++) {
      const angle = (4 * Math.PI * k) / 5;
      star.push(Math.cos(angle), Math.sin(angle));
    }
    expect(() => normaliseConvexPolygon(star)).toThrow('plane domain is self-intersecting');
  });
});

describe('clipPlaneToBox', () => {
  it('intersects the domain with the half-planes of the box', () => {
    // The plane x = (a, b, 0.5): the box [0, 1]^3 leaves the unit square.
    const plane = planeFromSpec({
      origin: [0, 0, 0.5],
      u: [1, 0, 0],
      v: [0, 1, 0],
      domain: [-1, -1, 2, -1, 2, 2, -1, 2],
    });
    const clipped = clipPlaneToBox(plane, 0, 1);
    expect(signedArea2(clipped.domain) / 2).toBeCloseTo(1, 14);
    // A diagonal direction: x = (a + b, a − b) inside [0, 1]² is a square of area 1/2.
    const diagonal = planeFromSpec({
      origin: [0, 0],
      u: [1, 1],
      v: [1, -1],
      domain: [-2, -2, 2, -2, 2, 2, -2, 2],
    });
    expect(signedArea2(clipPlaneToBox(diagonal, 0, 1).domain) / 2).toBeCloseTo(0.5, 14);
    expect(() => clipPlaneToBox(plane, 2, 3)).toThrow('does not meet the input box');
  });
});
