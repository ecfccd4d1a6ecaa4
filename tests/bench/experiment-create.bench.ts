/**
 * Creating a 10,000-model experiment (issue 7 §3): the longest event-loop stall while it
 * is written, measured with perf_hooks.monitorEventLoopDelay.
 * - baseline: every model and job in one transaction, then every job summary (what
 *   createExperiment did before rows were written in chunks);
 * - chunked: writeExperiment as createExperiment runs it (CHUNK_ROWS per transaction, the
 *   event loop free between chunks, hidden until a last short transaction);
 * - the whole api call, createExperiment at the limit (planning included).
 *
 *   npm run bench -- experiment-create
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ExperimentSpec } from '../../src-shared/api/dto.ts';
import {
  CHUNK_ROWS,
  writeExperiment,
  type PlannedRow,
} from '../../src-main/lab/experiment-create.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

const MODELS = 10_000;

function rows(projectId: number): PlannedRow[] {
  return Array.from({ length: MODELS }, (_, index) => ({
    model: {
      projectId,
      name: `FC(8,8) d=0.9 seed ${index} xor`,
      family: 'custom',
      hidden: [8, 8],
      inputDim: 2,
      classCount: 2,
      density: 0.9,
      hnps: 16,
      hnpLevel: null,
      seed: index,
      pruning: { kind: 'none' } as never,
      datasetId: 'xor',
      backend: null,
      iterations: 0,
      notes: '',
      createdAt: 1,
    },
    job: (modelId) => ({
      kind: 'train',
      modelId,
      label: `train FC(8,8) seed ${index}`,
      spec: { modelId, family: 'custom', hidden: [8, 8], density: 0.9, seed: index },
      iterations: 10,
    }),
  }));
}

/** The longest stall (ms) and the wall time (ms) of `work`. */
async function measure(work: () => Promise<unknown>): Promise<{ stall: number; wall: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // The monitor's timer must be running before the work starts, or a stall at once is
  // missed (and no reset(): its next sample is dropped, which hides a stall right after).
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = performance.now();
  await work();
  const wall = performance.now() - started;
  // One more turn so that a stall at the very end is recorded.
  await new Promise((resolve) => setTimeout(resolve, 5));
  delay.disable();
  return { stall: delay.max / 1e6, wall };
}

async function inFreshZoo(write: (zoo: Zoo, projectId: number) => Promise<unknown>) {
  const home = mkdtempSync(join(tmpdir(), 'mbh-bench-experiment-'));
  const zoo = Zoo.open(join(home, 'zoo.sqlite'));
  try {
    const projectId = zoo.projects.create('bench', '');
    const planned = rows(projectId);
    return await measure(() => write(zoo, projectId).then(() => planned));
  } finally {
    zoo.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const spec = { name: 'bench' } as ExperimentSpec;
  const oneTransaction = await inFreshZoo((zoo, projectId) =>
    writeExperiment(
      zoo,
      { projectId, spec, planeSetId: null },
      rows(projectId),
      true,
      () => {},
      () => {},
      {
        chunkRows: MODELS,
        pause: async () => {},
      },
    ),
  );
  const chunked = await inFreshZoo((zoo, projectId) =>
    writeExperiment(
      zoo,
      { projectId, spec, planeSetId: null },
      rows(projectId),
      true,
      () => {},
      () => {},
    ),
  );
  const home = mkdtempSync(join(tmpdir(), 'mbh-bench-experiment-lab-'));
  const lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  let api: { stall: number; wall: number };
  try {
    const projectId = (await lab.createProject({ name: 'bench', description: '' })).id;
    api = await measure(() =>
      lab.createExperiment({
        projectId,
        launch: false,
        spec: {
          name: 'sweep',
          family: 'custom',
          hiddenNeurons: [8],
          customWidths: [[8], [8, 8]],
          densities: [1, 0.95, 0.9, 0.85, 0.8],
          seeds: Array.from({ length: 1_000 }, (_, k) => k),
          datasets: ['xor'],
          iterations: 10,
          planeCount: 1,
        },
      } as never),
    );
  } finally {
    await lab.close({ pauseRunning: true });
    rmSync(home, { recursive: true, force: true });
  }
  const line = (label: string, figures: { stall: number; wall: number }) =>
    `${label.padEnd(44)} longest stall ${figures.stall.toFixed(1).padStart(7)} ms   wall ${figures.wall.toFixed(0).padStart(6)} ms`;
  console.log(`${MODELS.toLocaleString('en')} models and jobs:`);
  console.log(line('baseline: one transaction', oneTransaction));
  console.log(line(`chunked: ${CHUNK_ROWS} rows per transaction`, chunked));
  console.log(line('createExperiment (api, planning included)', api));
  console.log(
    `longest stall, chunked / one transaction: ${(chunked.stall / oneTransaction.stall).toFixed(3)}; ` +
      `wall, chunked / one transaction: ${(chunked.wall / oneTransaction.wall).toFixed(2)}`,
  );
}
