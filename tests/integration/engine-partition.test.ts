import { describe, expect, it } from 'vitest';
import {
  partitionPlane,
  regionAt,
  regionBit,
  regionDensity,
  type Partition,
} from '../../src-shared/mbh/partition.ts';
import { planeFromPoints, planeFromSpec, type Plane } from '../../src-shared/mbh/plane.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { referenceArea, referencePartition } from '../unit/engine-reference.ts';
import {
  figure32Network,
  heNetwork,
  hiddenPreActivations,
  randomSmallNetwork,
  seededRandom,
} from '../unit/engine-support.ts';

/** Neumaier-compensated sum. */
function compensatedSum(values: ArrayLike<number>): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const t = sum + values[i];
    compensation +=
      Math.abs(sum) >= Math.abs(values[i]) ? sum - t + values[i] : values[i] - t + sum;
    sum = t;
  }
  return sum + compensation;
}

function square(low: number, high: number, dim = 2): Plane {
  const origin = new Float64Array(dim);
  const u = new Float64Array(dim);
  const v = new Float64Array(dim);
  u[0] = 1;
  v[1] = 1;
  return planeFromSpec({ origin, u, v, domain: [low, low, high, low, high, high, low, high] });
}

function patternKey(partition: Partition, region: number): string {
  let key = '';
  for (let k = 0; k < partition.neuronCount; k++)
    key += regionBit(partition, region, k) ? '1' : '0';
  return key;
}

function randomPlane(random: ReturnType<typeof seededRandom>, dim: number): Plane {
  const point = () => Float64Array.from({ length: dim }, () => random.nextNormal());
  return planeFromPoints(point(), point(), point());
}

/** Every invariant of DESIGN §5 that holds for any partition. */
function checkInvariants(network: Network, plane: Plane, partition: Partition): void {
  const { vertices, vertexOffsets, areas } = partition;
  // Areas sum to the domain: compensated summation, so only the engine's error remains.
  expect(Math.abs(compensatedSum(areas) - partition.domainArea)).toBeLessThanOrEqual(
    1e-12 * partition.domainArea,
  );
  expect(partition.regionsPerLayer.at(-1) ?? 1).toBe(partition.regionCount);
  const scale = Math.sqrt(partition.domainArea);
  for (let r = 0; r < partition.regionCount; r++) {
    const start = vertexOffsets[r];
    const end = vertexOffsets[r + 1];
    expect(end - start).toBeGreaterThanOrEqual(3);
    expect(areas[r]).toBeGreaterThan(0);
    // Convex and counter-clockwise: no turn to the right beyond round-off.
    for (let i = start; i < end; i++) {
      const j = i + 1 === end ? start : i + 1;
      const k = j + 1 === end ? start : j + 1;
      const turn =
        (vertices[2 * j] - vertices[2 * i]) * (vertices[2 * k + 1] - vertices[2 * j + 1]) -
        (vertices[2 * j + 1] - vertices[2 * i + 1]) * (vertices[2 * k] - vertices[2 * j]);
      expect(turn).toBeGreaterThanOrEqual(-1e-9 * scale * scale);
    }
  }
  // The patterns are distinct: one region per activation pattern.
  const keys = new Set<string>();
  for (let r = 0; r < partition.regionCount; r++) keys.add(patternKey(partition, r));
  expect(keys.size).toBe(partition.regionCount);

  // A grid of points: each lands in the region of its own activation pattern.
  const seen = new Set<string>();
  const domain = plane.domain;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < domain.length; i += 2) {
    minX = Math.min(minX, domain[i]);
    maxX = Math.max(maxX, domain[i]);
    minY = Math.min(minY, domain[i + 1]);
    maxY = Math.max(maxY, domain[i + 1]);
  }
  const steps = 23;
  const input = new Float64Array(plane.dim);
  for (let gx = 0; gx < steps; gx++) {
    for (let gy = 0; gy < steps; gy++) {
      const x = minX + ((gx + 0.5) / steps) * (maxX - minX);
      const y = minY + ((gy + 0.5) / steps) * (maxY - minY);
      for (let i = 0; i < plane.dim; i++)
        input[i] = plane.origin[i] + x * plane.u[i] + y * plane.v[i];
      const z = hiddenPreActivations(network, input);
      // Points within a hair of some neuron's boundary are ambiguous by nature: skip.
      if (z.some((value) => Math.abs(value) < 1e-9)) continue;
      const region = regionAt(partition, x, y);
      if (region < 0) continue; // outside a non-rectangular domain
      let key = '';
      for (const value of z) key += value > 0 ? '1' : '0';
      seen.add(key);
      expect(patternKey(partition, region)).toBe(key);
    }
  }
  expect(seen.size).toBeLessThanOrEqual(partition.regionCount);
}

