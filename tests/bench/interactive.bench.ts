/**
 * Interactive work under a heavy partition, through the browser-mode server: a dense
 * 3 × 800 network on an MNIST plane (over a million regions) runs to the lab's region
 * budget while small calls are made over the same WebSocket.
 *   - Small-call latency (listProjects, a small XOR partition; medians) while the big one
 *     runs, beside the same calls on the idle lab measured in this run, as ratios.
 *   - The big partition's pace (regions per second from its progress events), how it
 *     ended (the budget error) and after how long.
 *   - Result bytes per region of the partitions sent (the budget's memory cost).
 * Run with `npm run bench -- interactive`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { PartitionView } from '../../src-shared/api/dto.ts';
import { networkToModelJson } from '../../src-shared/model/format.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { startServer } from '../../src-main/server/server.ts';
import { createClient, type LabClient } from '../../src-renderer/src/api/client.ts';
import { createWebSocketTransport, type SocketLike } from '../../src-renderer/src/api/websocket.ts';
import { heNetwork } from '../unit/engine-support.ts';

const SAMPLES = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function bytesPerRegion(view: PartitionView): number {
  const bytes =
    view.vertexOffsets.byteLength +
    view.vertices.byteLength +
    view.areas.byteLength +
    view.patterns.byteLength;
  return bytes / view.regionCount;
}

/** Medians of SAMPLES small calls: a plain one and a small partition of a plane not yet seen. */
async function smallCalls(
  client: LabClient,
  small: { checkpointId: number; planeSetId: number },
  firstPlane: number,
) {
  const plain: number[] = [];
  const partition: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    let started = performance.now();
    await client.listProjects({});
    plain.push(performance.now() - started);
    started = performance.now();
    // A fresh plane each time: no answer comes from the lab's cache.
    await client.getPartition({ ...small, plane: firstPlane + k });
    partition.push(performance.now() - started);
  }
  return { plain: median(plain), partition: median(partition) };
}

export async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'mbh-bench-interactive-'));
  const staticDir = mkdtempSync(join(tmpdir(), 'mbh-bench-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MBH Lab</title>');
  const lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  const server = await startServer({ service: lab, staticDir });
  const transport = createWebSocketTransport({
    url: `ws://127.0.0.1:${server.port}/api`,
    token: server.token,
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  });
  const client = createClient(transport);
  try {
    const projectId = (await lab.createProject({ name: 'bench', description: '' })).id;
    const add = async (datasetId: string, hidden: number[], inputs: number, outputs: number) => {
      const network = heNetwork(inputs, hidden, outputs, { seed: 5, biasStd: 0.05 });
      const model = await lab.importModel({
        projectId,
        json: JSON.stringify(networkToModelJson(network)),
        datasetId,
      } as never);
      const checkpointId = (await lab.getModel({ id: model.id })).checkpoints.at(-1)!.id;
      const count = 2 * SAMPLES;
      const planeSetId = (await lab.createPlaneSet({ datasetId, count, seed: 1 } as never)).id;
      return { checkpointId, planeSetId };
    };
    const deep = await add('mnist', [800, 800, 800], 784, 10);
    const small = await add('xor', [16, 16], 2, 2);

    const idle = await smallCalls(client, small, 0);
    const lenet = await add('mnist', [300, 100], 784, 10);
    const lenetPartition = await client.getPartition({ ...lenet, plane: 0 });

    const progress: { at: number; regions: number }[] = [];
    let first!: () => void;
    const running = new Promise<void>((resolve) => (first = resolve));
    const off = client.on('partition', (event) => {
      if (event.checkpointId !== deep.checkpointId) return;
      progress.push({ at: performance.now(), regions: event.regions });
      first();
    });
    const started = performance.now();
    let endedAt = 0;
    const big = client.getPartition({ ...deep, plane: 0 }).then(
      (partition) => `the partition (${partition.regionCount.toLocaleString('en-US')} regions)`,
      (error: Error) => `${error.name}: ${error.message}`,
    );
    void big.then(() => (endedAt = performance.now()));
    await running;
    const busy = await smallCalls(client, small, SAMPLES);
    const stillRunning = endedAt === 0;
    const outcome = await big;
    off();

    const span = progress.at(-1)!;
    const pace =
      progress.length > 1
        ? (span.regions - progress[0].regions) / ((span.at - progress[0].at) / 1000)
        : Number.NaN;
    console.log(`small calls over the WebSocket (median of ${SAMPLES}):`);
    console.log(
      `  listProjects       idle ${idle.plain.toFixed(1)} ms · during the big partition ${busy.plain.toFixed(1)} ms (× ${(busy.plain / idle.plain).toFixed(1)})`,
    );
    console.log(
      `  2-16-16-2 partition idle ${idle.partition.toFixed(1)} ms · during the big partition ${busy.partition.toFixed(1)} ms (× ${(busy.partition / idle.partition).toFixed(1)})`,
    );
    console.log(`  the big partition was still running after them: ${stillRunning}`);
    console.log(`784-800-800-800-10 on an MNIST plane, lab budget:`);
    console.log(`  ended after ${((endedAt - started) / 1000).toFixed(1)} s with ${outcome}`);
    console.log(
      `  pace ${Math.round(pace).toLocaleString('en-US')} regions/s over ${progress.length} progress events`,
    );
    console.log(
      `result bytes per region: 784-300-100-10 ${bytesPerRegion(lenetPartition).toFixed(0)} ` +
        `(${lenetPartition.regionCount.toLocaleString('en-US')} regions; 400 neurons)`,
    );
  } finally {
    transport.close();
    await server.close();
    await lab.close({ pauseRunning: true });
    rmSync(home, { recursive: true, force: true });
    rmSync(staticDir, { recursive: true, force: true });
  }
}
