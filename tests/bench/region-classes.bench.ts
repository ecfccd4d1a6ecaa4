/**
 * What the per-region predicted class costs on top of the partition: LeNet-300-100 (dense
 * and at density 0.0342) on planes through MNIST test images, the plain partition (the
 * baseline, measured in the same run) against the partition with its classes, as the
 * plane viewer's worker computes it. Prints the regions, the mixed regions and the ratio.
 *
 *   npm run bench -- region-classes     (MBH_BENCH_PLANES=N planes, default 3)
 */
import { fileURLToPath } from 'node:url';
import { partitionPlane } from '../../src-shared/mbh/partition.ts';
import { MIXED_CLASS, partitionWithClasses } from '../../src-shared/mbh/region-classes.ts';
import { heNetwork } from '../unit/engine-support.ts';
import { median, mnistPlanes, readMnistTest, timed } from './engine.bench.ts';

export async function main(): Promise<void> {
  const planeCount = Number(process.env.MBH_BENCH_PLANES) || 3;
  const data = readMnistTest();
  const planes = mnistPlanes(data.images, data.labels, planeCount);
  console.log(`region classes: ${planeCount} MNIST planes, CPU ms per plane (median of 3 runs)`);
  for (const [label, density] of [
    ['LeNet 300-100 dense', 1],
    ['LeNet 300-100 at density 0.0342', 0.0342],
  ] as const) {
    const network = heNetwork(784, [300, 100], 10, { seed: 2, density });
    // Warm both paths up once so neither pays the JIT in its timings.
    partitionPlane(network, planes[0]);
    partitionWithClasses(network, planes[0]);
    const ratios: number[] = [];
    for (const [p, plane] of planes.entries()) {
      // Interleaved, so load on the shared machine falls on both alike.
      const plain: number[] = [];
      const classed: number[] = [];
      let regions = 0;
      let mixed = 0;
      for (let run = 0; run < 3; run++) {
        plain.push(timed(() => partitionPlane(network, plane)).cpu);
        const withClasses = timed(() => partitionWithClasses(network, plane));
        classed.push(withClasses.cpu);
        regions = withClasses.value.regionCount;
        mixed = withClasses.value.predictedClasses.filter((c) => c === MIXED_CLASS).length;
      }
      const ratio = median(classed) / median(plain);
      ratios.push(ratio);
      console.log(
        `${label}, plane ${p}: ${regions} regions (${mixed} mixed), partition ${median(plain).toFixed(1)} ms, ` +
          `with classes ${median(classed).toFixed(1)} ms → ×${ratio.toFixed(3)}`,
      );
    }
    console.log(`${label}: overhead ratio, median over planes ×${median(ratios).toFixed(3)}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