/** Neighbours across an edge differ in exactly one neuron (checked at edge midpoints). */
function checkNeighbours(network: Network, plane: Plane, partition: Partition): number {
  const { vertices, vertexOffsets } = partition;
  const input = new Float64Array(plane.dim);
  const scale = Math.sqrt(partition.domainArea);
  let checked = 0;
  for (let r = 0; r < partition.regionCount; r++) {
    const start = vertexOffsets[r];
    const end = vertexOffsets[r + 1];
    for (let i = start; i < end; i++) {
      const j = i + 1 === end ? start : i + 1;
      const ex = vertices[2 * j] - vertices[2 * i];
      const ey = vertices[2 * j + 1] - vertices[2 * i + 1];
      const length = Math.hypot(ex, ey);
      if (length < 1e-6 * scale) continue;
      // Just outside the edge (outward normal of a CCW polygon is (ey, −ex)).
      const offset = 1e-7 * scale;
      const x = 0.5 * (vertices[2 * i] + vertices[2 * j]) + (offset * ey) / length;
      const y = 0.5 * (vertices[2 * i + 1] + vertices[2 * j + 1]) - (offset * ex) / length;
      for (let d = 0; d < plane.dim; d++)
        input[d] = plane.origin[d] + x * plane.u[d] + y * plane.v[d];
      const z = hiddenPreActivations(network, input);
      if (z.some((value) => Math.abs(value) < 1e-11)) continue;
      const other = regionAt(partition, x, y);
      if (other < 0 || other === r) continue; // the domain's boundary
      let differing = 0;
      for (let k = 0; k < partition.neuronCount; k++) {
        if (regionBit(partition, r, k) !== regionBit(partition, other, k)) differing++;
      }
      expect(differing).toBe(1);
      checked++;
    }
  }
  return checked;
}

