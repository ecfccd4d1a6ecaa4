/**
 * The 2-D "XOR with outliers" toy of thesis figure 4.5. Points are uniform in the square
 * [−1, 1]²; the class is 0 where both coordinates have the same sign (quadrants I and
 * III) and 1 where they differ (II and IV). Then exactly round(outlierFraction · n)
 * points of each split, chosen at random, get the other label: the outliers. With the
 * default 5 % the best possible accuracy is about 95 %, the figure's validation accuracy.
 * Everything comes from the seed; the same options give the same dataset.
 */
import { Random, validateSeed } from '../../src-shared/model/random.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';

export interface XorOptions {
  readonly seed?: number;
  readonly trainCount?: number;
  readonly testCount?: number;
  /** Share of each split whose label is flipped, in [0, 0.5). */
  readonly outlierFraction?: number;
}

function checkCount(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 10_000_000) {
    throw new RangeError(`xor ${name} must be an integer in [1, 10000000], got ${value}`);
  }
  return value;
}

function makeSplit(random: Random, count: number, outlierFraction: number): DatasetSplit {
  const x = new Float32Array(count * 2);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const a = Math.fround(random.nextFloat() * 2 - 1);
    const b = Math.fround(random.nextFloat() * 2 - 1);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a > 0 !== b > 0 ? 1 : 0;
  }
  const outliers = random.subsetMask(count, Math.round(outlierFraction * count));
  for (let i = 0; i < count; i++) if (outliers[i] === 1) y[i] = 1 - y[i];
  return { count, x, y };
}

export function generateXor(options: XorOptions = {}): Dataset {
  const seed = validateSeed(options.seed ?? 0, 'xor seed');
  const trainCount = checkCount(options.trainCount ?? 2000, 'trainCount');
  const testCount = checkCount(options.testCount ?? 1000, 'testCount');
  const outlierFraction = options.outlierFraction ?? 0.05;
  if (!(outlierFraction >= 0 && outlierFraction < 0.5)) {
    throw new RangeError(`xor outlierFraction must be in [0, 0.5), got ${outlierFraction}`);
  }
  const train = makeSplit(Random.create(seed, 'xor/train'), trainCount, outlierFraction);
  const test = makeSplit(Random.create(seed, 'xor/test'), testCount, outlierFraction);
  return {
    id: 'xor',
    name: 'XOR with outliers',
    inputDim: 2,
    classCount: 2,
    classNames: ['same sign', 'opposite sign'],
    train,
    test,
    inputBox: { low: -1, high: 1 },
    source: `generated: seed ${seed}, ${trainCount}/${testCount} points, ${outlierFraction * 100}% outliers`,
  };
}
