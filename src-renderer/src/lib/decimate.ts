/**
 * Thinning of long curves for drawing: largest-triangle-three-buckets keeps the shape of
 * a line with few points, and a min/max envelope per bucket shows what thinning hid.
 */

export type Point = readonly [number, number];

/** Bucket boundaries (start index, end index exclusive) of the inner points for `target` points. */
function buckets(length: number, target: number): [number, number][] {
  const inner = target - 2;
  const size = (length - 2) / inner;
  const out: [number, number][] = [];
  for (let b = 0; b < inner; b++) {
    const start = 1 + Math.floor(b * size);
    const end = Math.min(length - 1, 1 + Math.floor((b + 1) * size));
    out.push([start, Math.max(end, start + 1)]);
  }
  return out;
}

/**
 * Largest-triangle-three-buckets (Steinarsson 2013): at most `target` points, the first
 * and last kept, one per bucket in between chosen to keep the line's visible shape.
 */
export function lttb(points: readonly Point[], target: number): Point[] {
  if (target < 3 || points.length <= target) return [...points];
  const ranges = buckets(points.length, target);
  const out: Point[] = [points[0]];
  let anchor = points[0];
  ranges.forEach(([start, end], index) => {
    // The next bucket's mean point (the last point for the final bucket).
    let meanX = 0;
    let meanY = 0;
    const [nextStart, nextEnd] =
      index + 1 < ranges.length ? ranges[index + 1] : [points.length - 1, points.length];
    for (let i = nextStart; i < nextEnd; i++) {
      meanX += points[i][0];
      meanY += points[i][1];
    }
    meanX /= nextEnd - nextStart;
    meanY /= nextEnd - nextStart;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs(
        (anchor[0] - meanX) * (points[i][1] - anchor[1]) -
          (anchor[0] - points[i][0]) * (meanY - anchor[1]),
      );
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    anchor = points[best];
    out.push(anchor);
  });
  out.push(points[points.length - 1]);
  return out;
}

/**
 * The min and max of y over the same buckets LTTB uses, as band rows [x, low, high]: each
 * bucket gives a row at its first and at its last x, so the band spans what it covers.
 */
export function minMaxEnvelope(
  points: readonly Point[],
  target: number,
): [number, number, number][] {
  if (target < 3 || points.length <= target) return [];
  const rows: [number, number, number][] = [[points[0][0], points[0][1], points[0][1]]];
  for (const [start, end] of buckets(points.length, target)) {
    let low = Infinity;
    let high = -Infinity;
    for (let i = start; i < end; i++) {
      low = Math.min(low, points[i][1]);
      high = Math.max(high, points[i][1]);
    }
    rows.push([points[start][0], low, high]);
    if (end - 1 > start) rows.push([points[end - 1][0], low, high]);
  }
  const last = points[points.length - 1];
  rows.push([last[0], last[1], last[1]]);
  return rows;
}

/** A curve ready to draw: thinned to `target` points, with the envelope when it was thinned. */
export function thin(
  points: readonly Point[],
  target: number,
): { line: Point[]; envelope: [number, number, number][] | null } {
  if (points.length <= target) return { line: [...points], envelope: null };
  return { line: lttb(points, target), envelope: minMaxEnvelope(points, target) };
}
