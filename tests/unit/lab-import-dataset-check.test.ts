/**
 * Bug: importModel filed a model under any dataset it was told, or that its bundle named:
 * a 784-input model imported with `--dataset xor` (2 inputs), or a bundle naming a dataset
 * the lab does not have, was stored and only failed later when measured. A plain model JSON
 * whose shape matched no dataset was silently filed under "unknown". Now each is refused,
 * naming the field, and nothing is written.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-import-dataset-'));
let lab: LabService;
beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

const figure32 = readFileSync(
  new URL('../fixtures/engine/fig32.model.json', import.meta.url),
  'utf8',
);

/** A model JSON of widths d0 → 3 → classes, all weights 0.1. */
function modelJson(inputDim: number, classes: number): string {
  const layer = (rows: number, columns: number, activation: string) => ({
    weights: Array.from({ length: rows }, () => Array<number>(columns).fill(0.1)),
    bias: Array<number>(rows).fill(0),
    activation,
  });
  return JSON.stringify({
    format: 'mbh-model',
    version: 1,
    inputDim,
    layers: [layer(3, inputDim, 'relu'), layer(classes, 3, 'linear')],
  });
}

describe('importModel checks the dataset against the model', () => {
  it('refuses a wrong, unknown or unguessable dataset and writes nothing', async () => {
    const { id: projectId } = await lab.createProject({ name: 'p', description: '' });
    const mnistShaped = modelJson(784, 10);
    const good = await lab.importModel({ projectId, json: figure32, datasetId: 'xor' });
    expect(good.datasetId).toBe('xor');
    expect((await lab.importModel({ projectId, json: mnistShaped })).datasetId).toBe('mnist');
    const bundle = JSON.parse((await lab.exportModel({ id: good.id })).content) as {
      model: { datasetId: string };
    };
    bundle.model.datasetId = 'nope';
    const before = await lab.listModels({});

    const refusals: [Promise<unknown>, RegExp][] = [
      [
        lab.importModel({ projectId, json: mnistShaped, datasetId: 'xor' }),
        /params\.datasetId: dataset xor has 2 inputs and 2 classes, the model 784 inputs and 10 classes/,
      ],
      [
        lab.importModel({ projectId, json: mnistShaped, datasetId: 'nope' }),
        /params\.datasetId: unknown dataset "nope"/,
      ],
      [
        lab.importModel({ projectId, json: modelJson(5, 3) }),
        /params\.datasetId: no dataset of the lab has 5 inputs and 3 classes/,
      ],
      [
        lab.importModel({ projectId, json: JSON.stringify(bundle) }),
        /params\.json\.model\.datasetId: unknown dataset "nope"/,
      ],
      [
        lab.importModel({ projectId, json: JSON.stringify(bundle), datasetId: 'mnist' }),
        /params\.datasetId: dataset mnist has 784 inputs/,
      ],
    ];
    for (const [attempt, message] of refusals) await expect(attempt).rejects.toThrow(message);
    expect(await lab.listModels({})).toEqual(before);

    // --dataset names the dataset of a bundle from a lab with other datasets.
    const renamed = await lab.importModel({
      projectId,
      json: JSON.stringify(bundle),
      datasetId: 'xor',
    });
    expect(renamed).toMatchObject({ datasetId: 'xor', checkpointCount: 1 });
  });
});