describe('partitionPlane: golden values', () => {
  it('figure 3.2 makes 18 regions on [0,4]² and 20 on any box containing [-1,5]²', () => {
    const network = figure32Network();
    const small = partitionPlane(network, square(0, 4));
    expect(small.regionCount).toBe(18);
    expect(small.regionsPerLayer).toEqual([4, 9, 18]);
    expect(small.domainArea).toBe(16);
    for (const [low, high] of [
      [-1, 5],
      [-3, 8],
      [-100, 100],
    ]) {
      const big = partitionPlane(network, square(low, high));
      expect(big.regionCount).toBe(20);
      expect(big.regionsPerLayer).toEqual([4, 11, 20]);
    }
    checkInvariants(network, square(0, 4), small);
    expect(checkNeighbours(network, square(0, 4), small)).toBeGreaterThan(20);
  });

  it('figure 3.2 keeps its counts scaled, rotated and moved', () => {
    const network = figure32Network();
    // The same square [0,4]² through a rotated, scaled embedding: x = o + a·u + b·v with
    // (a, b) ranging over a rotated and scaled square in plane coordinates.
    const angle = 0.7;
    const factor = 3.5;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const u = new Float64Array([cos / factor, sin / factor]);
    const v = new Float64Array([-sin / factor, cos / factor]);
    const domain: number[] = [];
    for (const [x, y] of [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ]) {
      // Inverse of the embedding: (a, b) = factor · R^T (x, y).
      domain.push(factor * (cos * x + sin * y), factor * (-sin * x + cos * y));
    }
    const plane = planeFromSpec({ origin: new Float64Array(2), u, v, domain });
    const partition = partitionPlane(network, plane);
    expect(partition.regionCount).toBe(18);
    expect(partition.domainArea).toBeCloseTo(16 * factor * factor, 9);
    checkInvariants(network, plane, partition);
  });

  it('a network without hidden layers has one region, the domain', () => {
    const network: Network = {
      inputDim: 2,
      layers: [
        {
          inDim: 2,
          outDim: 1,
          weights: new Float64Array([1, 1]),
          bias: new Float64Array([0]),
          activation: 'linear',
        },
      ],
    };
    const partition = partitionPlane(network, square(0, 1));
    expect(partition.regionCount).toBe(1);
    expect(partition.patternWords).toBe(0);
    expect(partition.areas[0]).toBe(1);
  });

  it('a fully pruned neuron never splits but still has its state (bias > 0 → on)', () => {
    const network: Network = {
      inputDim: 2,
      layers: [
        {
          inDim: 2,
          outDim: 3,
          weights: new Float64Array([1, 0, 0, 0, 0, 0]),
          bias: new Float64Array([-0.5, 0.25, -0.25]),
          mask: new Uint8Array([1, 0, 0, 0, 0, 0]),
          activation: 'relu',
        },
        {
          inDim: 3,
          outDim: 1,
          weights: new Float64Array([1, 1, 1]),
          bias: new Float64Array([0]),
          activation: 'linear',
        },
      ],
    };
    const partition = partitionPlane(network, square(0, 1));
    expect(partition.regionCount).toBe(2);
    for (let r = 0; r < 2; r++) {
      expect(regionBit(partition, r, 1)).toBe(true);
      expect(regionBit(partition, r, 2)).toBe(false);
    }
  });

  it('recycling a discarded partition gives the same result in its memory', () => {
    const random = seededRandom(31, 'recycle');
    const network = heNetwork(6, [12, 9], 2, { seed: 4, biasStd: 0.5 });
    const planes = [0, 1, 2, 3].map(() => randomPlane(random, 6));
    let previous: Partition | undefined;
    for (const plane of planes) {
      const fresh = partitionPlane(network, plane);
      const recycled = partitionPlane(network, plane, { recycle: previous });
      expect(recycled.regionCount).toBe(fresh.regionCount);
      expect(Array.from(recycled.vertexOffsets)).toEqual(Array.from(fresh.vertexOffsets));
      expect(Array.from(recycled.vertices)).toEqual(Array.from(fresh.vertices));
      expect(Array.from(recycled.areas)).toEqual(Array.from(fresh.areas));
      expect(Array.from(recycled.patterns)).toEqual(Array.from(fresh.patterns));
      previous = recycled;
    }
  });

  it('refuses a plane of the wrong dimension and non-finite inputs', () => {
    const network = figure32Network();
    expect(() => partitionPlane(network, square(0, 1, 3))).toThrow(
      "plane has dimension 3, the network's input has 2",
    );
    const plane = square(0, 1);
    plane.origin[0] = NaN;
    expect(() => partitionPlane(network, plane)).toThrow(
      'NaN or Infinity in the network or the plane',
    );
  });

  it('regionAt finds the region of a point, −1 outside; density is regions per area', () => {
    const partition = partitionPlane(figure32Network(), square(0, 4));
    expect(regionAt(partition, -1, 2)).toBe(-1);
    const r = regionAt(partition, 0.5, 3.5);
    expect(r).toBeGreaterThanOrEqual(0);
    // At (0.5, 3.5): h_a = 3 (on), h_b: 0.5 + 3.5 − 4 = 0 → off.
    expect(regionBit(partition, r, 0)).toBe(true);
    expect(regionDensity(partition)).toBeCloseTo(18 / 16, 12);
  });
});

/** A one-hidden-layer network from explicit rows [w1, w2, b] on a 2-D input. */
function linesNetwork(rows: number[][]): Network {
  return {
    inputDim: 2,
    layers: [
      {
        inDim: 2,
        outDim: rows.length,
        weights: Float64Array.from(rows.flatMap((row) => [row[0], row[1]])),
        bias: Float64Array.from(rows.map((row) => row[2])),
        activation: 'relu',
      },
      {
        inDim: rows.length,
        outDim: 1,
        weights: new Float64Array(rows.length).fill(1),
        bias: new Float64Array(1),
        activation: 'linear',
      },
    ],
  };
}

