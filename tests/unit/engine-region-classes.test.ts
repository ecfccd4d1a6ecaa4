import { describe, expect, it } from 'vitest';
import { partitionPlane } from '../../src-shared/mbh/partition.ts';
import { planeFromPoints, planeFromSpec, type Plane } from '../../src-shared/mbh/plane.ts';
import {
  MIN_CLASS_SHARE,
  MIXED_CLASS,
  partitionWithClasses,
  regionClassShares,
} from '../../src-shared/mbh/region-classes.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import type { Random } from '../../src-shared/model/random.ts';
import { heNetwork, seededRandom } from './engine-support.ts';

function square(low: number, high: number): Plane {
  return planeFromSpec({
    origin: new Float64Array(2),
    u: Float64Array.of(1, 0),
    v: Float64Array.of(0, 1),
    domain: [low, low, high, low, high, high, low, high],
  });
}

const layer = (w: number[][], b: number[], activation: 'relu' | 'linear'): DenseLayer => ({
  inDim: w[0].length,
  outDim: w.length,
  weights: Float64Array.from(w.flat()),
  bias: Float64Array.from(b),
  activation,
});

/** The network's output at an input point: the oracle, a plain forward pass. */
function logitsAt(network: Network, input: ArrayLike<number>): Float64Array {
  let activation = Float64Array.from(input);
  network.layers.forEach((current, l) => {
    const next = new Float64Array(current.outDim);
    for (let j = 0; j < current.outDim; j++) {
      let z = current.bias[j];
      for (let i = 0; i < current.inDim; i++)
        z += current.weights[j * current.inDim + i] * activation[i];
      next[j] = l + 1 < network.layers.length ? Math.max(0, z) : z;
    }
    activation = next;
  });
  return activation;
}

/** The arg-max (lowest index on ties) and the gap to the runner-up. */
function argMax(logits: Float64Array): { index: number; gap: number } {
  let index = 0;
  for (let k = 1; k < logits.length; k++) if (logits[k] > logits[index]) index = k;
  let gap = Infinity;
  for (let k = 0; k < logits.length; k++)
    if (k !== index) gap = Math.min(gap, logits[index] - logits[k]);
  return { index, gap };
}

/** A uniform random point in a convex polygon: a fan triangle by area, then a point in it. */
function pointIn(
  vertices: Float64Array,
  start: number,
  end: number,
  random: Random,
): [number, number] {
  const x0 = vertices[2 * start];
  const y0 = vertices[2 * start + 1];
  const areas: number[] = [];
  let total = 0;
  for (let i = start + 1; i + 1 < end; i++) {
    const ax = vertices[2 * i] - x0;
    const ay = vertices[2 * i + 1] - y0;
    const bx = vertices[2 * i + 2] - x0;
    const by = vertices[2 * i + 3] - y0;
    const area = Math.abs(ax * by - ay * bx) / 2;
    areas.push(area);
    total += area;
  }
  let pick = random.nextFloat() * total;
  let t = 0;
  while (t < areas.length - 1 && pick > areas[t]) pick -= areas[t++];
  const i = start + 1 + t;
  let r1 = random.nextFloat();
  let r2 = random.nextFloat();
  if (r1 + r2 > 1) {
    r1 = 1 - r1;
    r2 = 1 - r2;
  }
  return [
    x0 + r1 * (vertices[2 * i] - x0) + r2 * (vertices[2 * i + 2] - x0),
    y0 + r1 * (vertices[2 * i + 1] - y0) + r2 * (vertices[2 * i + 3] - y0),
  ];
}

