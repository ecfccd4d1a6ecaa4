/**
 * Bug: importProject stored the models of a project bundle under whatever dataset they
 * named, even one the lab does not have or one of another shape (input dimension, class
 * count); importModel already refused both. Now a project bundle is checked the same way,
 * all or nothing: the message names the model and the dataset, and the zoo is unchanged.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-import-project-dataset-'));
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

interface Bundle {
  models: { bundle: { model: { name: string; datasetId: string } } }[];
}

describe('importProject checks the datasets of its models', () => {
  it('refuses an unknown or misfitting dataset, naming model and dataset, writing nothing', async () => {
    const { id: projectId } = await lab.createProject({ name: 'p', description: '' });
    await lab.importModel({ projectId, json: figure32, datasetId: 'xor', name: 'first' });
    await lab.importModel({ projectId, json: figure32, datasetId: 'xor', name: 'second' });
    const content = (await lab.exportProject({ id: projectId })).content;
    const projectsBefore = await lab.listProjects({});
    const modelsBefore = await lab.listModels({});

    // Only the second model is wrong: the first must not be stored either.
    const unknown = JSON.parse(content) as Bundle;
    expect(unknown.models.map((m) => m.bundle.model.name)).toEqual(['first', 'second']);
    unknown.models[1].bundle.model.datasetId = 'nope';
    await expect(lab.importProject({ json: JSON.stringify(unknown) })).rejects.toThrow(
      /project\.models\[1\]\.bundle\.model\.datasetId: model "second" names unknown dataset "nope"/,
    );

    const misfit = JSON.parse(content) as Bundle;
    misfit.models[1].bundle.model.datasetId = 'mnist';
    await expect(lab.importProject({ json: JSON.stringify(misfit) })).rejects.toThrow(
      /project\.models\[1\]\.bundle\.model\.datasetId: model "second" has 2 inputs and 2 classes, its dataset mnist 784 inputs and 10 classes/,
    );

    expect(await lab.listProjects({})).toEqual(projectsBefore);
    expect(await lab.listModels({})).toEqual(modelsBefore);

    // The bundle as exported still imports.
    expect(await lab.importProject({ json: content })).toMatchObject({ modelCount: 2 });
  });
});
