/**
 * Bug: `mbh-lab train --hidden 4,2 --dataset mnist --density 0.0001` was accepted: the lab
 * stored a model and a job, and only the training worker found that the density keeps no
 * weight of hidden layer 1 (4 × 784 weights), leaving a failed job and an empty model.
 * The lab (trainModel, experiment setups) now refuses such a density before writing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';
import { planSetups } from '../../src-main/lab/setups.ts';
import { checkDensityKeepsWeights } from '../../src-shared/model/hnp.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-density-'));
let lab: LabService;
beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

describe('a density that keeps no weight of a hidden layer', () => {
  it('is refused by the shared check, naming the layer', () => {
    const architecture = {
      family: 'custom' as const,
      hidden: [4, 2],
      inputDim: 784,
      outputDim: 10,
    };
    expect(() => checkDensityKeepsWeights(architecture, 0.0001)).toThrow(
      'density 0.0001 keeps no weight of hidden layer 1 (4 × 784)',
    );
    expect(() => checkDensityKeepsWeights(architecture, 0.01)).toThrow(/hidden layer 2 \(2 × 4\)/);
    expect(() => checkDensityKeepsWeights(architecture, 0.2)).not.toThrow();
  });

  it('is refused by trainModel and experiment setups before anything is stored', async () => {
    const { id: projectId } = await lab.createProject({ name: 'p', description: '' });
    await expect(
      lab.trainModel({
        projectId,
        family: 'custom',
        hidden: [4, 2],
        density: 0.0001,
        seed: 0,
        datasetId: 'mnist',
        iterations: 10,
        checkpoints: 'default',
        pruning: { kind: 'random' },
      }),
    ).rejects.toThrow(/params\.density: density 0\.0001 keeps no weight of hidden layer 1/);
    expect(await lab.listModels({})).toEqual([]);
    expect(await lab.listJobs({})).toEqual([]);
    const spec = {
      name: 'x',
      family: 'custom' as const,
      hiddenNeurons: [6],
      customWidths: [[4, 2]],
      densities: [1, 0.0001],
      seeds: [1],
      datasets: ['mnist'],
      iterations: 5,
    };
    expect(() => planSetups(spec as never, { id: 'mnist', inputDim: 784, classCount: 10 })).toThrow(
      /keeps no weight of hidden layer 1/,
    );
  });
});