/** The first index where two arrays differ (−1 if none; a length mismatch differs there). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

function inputAt(plane: Plane, x: number, y: number): Float64Array {
  return Float64Array.from(plane.origin, (o, i) => o + x * plane.u[i] + y * plane.v[i]);
}

describe('region classes: golden cases worked by hand', () => {
  it('one ReLU at x = 0 and logits (relu(x), 0.25): class 1 left of x = 0.25, class 0 right', () => {
    const network: Network = {
      inputDim: 2,
      layers: [layer([[1, 0]], [0], 'relu'), layer([[1], [0]], [0, 0.25], 'linear')],
    };
    const result = partitionWithClasses(network, square(-1, 1));
    expect(result.regionCount).toBe(2);
    const left = result.vertices[2 * result.vertexOffsets[0]] < 0 ? 0 : 1;
    const right = 1 - left;
    // x < 0: relu(x) = 0 < 0.25 everywhere.
    expect(result.predictedClasses[left]).toBe(1);
    expect(regionClassShares(result, left)).toEqual([{ classIndex: 1, share: 1 }]);
    // 0 < x < 1: class 0 on (0.25, 1] (three quarters of the area), class 1 on the rest.
    expect(result.predictedClasses[right]).toBe(MIXED_CLASS);
    const shares = regionClassShares(result, right);
    expect(shares.map((s) => s.classIndex)).toEqual([0, 1]);
    expect(shares[0].share).toBeCloseTo(0.75, 14);
    expect(shares[1].share).toBeCloseTo(0.25, 14);
    expect(Array.from(result.mixedOffsets)).toEqual(left === 0 ? [0, 0, 2] : [0, 2, 2]);
  });

  it('no hidden layer: logits (x, y, −2) split the square on its diagonal; class 2 nowhere', () => {
    const network: Network = {
      inputDim: 2,
      layers: [
        layer(
          [
            [1, 0],
            [0, 1],
            [0, 0],
          ],
          [0, 0, -2],
          'linear',
        ),
      ],
    };
    const result = partitionWithClasses(network, square(-1, 1));
    expect(result.regionCount).toBe(1);
    expect(result.predictedClasses[0]).toBe(MIXED_CLASS);
    const shares = regionClassShares(result, 0);
    expect(shares.map((s) => s.classIndex)).toEqual([0, 1]);
    expect(shares[0].share).toBeCloseTo(0.5, 14);
    expect(shares[1].share).toBeCloseTo(0.5, 14);
  });

  it('a class that wins only in a strip inside the region, touching none of its vertices', () => {
    // logits x, −x and 0.3: class 2 wins on |x| < 0.3, a strip no vertex of [−1, 1]² lies in.
    const network: Network = {
      inputDim: 2,
      layers: [
        layer(
          [
            [1, 0],
            [-1, 0],
            [0, 0],
          ],
          [0, 0, 0.3],
          'linear',
        ),
      ],
    };
    const shares = regionClassShares(partitionWithClasses(network, square(-1, 1)), 0);
    expect(shares.map((s) => s.classIndex)).toEqual([0, 1, 2]);
    expect(shares[0].share).toBeCloseTo(0.35, 14);
    expect(shares[1].share).toBeCloseTo(0.35, 14);
    expect(shares[2].share).toBeCloseTo(0.3, 14);
  });
});

describe('region classes against the network evaluated inside each region', () => {
  const fixtures: { name: string; network: Network; plane: Plane }[] = [
    // Two layers: many parents at the deepest level, maps derived between neighbours.
    {
      name: '2-D, 24-24, 10 classes',
      network: heNetwork(2, [24, 24], 10, { seed: 7, biasStd: 0.5 }),
      plane: square(-1, 1),
    },
    // One wide layer: one parent of over 256 leaves, so the periodic refresh runs too.
    {
      name: '2-D, 60, 4 classes',
      network: heNetwork(2, [60], 4, { seed: 6, biasStd: 0.5 }),
      plane: square(-1, 1),
    },
    // A plane through three points of a 30-D input, sparse weights, three layers.
    {
      name: '30-D plane, 16-12-8 at density 0.5, 5 classes',
      network: heNetwork(30, [16, 12, 8], 5, { seed: 11, density: 0.5, biasStd: 0.3 }),
      plane: (() => {
        const random = seededRandom(5);
        const point = () => Float64Array.from({ length: 30 }, () => random.nextNormal());
        return planeFromPoints(point(), point(), point());
      })(),
    },
  ];

  for (const { name, network, plane } of fixtures) {
    it(`${name}: the engine's partition unchanged, each region's class exact`, () => {
      const result = partitionWithClasses(network, plane);
      // The per-region hook does not perturb the partition itself.
      const plain = partitionPlane(network, plane);
      expect(result.regionCount).toBe(plain.regionCount);
      expect(firstDifference(result.vertices, plain.vertices)).toBe(-1);
      expect(firstDifference(result.patterns, plain.patterns)).toBe(-1);
      expect(result.predictedClasses.length).toBe(result.regionCount);
      expect(result.mixedOffsets.length).toBe(result.regionCount + 1);

      const random = seededRandom(17, name);
      const wrong: string[] = [];
      let mixedCount = 0;
      let constantCount = 0;
      for (let r = 0; r < result.regionCount; r++) {
        const start = result.vertexOffsets[r];
        const end = result.vertexOffsets[r + 1];
        const predicted = result.predictedClasses[r];
        if (predicted !== MIXED_CLASS) {
          constantCount++;
          expect(result.mixedOffsets[r + 1]).toBe(result.mixedOffsets[r]);
          // Every sampled point and every vertex gets the region's class, unless two
          // logits tie there to round-off (a point on a decision line that bounds the region).
          const points: [number, number][] = [];
          for (let i = start; i < end; i++)
            points.push([result.vertices[2 * i], result.vertices[2 * i + 1]]);
          for (let n = 0; n < 20; n++) points.push(pointIn(result.vertices, start, end, random));
          for (const [x, y] of points) {
            const logits = logitsAt(network, inputAt(plane, x, y));
            const best = argMax(logits);
            const excess = logits[best.index] - logits[predicted];
            if (best.index !== predicted && excess > 1e-9 * (1 + Math.abs(logits[best.index]))) {
              wrong.push(`region ${r} (class ${predicted}): class ${best.index} at (${x}, ${y})`);
            }
          }
          continue;
        }
        mixedCount++;
        const shares = regionClassShares(result, r);
        expect(shares.length).toBeGreaterThanOrEqual(2);
        expect(shares.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 12);
        for (let q = 0; q < shares.length; q++) {
          expect(shares[q].share).toBeGreaterThanOrEqual(MIN_CLASS_SHARE);
          if (q > 0) expect(shares[q].share).toBeLessThanOrEqual(shares[q - 1].share);
        }
        // Monte Carlo: N uniform points in the region. Each share estimate is binomial with
        // standard deviation √(p(1 − p)/N) ≤ 0.5/√N; within 5 of them (plus one point's
        // worth) a correct share fails with probability < 1e-6 per class, and the seeded
        // generator makes the draw the same on every run.
        const samples = 2000;
        const counts = new Map<number, number>();
        for (let n = 0; n < samples; n++) {
          const [x, y] = pointIn(result.vertices, start, end, random);
          const index = argMax(logitsAt(network, inputAt(plane, x, y))).index;
          counts.set(index, (counts.get(index) ?? 0) + 1);
        }
        for (const [classIndex] of counts) {
          expect(shares.some((s) => s.classIndex === classIndex)).toBe(true);
        }
        for (const { classIndex, share } of shares) {
          const estimate = (counts.get(classIndex) ?? 0) / samples;
          const sigma = Math.sqrt((share * (1 - share)) / samples);
          expect(Math.abs(estimate - share)).toBeLessThanOrEqual(5 * sigma + 1 / samples);
        }
      }
      expect(wrong).toEqual([]);
      // The fixtures cross decision lines: both kinds of region are checked.
      expect(mixedCount).toBeGreaterThan(0);
      expect(constantCount).toBeGreaterThan(0);
      expect(result.mixedOffsets[result.regionCount]).toBe(result.mixedClasses.length);
      expect(result.mixedShares.length).toBe(result.mixedClasses.length);
    });
  }

  // Sparse weights into the deepest layer: a parent's first logits are carried over from
  // the previous parent's (partition.ts, carryLogits) rather than computed from scratch.
  const carried = {
    name: '2-D, 40-40 at density 0.2, 6 classes',
    network: heNetwork(2, [40, 40], 6, { seed: 9, density: 0.2, biasStd: 0.5 }),
    plane: square(-1, 1),
  };
  for (const { name, network, plane } of [...fixtures, carried]) {
    it(`${name}: the logits handed to onRegionOutput are the network's output on each region`, () => {
      const wrong: string[] = [];
      let visited = 0;
      partitionPlane(network, plane, {
        onRegionOutput: (region, logits, vertices, start, count) => {
          visited++;
          // At the vertices' mean, an interior point, the affine map and a forward pass agree.
          let x = 0;
          let y = 0;
          for (let i = start; i < start + count; i++) {
            x += vertices[2 * i] / count;
            y += vertices[2 * i + 1] / count;
          }
          const expected = logitsAt(network, inputAt(plane, x, y));
          for (let c = 0; c < expected.length; c++) {
            const value = logits[3 * c] * x + logits[3 * c + 1] * y + logits[3 * c + 2];
            if (Math.abs(value - expected[c]) > 1e-9 * (1 + Math.abs(expected[c])))
              wrong.push(`region ${region} class ${c}: ${value} vs ${expected[c]}`);
          }
        },
      });
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(visited).toBe(partitionPlane(network, plane).regionCount);
    });
  }

  it('a recycled partition gets the same classes as a fresh one', () => {
    const network = heNetwork(2, [24, 24], 10, { seed: 7, biasStd: 0.5 });
    const first = partitionWithClasses(network, square(-1, 1));
    const other = partitionPlane(network, square(-2, 2));
    const recycled = partitionWithClasses(network, square(-1, 1), { recycle: other });
    expect(Array.from(recycled.predictedClasses)).toEqual(Array.from(first.predictedClasses));
    expect(Array.from(recycled.mixedShares)).toEqual(Array.from(first.mixedShares));
  });
});
