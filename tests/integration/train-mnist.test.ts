import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { train } from '../../src-main/train/train.ts';
import type { EvaluationPoint } from '../../src-main/train/spec.ts';

describe('training on Digit MNIST', () => {
  const root = mkdtempSync(join(tmpdir(), 'mbh-train-mnist-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // Slow: 2,000 Adam steps of a (12, 4) network, about 4–8 s on the wasm backend.
  it('reaches > 85 % validation accuracy with hidden (12, 4) in 2,000 iterations (wasm)', async () => {
    const dataset = new DatasetRegistry(root).load('mnist');
    const points: EvaluationPoint[] = [];
    const started = performance.now();
    const outcome = await train(
      { hidden: [12, 4], family: 'lenet', seed: 0, dataset: 'mnist', iterations: 2000 },
      dataset,
      { onEvaluation: (point) => points.push(point) },
      undefined,
      { backend: 'wasm' },
    );
    const seconds = (performance.now() - started) / 1000;
    const last = points[points.length - 1];
    console.log(
      `mnist (12,4) 2000 it: accuracy ${(100 * last.validationAccuracy).toFixed(2)} %, loss ${last.validationLoss.toFixed(3)}, ` +
        `${outcome.msPerIteration.toFixed(2)} ms/iteration, ${seconds.toFixed(1)} s in all`,
    );
    expect(outcome.backend.name).toBe('wasm');
    expect(points.map((p) => p.iteration)).toEqual([
      0, 1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 291, 437, 656, 985, 1477, 2000,
    ]);
    expect(points[0].validationAccuracy).toBeLessThan(0.3);
    expect(last.validationAccuracy).toBeGreaterThan(0.85);
    expect(last.trainLoss).toBeLessThan(points[1].trainLoss!);
  });
});