describe('partitionPlane: degenerate geometry makes no slivers', () => {
  it('duplicate neurons (the same line twice, also scaled) split once', () => {
    const network = linesNetwork([
      [1, 0, -0.5],
      [2, 0, -1],
      [1, 0, -0.5],
      [0, 1, -0.3],
    ]);
    const partition = partitionPlane(network, square(0, 1));
    expect(partition.regionCount).toBe(4);
    checkInvariants(network, square(0, 1), partition);
  });

  it('three lines through one point and lines through domain corners', () => {
    // x = 0.5, y = 0.5 and x + y = 1 meet at (0.5, 0.5); x = y runs corner to corner.
    const concurrent = linesNetwork([
      [1, 0, -0.5],
      [0, 1, -0.5],
      [1, 1, -1],
    ]);
    expect(partitionPlane(concurrent, square(0, 1)).regionCount).toBe(6);
    const diagonal = linesNetwork([
      [1, -1, 0],
      [1, 1, -1],
    ]);
    const partition = partitionPlane(diagonal, square(0, 1));
    expect(partition.regionCount).toBe(4);
    checkInvariants(diagonal, square(0, 1), partition);
  });

  it('a line along the domain edge or outside it does not split', () => {
    const network = linesNetwork([
      [1, 0, 0],
      [0, 1, -1],
      [1, 1, 5],
    ]);
    const partition = partitionPlane(network, square(0, 1));
    expect(partition.regionCount).toBe(1);
    // x > 0 inside: on. y − 1 < 0 inside: off. x + y + 5 > 0: on.
    expect([0, 1, 2].map((k) => regionBit(partition, 0, k))).toEqual([true, false, true]);
  });

  it('a deeper neuron whose bent line runs along an earlier line adds nothing there', () => {
    // h = relu(x − 0.5); the second layer's z = h − 0 is zero on the whole off side and
    // positive on the on side: its boundary coincides with the first line.
    const network: Network = {
      inputDim: 2,
      layers: [
        {
          inDim: 2,
          outDim: 1,
          weights: new Float64Array([1, 0]),
          bias: new Float64Array([-0.5]),
          activation: 'relu',
        },
        {
          inDim: 1,
          outDim: 1,
          weights: new Float64Array([1]),
          bias: new Float64Array([0]),
          activation: 'relu',
        },
        {
          inDim: 1,
          outDim: 1,
          weights: new Float64Array([1]),
          bias: new Float64Array([0]),
          activation: 'linear',
        },
      ],
    };
    const partition = partitionPlane(network, square(0, 1));
    expect(partition.regionCount).toBe(2);
    expect(partition.regionsPerLayer).toEqual([2, 2]);
    checkInvariants(network, square(0, 1), partition);
  });
});

