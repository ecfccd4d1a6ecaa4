/**
 * Import and export: project and model bundles, model files of other frameworks, the demo project.
 * Moved from service.ts unchanged; the LabService facade delegates its api methods here.
 */
import { type Params, type Results } from '../../src-shared/api/contract.ts';
import type { ParsedModelFile } from '../workers/import-protocol.ts';
import { writeExport } from './export-files.ts';
import { ImportFiles, readModelFile, readProjectBundle } from './import-files.ts';
import { networkWidths } from '../zoo/checkpoints.ts';
import { modelSummary } from '../zoo/models.ts';
import type { ModelSource } from '../../src-shared/api/model-files.ts';
import type { Network } from '../../src-shared/model/network.ts';
import {
  defaultModelName,
  exportModelFile,
  putModelSource,
  storeImportedNetwork,
} from './model-files.ts';
import { readImportInWorker } from '../model-files/read-in-worker.ts';
import {
  checkProjectDatasets,
  exportModelBundle,
  exportModelJson,
  exportProjectBundle,
  storeModelBundle,
  storeProjectBundle,
} from './bundles.ts';
import { readDemoBundle } from './demo.ts';
import { invalid, fileSlug, guessDataset } from './service-support.ts';
import type { LabService } from './service.ts';

export class LabTransfer {
  constructor(private readonly lab: LabService) {}

  async exportProject(params: Params<'exportProject'>): Promise<Results['exportProject']> {
    const p = this.lab.check('exportProject', params);
    const bundle = exportProjectBundle(this.lab.zoo, p.id);
    return {
      fileName: `${fileSlug(bundle.project.name)}.mbh-project.json`,
      content: JSON.stringify(bundle),
    };
  }

  async importProject(params: Params<'importProject'>): Promise<Results['importProject']> {
    const p = this.lab.check('importProject', params);
    const inputs = new ImportFiles(this.lab.paths.home);
    let parsed;
    try {
      parsed = await readProjectBundle(inputs.take(p.json, 'params.json'), 'params.json');
    } finally {
      inputs.release();
    }
    checkProjectDatasets(parsed, this.lab.datasets.datasetEntries());
    const id = this.lab.zoo.transaction(() => storeProjectBundle(this.lab.zoo, parsed));
    this.lab.changed('project', id, 'created');
    return this.lab.zoo.projects.get(id);
  }

  async exportModel(params: Params<'exportModel'>): Promise<Results['exportModel']> {
    const p = this.lab.check('exportModel', params);
    const model = this.lab.zoo.models.get(p.id);
    if (p.iteration !== undefined) {
      if (!this.lab.zoo.checkpoints.atIteration(p.id, p.iteration)) {
        const stored = this.lab.zoo.checkpoints.list(p.id).map((c) => c.iteration);
        invalid(
          'params.iteration',
          `model ${p.id} has no checkpoint at ${p.iteration} (stored: ${stored.join(', ') || 'none'})`,
        );
      }
      return {
        fileName: `${fileSlug(model.name)}.iter${p.iteration}.mbh-model.json`,
        content: JSON.stringify(
          exportModelJson(
            this.lab.zoo,
            p.id,
            p.iteration,
            this.lab.datasets.datasetEntries().find((entry) => entry.id === model.datasetId)
              ?.inputBox,
          ),
        ),
      };
    }
    return {
      fileName: `${fileSlug(model.name)}.mbh-bundle.json`,
      content: JSON.stringify(exportModelBundle(this.lab.zoo, p.id)),
    };
  }

  /** An export written to a file (a browser download, or a path for in-process callers). */
  async exportToFile(params: Params<'exportToFile'>): Promise<Results['exportToFile']> {
    const p = this.lab.check('exportToFile', params);
    if (p.what !== 'model' && p.iteration !== undefined)
      invalid('params.iteration', 'applies to a model export only');
    const file =
      p.what === 'project'
        ? await this.exportProject({ id: p.id })
        : p.what === 'report'
          ? await this.lab.buildReport({ experimentId: p.id })
          : await this.exportModel({
              id: p.id,
              ...(p.iteration !== undefined ? { iteration: p.iteration } : {}),
            });
    return writeExport(this.lab.paths.home, p.to, file.fileName, file.content);
  }

  async importModel(params: Params<'importModel'>): Promise<Results['importModel']> {
    const p = this.lab.check('importModel', params);
    this.lab.zoo.projects.get(p.projectId);
    const inputs = new ImportFiles(this.lab.paths.home);
    let parsed;
    try {
      parsed = await readModelFile(inputs.take(p.json, 'params.json'), 'params.json');
    } finally {
      inputs.release();
    }
    return this.storeModelFile(parsed, p);
  }

