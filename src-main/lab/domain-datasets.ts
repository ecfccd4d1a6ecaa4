/**
 * The lab's datasets: the registry's built-in and imported datasets, imports and removals.
 * Moved from service.ts unchanged; the LabService facade delegates its api methods here.
 */
import { type Params, type Results } from '../../src-shared/api/contract.ts';
import type { DatasetSummary } from '../../src-shared/api/dto.ts';
import { quote } from '../../src-shared/api/validate.ts';
import { userDatasetId, type DatasetEntry } from '../data/registry.ts';
import type { ImportRequest } from '../workers/import-protocol.ts';
import { datasetExists, importInWorker } from './import-dataset.ts';
import { ImportFiles } from './import-files.ts';
import { removeUserDataset } from './datasets.ts';
import { invalid } from './service-support.ts';
import type { LabService } from './service.ts';

export class LabDatasets {
  constructor(private readonly lab: LabService) {}

  datasetEntries(): DatasetEntry[] {
    return this.lab.registry.list();
  }

  datasetEntry(id: string, path: string): DatasetEntry {
    const entry = this.datasetEntries().find((candidate) => candidate.id === id);
    if (!entry) {
      const known = this.datasetEntries()
        .map((candidate) => candidate.id)
        .join(', ');
      invalid(path, `unknown dataset ${quote(id)} (known: ${known})`);
    }
    return entry;
  }

  /** The dataset an imported model is filed under: it must exist and fit the model's shape. */
  datasetForImport(id: string, path: string, inputDim: number, classCount: number): string {
    const entry = this.datasetEntry(id, path);
    if (entry.inputDim !== inputDim || entry.classCount !== classCount) {
      invalid(
        path,
        `dataset ${id} has ${entry.inputDim} inputs and ${entry.classCount} classes, the model ${inputDim} inputs and ${classCount} classes`,
      );
    }
    return id;
  }

  /** A listing entry as the api reports it: counts and box come without loading the data. */
  datasetSummary(entry: DatasetEntry): DatasetSummary {
    return {
      id: entry.id,
      name: entry.name,
      inputDim: entry.inputDim,
      classCount: entry.classCount,
      classNames: [...entry.classNames],
      trainCount: entry.trainCount,
      testCount: entry.testCount,
      builtin: entry.builtIn,
      inputBox: { ...entry.inputBox },
    };
  }

  async listDatasets(params: Params<'listDatasets'>): Promise<Results['listDatasets']> {
    this.lab.check('listDatasets', params);
    return this.datasetEntries().map((entry) => this.datasetSummary(entry));
  }

  /**
   * Imports a user dataset: parsing, validation and the cache write run in a worker
   * thread; the zoo row follows. All or nothing: a failure at any step leaves no cache
   * file, no temporary and no row of its own, and a name that gives the id of an existing
   * dataset is refused before any file is touched.
   */
  async importDataset(params: Params<'importDataset'>): Promise<Results['importDataset']> {
    const p = this.lab.check('importDataset', params);
    if (!(p.testShare > 0)) invalid('params.testShare', 'must be greater than 0');
    const inputs = new ImportFiles(this.lab.paths.home);
    try {
      return await this.importDatasetFiles(p, inputs);
    } finally {
      inputs.release();
    }
  }

  async importDatasetFiles(
    p: Params<'importDataset'>,
    inputs: ImportFiles,
  ): Promise<Results['importDataset']> {
    let files: ImportRequest['files'];
    if (p.format === 'csv') {
      if (!p.csv) invalid('params.csv', 'a CSV import needs the CSV text');
      files = { format: 'csv', csv: inputs.take(p.csv, 'params.csv') };
    } else {
      if (!p.images) invalid('params.images', 'an IDX import needs the images file (base64)');
      if (!p.labels) invalid('params.labels', 'an IDX import needs the labels file (base64)');
      files = {
        format: 'idx',
        images: inputs.take(p.images, 'params.images'),
        labels: inputs.take(p.labels, 'params.labels'),
      };
    }
    let id: string;
    try {
      id = userDatasetId(p.name);
    } catch (error) {
      invalid('params.name', (error as Error).message);
    }
    if (this.lab.importing.has(id))
      invalid('params.name', `dataset '${id}' is being imported already; wait for it`);
    // A conflict is refused before any file is touched.
    if (this.lab.registry.has(id)) invalid('params.name', datasetExists(p.name, id));
    this.lab.importing.add(id);
    try {
      const summary = await importInWorker(
        { dataDirectory: this.lab.paths.home, name: p.name, testFraction: p.testShare, files },
        id,
        (entry) => {
          const imported = this.datasetSummary(entry);
          this.lab.zoo.datasets.put(imported);
          return imported;
        },
      );
      this.lab.changed('dataset', summary.id, 'created');
      return summary;
    } finally {
      this.lab.importing.delete(id);
    }
  }

  async deleteDataset(params: Params<'deleteDataset'>): Promise<Results['deleteDataset']> {
    const p = this.lab.check('deleteDataset', params);
    removeUserDataset(this.lab.zoo, this.lab.registry, p.id, this.lab.importing);
    this.lab.changed('dataset', p.id, 'deleted');
    return { deleted: true };
  }
}
