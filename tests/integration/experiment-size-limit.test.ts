/**
 * Experiments have a size limit: a spec that multiplies to more than 10,000 models is
 * refused before anything is written, naming the count; one at the limit is created whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-lab-experiment-size-'));
let lab: LabService;
let projectId: number;

beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
  projectId = (await lab.createProject({ name: 'sizes', description: '' })).id;
});

afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

/** Two architectures × `densities` densities × `seeds` seeds on XOR. */
function spec(densities: number, seeds: number) {
  return {
    name: 'sweep',
    family: 'custom',
    hiddenNeurons: [8],
    customWidths: [[8], [8, 8]],
    densities: Array.from({ length: densities }, (_, k) => 1 - k / 20),
    seeds: Array.from({ length: seeds }, (_, k) => k),
    datasets: ['xor'],
    iterations: 10,
    planeCount: 1,
  };
}

describe('experiment size limit', () => {
  it('refuses more than 10,000 models, naming the count, and writes nothing', async () => {
    const message =
      'params.spec: the experiment would have 12,000 models (12 setups × 1,000 seeds), more than ' +
      'the limit of 10,000; use fewer architectures, densities, datasets or seeds';
    await expect(
      lab.createExperiment({ projectId, spec: spec(6, 1000), launch: false } as never),
    ).rejects.toMatchObject({ name: 'ValidationError', path: 'params.spec', message });
    await expect(lab.planExperiment({ spec: spec(6, 1000) } as never)).rejects.toMatchObject({
      message,
    });
    expect(await lab.listExperiments({})).toEqual([]);
    expect(await lab.listModels({})).toEqual([]);
    expect(await lab.listJobs({})).toEqual([]);
  });

  it('creates an experiment of exactly 10,000 models whole', async () => {
    const created = await lab.createExperiment({
      projectId,
      spec: spec(5, 1000),
      launch: false,
    } as never);
    expect(created.jobs).toHaveLength(10_000);
    expect(created.jobs.every((job) => job.state === 'paused')).toBe(true);
    const models = await lab.listModels({ experimentId: created.experiment.id });
    expect(models).toHaveLength(10_000);
    expect(new Set(models.map((model) => model.name)).size).toBe(10_000);
  });
});