  /**
   * Stores a validated model file (bundle or network) in a project; errors name `field`
   * (the call's file) and `source`, if given, is recorded in the same transaction.
   */
  storeModelFile(
    parsed: ParsedModelFile,
    p: { projectId: number; name?: string | undefined; datasetId?: string | undefined },
    field = 'params.json',
    source?: ModelSource,
  ): Results['importModel'] {
    this.lab.zoo.projects.get(p.projectId);
    let id: number;
    if (parsed.kind === 'bundle') {
      const bundle = parsed.bundle;
      const { inputDim, classCount } = bundle.metadata;
      const datasetId = this.lab.datasets.datasetForImport(
        p.datasetId ?? bundle.metadata.datasetId,
        p.datasetId !== undefined ? 'params.datasetId' : `${field}.model.datasetId`,
        inputDim,
        classCount,
      );
      const filed = { ...bundle, metadata: { ...bundle.metadata, datasetId } };
      id = this.lab.zoo.transaction(() => {
        const stored = storeModelBundle(this.lab.zoo, filed, p.projectId, null, p.name);
        if (source) putModelSource(this.lab.zoo, stored, source);
        return stored;
      });
    } else {
      id = this.storeNetwork(parsed.network, field, p.projectId, p.name, p.datasetId, source);
    }
    this.lab.changed('model', id, 'created');
    return modelSummary(this.lab.zoo.models.get(id));
  }

  /**
   * Stores a single network as an imported model, filed under `datasetId` (checked against
   * its widths) or the dataset its widths match; `source` lands in the same transaction.
   */
  storeNetwork(
    network: Network,
    path: string,
    projectId: number,
    name: string | undefined,
    datasetId: string | undefined,
    source?: ModelSource,
  ): number {
    const widths = networkWidths(network);
    if (widths.length < 3) invalid(path, 'a model needs at least one hidden layer');
    const [inputDim, classCount] = [widths[0], widths[widths.length - 1]];
    const dataset =
      datasetId === undefined
        ? guessDataset(this.lab.datasets.datasetEntries(), inputDim, classCount)
        : this.lab.datasets.datasetForImport(datasetId, 'params.datasetId', inputDim, classCount);
    return storeImportedNetwork(this.lab.zoo, network, {
      projectId,
      ...(name !== undefined ? { name } : {}),
      datasetId: dataset,
      ...(source ? { source } : {}),
    });
  }

  /**
   * A model file (with a tfjs model.json's shards) named by upload or path: read, parsed
   * and validated in a worker thread, then stored in one transaction with its source.
   * The uploads are removed afterwards, whatever the outcome.
   */
  async importModelFile(params: Params<'importModelFile'>): Promise<Results['importModelFile']> {
    const p = this.lab.check('importModelFile', params);
    this.lab.zoo.projects.get(p.projectId);
    const inputs = new ImportFiles(this.lab.paths.home);
    let read;
    try {
      const files = p.files.map((file, index) => {
        const input = inputs.take(file.source, `params.files[${index}].source`);
        if (!('path' in input)) throw new Error('a model file reference read as inline content');
        return {
          name: file.name,
          path: input.path,
          given: 'upload' in file.source ? ('upload' as const) : ('path' as const),
        };
      });
      read = await readImportInWorker({ files, maskZeros: p.maskZeros });
    } finally {
      inputs.release();
    }
    if (read.kind === 'bundle') {
      const model = this.storeModelFile(read.parsed, p, 'params.files[0]', read.source);
      return { model, source: read.source };
    }
    const id = this.storeNetwork(
      read.imported.network,
      'params.files[0]',
      p.projectId,
      p.name ?? defaultModelName(p.files[0].name),
      p.datasetId,
      read.source,
    );
    this.lab.changed('model', id, 'created');
    return { model: modelSummary(this.lab.zoo.models.get(id)), source: read.source };
  }

  async exportModelFile(params: Params<'exportModelFile'>): Promise<Results['exportModelFile']> {
    return exportModelFile(this.lab.zoo, this.lab.check('exportModelFile', params));
  }

  async openDemoProject(params: Params<'openDemoProject'>): Promise<Results['openDemoProject']> {
    this.lab.check('openDemoProject', params);
    return this.importProject({ json: readDemoBundle() });
  }
}