describe('partitionPlane: properties over random networks', () => {
  it('holds every invariant and matches the plain sweep on 40 random networks', () => {
    const random = seededRandom(2024, 'partition-properties');
    let neighbourChecks = 0;
    for (let trial = 0; trial < 40; trial++) {
      const dim = 2 + random.nextInt(9);
      const network = randomSmallNetwork(random, dim);
      const plane = randomPlane(random, dim);
      const partition = partitionPlane(network, plane);
      checkInvariants(network, plane, partition);
      if (trial % 4 === 0) neighbourChecks += checkNeighbours(network, plane, partition);
      // Oracle: the same regions (patterns) with the same areas as the plain sweep.
      const reference = referencePartition(network, plane);
      expect(partition.regionCount).toBe(reference.regions.length);
      expect(partition.regionsPerLayer).toEqual(reference.regionsPerLayer);
      const expected = new Map<string, number>();
      for (const region of reference.regions) {
        expected.set(Array.from(region.pattern).join(''), referenceArea(region));
      }
      for (let r = 0; r < partition.regionCount; r++) {
        const area = expected.get(patternKey(partition, r));
        expect(area).toBeDefined();
        expect(Math.abs(partition.areas[r] - area!)).toBeLessThanOrEqual(
          1e-9 * partition.domainArea,
        );
      }
    }
    expect(neighbourChecks).toBeGreaterThan(50);
  });

  it('matches the plain sweep on wider, deeper sparse networks in 784 dimensions', () => {
    const random = seededRandom(8, 'partition-wide');
    for (let trial = 0; trial < 3; trial++) {
      const network = heNetwork(784, [40, 25, 20], 10, {
        seed: random.nextUint32(),
        density: [1, 0.3, 0.1][trial],
        biasStd: 0.05,
      });
      const image = () =>
        Float64Array.from({ length: 784 }, () =>
          random.nextFloat() < 0.2 ? random.nextFloat() : 0,
        );
      const plane = planeFromPoints(image(), image(), image());
      const partition = partitionPlane(network, plane);
      const reference = referencePartition(network, plane);
      expect(partition.regionsPerLayer).toEqual(reference.regionsPerLayer);
      const expected = new Map<string, number>();
      for (const region of reference.regions) {
        expected.set(Array.from(region.pattern).join(''), referenceArea(region));
      }
      for (let r = 0; r < partition.regionCount; r++) {
        const area = expected.get(patternKey(partition, r));
        expect(area).toBeDefined();
        expect(Math.abs(partition.areas[r] - area!)).toBeLessThanOrEqual(
          1e-9 * partition.domainArea,
        );
      }
      expect(partition.regionCount).toBeGreaterThan(100);
    }
  });

  it('one hidden layer: regions = 1 + lines crossing + intersections inside', () => {
    const random = seededRandom(7, 'arrangement');
    for (let trial = 0; trial < 25; trial++) {
      const dim = 2 + random.nextInt(5);
      const width = 1 + random.nextInt(14);
      const network = heNetwork(dim, [width], 2, { seed: random.nextUint32(), biasStd: 0.7 });
      const plane = randomPlane(random, dim);
      const partition = partitionPlane(network, plane);
      // The lines in plane coordinates.
      const layer = network.layers[0];
      const lines: [number, number, number][] = [];
      for (let j = 0; j < width; j++) {
        let a = 0;
        let b = 0;
        let c = layer.bias[j];
        for (let i = 0; i < dim; i++) {
          const w = layer.weights[j * dim + i];
          a += w * plane.u[i];
          b += w * plane.v[i];
          c += w * plane.origin[i];
        }
        lines.push([a, b, c]);
      }
      const d = plane.domain; // a square: x in [d0, d2], y in [d1, d5]
      const inside = (x: number, y: number) => x > d[0] && x < d[2] && y > d[1] && y < d[5];
      let crossing = 0;
      for (const [a, b, c] of lines) {
        const values = [0, 1, 2, 3].map((k) => a * d[2 * k] + b * d[2 * k + 1] + c);
        if (Math.min(...values) < 0 && Math.max(...values) > 0) crossing++;
      }
      let intersections = 0;
      for (let p = 0; p < width; p++) {
        for (let q = p + 1; q < width; q++) {
          const [a1, b1, c1] = lines[p];
          const [a2, b2, c2] = lines[q];
          const det = a1 * b2 - a2 * b1;
          if (det === 0) continue;
          const x = (b1 * c2 - b2 * c1) / det;
          const y = (a2 * c1 - a1 * c2) / det;
          if (inside(x, y)) intersections++;
        }
      }
      expect(partition.regionCount).toBe(1 + crossing + intersections);
    }
  });

  it('is exact on a thesis-sized sparse network (784-300-100 at density 0.0342)', () => {
    const random = seededRandom(99, 'big');
    const network = heNetwork(784, [300, 100], 10, { seed: 5, density: 0.0342 });
    // Random "images": sparse non-negative vectors.
    const image = () =>
      Float64Array.from({ length: 784 }, () => (random.nextFloat() < 0.2 ? random.nextFloat() : 0));
    const plane = planeFromPoints(image(), image(), image());
    const partition = partitionPlane(network, plane);
    expect(partition.regionCount).toBeGreaterThan(5000);
    expect(Math.abs(compensatedSum(partition.areas) - partition.domainArea)).toBeLessThanOrEqual(
      1e-12 * partition.domainArea,
    );
    // Spot-check points: each lands in the region of its own pattern.
    const input = new Float64Array(784);
    let checked = 0;
    const d = plane.domain;
    for (let trial = 0; trial < 200; trial++) {
      const x = d[0] + random.nextFloat() * (d[2] - d[0]);
      const y = d[1] + random.nextFloat() * (d[5] - d[1]);
      for (let i = 0; i < 784; i++) input[i] = plane.origin[i] + x * plane.u[i] + y * plane.v[i];
      const z = hiddenPreActivations(network, input);
      if (z.some((value) => Math.abs(value) < 1e-9)) continue;
      const region = regionAt(partition, x, y);
      let key = '';
      for (const value of z) key += value > 0 ? '1' : '0';
      expect(patternKey(partition, region)).toBe(key);
      checked++;
    }
    expect(checked).toBeGreaterThan(150);
  });
});
