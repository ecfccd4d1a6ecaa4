/**
 * The interactive measure workers: one that runs past its heap limit dies alone and the
 * next request gets a fresh worker; a cancelled partition stops in its worker (the flag
 * reaches it while it computes), so the worker is free for the next request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InteractivePool } from '../../src-main/jobs/interactive-pool.ts';
import type { NetworkMessage, PartitionMessage } from '../../src-main/workers/measure-protocol.ts';
import { planeFromPoints } from '../../src-shared/mbh/plane.ts';
import { heNetwork } from '../unit/engine-support.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-lab-interactive-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const hungry = new URL('../fixtures/workers/hungry-measure.worker.ts', import.meta.url);

/** A network packed as the lab sends it to a worker. */
function networkMessage(inputDim: number, hidden: number[], outputs: number, seed: number) {
  const network = heNetwork(inputDim, hidden, outputs, { seed, biasStd: 0.1 });
  const widths = [inputDim, ...hidden, outputs];
  const total = network.layers.reduce((sum, layer) => sum + layer.weights.length, 0);
  const weights = new Float32Array(total);
  const biases = new Float32Array(widths.slice(1).reduce((a, b) => a + b, 0));
  let w = 0;
  let b = 0;
  for (const layer of network.layers) {
    weights.set(layer.weights, w);
    biases.set(layer.bias, b);
    w += layer.weights.length;
    b += layer.bias.length;
  }
  return { widths, weights, biases, masks: null } satisfies NetworkMessage;
}

function planeMessage(inputDim: number) {
  const point = (k: number) => Float64Array.from({ length: inputDim }, (_, i) => Math.sin(k + i));
  const plane = planeFromPoints(point(1), point(2), point(3));
  return { index: 0, ...plane, points: new Float64Array(0) };
}

describe('a worker past its heap limit', () => {
  it('dies alone with a clear error; the pool answers the next request from a fresh worker', async () => {
    const pool = new InteractivePool(home, { entry: hungry, memoryMb: 32, size: 1 });
    try {
      const first = await pool.request<{ threadId: number }>({
        type: 'images',
        datasetId: 'xor',
        samples: [0],
      });
      await expect(
        pool.request({
          type: 'partition',
          network: networkMessage(2, [4], 2, 1),
          plane: planeMessage(2),
        }),
      ).rejects.toThrow(
        "the computation ran out of memory (the worker's limit is 32 MB) and was stopped; " +
          'try a smaller region budget or domain',
      );
      const next = await pool.request<{ threadId: number }>({
        type: 'images',
        datasetId: 'xor',
        samples: [0],
      });
      expect(next.threadId).not.toBe(first.threadId);
      expect(pool.workerCount).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

describe('isolation', () => {
  it('a small request is answered while a long one runs (a spare worker is ready)', async () => {
    const pool = new InteractivePool(home, { size: 2 });
    try {
      const controller = new AbortController();
      let running!: () => void;
      const started = new Promise<void>((resolve) => (running = resolve));
      let settled = false;
      const big = pool
        .request<PartitionMessage>(
          {
            type: 'partition',
            network: networkMessage(40, [400, 400, 400], 2, 2),
            plane: planeMessage(40),
            maxRegions: 10_000_000,
          },
          { signal: controller.signal, onProgress: () => running() },
        )
        .finally(() => (settled = true));
      big.catch(() => {});
      await started;
      expect(pool.workerCount).toBe(2);
      const small = await pool.request<PartitionMessage>({
        type: 'partition',
        network: networkMessage(2, [6, 6], 2, 3),
        plane: planeMessage(2),
      });
      expect(small.regionCount).toBeGreaterThan(1);
      expect(settled).toBe(false);
      controller.abort();
      await expect(big).rejects.toMatchObject({ name: 'Cancelled' });
    } finally {
      await pool.close();
    }
  });
});

describe('idle workers', () => {
  it('beyond the most recently used one are stopped when the pool trims', async () => {
    const pool = new InteractivePool(home, { size: 3 });
    try {
      const small = (seed: number) =>
        pool.request<PartitionMessage>({
          type: 'partition',
          network: networkMessage(2, [6, 6], 2, seed),
          plane: planeMessage(2),
        });
      const answers = await Promise.all([small(1), small(2)]);
      expect(answers.every((answer) => answer.regionCount > 1)).toBe(true);
      expect(pool.workerCount).toBe(3);
      expect(pool.trimIdle()).toBe(2);
      expect(pool.workerCount).toBe(1);
      // The one worker serves the next request, and a spare starts beside the busy one.
      expect((await small(3)).regionCount).toBeGreaterThan(1);
      expect(pool.workerCount).toBe(2);
      expect(pool.trimIdle()).toBe(1);
      expect(pool.trimIdle()).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe('cancelling a running partition', () => {
  it('stops it in its worker: the one worker of the pool then serves the next request', async () => {
    const pool = new InteractivePool(home, { size: 1 });
    try {
      const controller = new AbortController();
      const progress: number[] = [];
      // A deep dense network with no budget to speak of: minutes of work if not stopped.
      const big = pool.request<PartitionMessage>(
        {
          type: 'partition',
          network: networkMessage(40, [400, 400, 400], 2, 2),
          plane: planeMessage(40),
          maxRegions: 10_000_000,
        },
        {
          signal: controller.signal,
          onProgress: (regions) => {
            progress.push(regions);
            controller.abort();
          },
        },
      );
      await expect(big).rejects.toMatchObject({ name: 'Cancelled', message: 'cancelled' });
      expect(progress.length).toBeGreaterThan(0);
      const small = await pool.request<PartitionMessage>({
        type: 'partition',
        network: networkMessage(2, [6, 6], 2, 3),
        plane: planeMessage(2),
      });
      expect(small.regionCount).toBeGreaterThan(1);
      expect(pool.workerCount).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a request cancelled while it waits for a worker never runs', async () => {
    const pool = new InteractivePool(home, { size: 1 });
    try {
      const first = new AbortController();
      const running = pool.request(
        {
          type: 'partition',
          network: networkMessage(40, [400, 400, 400], 2, 2),
          plane: planeMessage(40),
          maxRegions: 10_000_000,
        },
        { signal: first.signal, onProgress: () => first.abort() },
      );
      const queued = new AbortController();
      const waiting = pool.request(
        { type: 'partition', network: networkMessage(2, [6], 2, 3), plane: planeMessage(2) },
        { signal: queued.signal },
      );
      queued.abort();
      await expect(waiting).rejects.toMatchObject({ name: 'Cancelled' });
      await expect(running).rejects.toMatchObject({ name: 'Cancelled' });
    } finally {
      await pool.close();
    }
  });
});
