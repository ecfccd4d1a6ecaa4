/**
 * The fused path's results, bit for bit: for four Lenet setups on Fashion MNIST (seed 7,
 * 50 steps), every step's loss, every validation point and a checksum of the final
 * parameters equal the values recorded in tests/fixtures/train/fused-golden.json.
 *
 * Why exact and not a tolerance: the speed work on src-main/train/fused (input caches,
 * skipped zero activations, fused kernels) must change how fast a step runs, never what it
 * computes. Every kernel sums in a fixed order, so any reordering of a sum, a dropped
 * rounding or a changed initialisation moves at least one loss in its last bits and fails
 * here; a model trained yesterday and one trained today from the same seed stay identical.
 * Skipping a term that is exactly zero is allowed (x + 0 = x in IEEE arithmetic), which is
 * what the sparse-aware kernels do.
 *
 * The four setups cover each layer kind: a masked first layer ((12,4)@0.5, (300,100)@0.0164),
 * a dense first layer on the non-zero-pixel lists ((12,4) and (300,100) dense), masked and
 * dense later layers. Validation runs on the first 1,000 test images to keep the file short.
 *
 * The fixture was first recorded at 1b856f6, before the speed work (fused code as of
 * b0c41ff), and recorded again once, deliberately, when the fused path's sums moved from
 * double to Float32: its WebAssembly SIMD kernels run four Float32 lanes where they could
 * run two double ones (a 784×300 first layer: forward 2.9 → 1.1 ms, weight gradient
 * 3.4 → 1.3 ms), and Float32 sums are what the TensorFlow.js path computes anyway. To
 * record it again after a deliberate change of the algorithm — never to make an
 * optimisation pass — run: MBH_RECORD_GOLDEN=1 npx vitest run tests/integration/train-fused-golden.test.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { byteImageSplit, type Dataset } from '../../src-main/data/dataset.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { trainFused } from '../../src-main/train/fused/train-fused.ts';
import type { LayerParameters } from '../../src-main/train/spec.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/train/fused-golden.json', import.meta.url));
const SETUPS = [
  { hidden: [12, 4], density: 0.5 },
  { hidden: [300, 100], density: 0.0164 },
  { hidden: [12, 4], density: 1 },
  { hidden: [300, 100], density: 1 },
] as const;
const STEPS = 50;
const TEST_IMAGES = 1000;

interface Record {
  readonly setup: string;
  /** Mean loss of steps 1 … 50, exactly as reported to onProgress. */
  readonly losses: number[];
  /** [iteration, validation accuracy, validation loss] at each point of the schedule. */
  readonly points: [number, number, number][];
  /** FNV-1a (32 bits) over the bytes of every layer's weights then bias, in layer order. */
  readonly checksum: string;
}

/** FNV-1a over the Float32 bytes: any change of any bit of any parameter changes it. */
function checksum(layers: readonly LayerParameters[]): string {
  let hash = 0x811c9dc5;
  for (const array of layers.flatMap((layer) => [layer.weights, layer.bias])) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

async function record(dataset: Dataset, hidden: readonly number[], density: number) {
  const losses: number[] = [];
  const points: [number, number, number][] = [];
  const outcome = await trainFused(
    {
      hidden: [...hidden],
      family: 'lenet',
      density,
      seed: 7,
      dataset: 'fashion',
      iterations: STEPS,
      checkpoints: [],
    },
    dataset,
    {
      onProgress: (_iteration, loss) => losses.push(loss),
      onEvaluation: (point) =>
        points.push([point.iteration, point.validationAccuracy, point.validationLoss]),
    },
  );
  expect(outcome.status).toBe('completed');
  return { losses, points, checksum: checksum(outcome.layers) };
}

describe('the fused path is bit-identical to its recorded results (Fashion MNIST, seed 7)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-fused-golden-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let fashion: Dataset | null = null;
  const dataset = (): Dataset => {
    if (fashion !== null) return fashion;
    const full = new DatasetRegistry(root).load('fashion');
    const pixels = full.test.pixels!;
    const size = TEST_IMAGES * full.inputDim;
    fashion = {
      ...full,
      test: byteImageSplit(
        TEST_IMAGES,
        pixels.subarray(0, size),
        full.test.y.subarray(0, TEST_IMAGES),
      ),
    };
    return fashion;
  };
  const recording = process.env.MBH_RECORD_GOLDEN === '1';
  const golden: Record[] = recording ? [] : JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const recorded: Record[] = [];
  afterAll(() => {
    if (recording) writeFileSync(FIXTURE, `${JSON.stringify(recorded, null, 1)}\n`);
  });

  for (const { hidden, density } of SETUPS) {
    const setup = `(${hidden.join(',')})@${density}`;
    it(`${setup}: 50 losses, the validation points and the final parameters`, async () => {
      const actual = await record(dataset(), hidden, density);
      if (recording) {
        recorded.push({ setup, ...actual });
        return;
      }
      const expected = golden.find((entry) => entry.setup === setup);
      expect(expected, `no recorded values for ${setup}`).toBeDefined();
      expect(actual.losses).toHaveLength(STEPS);
      // toStrictEqual compares numbers with Object.is: exact, and +0 differs from −0.
      expect(actual.losses).toStrictEqual(expected!.losses);
      expect(actual.points).toStrictEqual(expected!.points);
      expect(actual.checksum).toBe(expected!.checksum);
    });
  }
});
