/**
 * Worker-thread entry for a dataset import: decodes the uploaded files into a temporary
 * folder, parses and validates them, and writes the dataset's cache (DatasetRegistry.
 * importDataset), all off the main thread. Answers once, then its port closes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { DatasetRegistry, type SampleFiles } from '../data/registry.ts';
import type { ImportRequest, ImportResponse } from './import-protocol.ts';

if (parentPort === null) throw new Error('import.worker.ts must run in a worker thread');
const port = parentPort;

function run(request: ImportRequest): ImportResponse {
  const folder = mkdtempSync(join(tmpdir(), 'mbh-import-'));
  try {
    let files: SampleFiles;
    // The file names are the ones errors name ("data.csv: row 3, column 'b': …").
    if (request.files.format === 'csv') {
      const path = join(folder, 'data.csv');
      writeFileSync(path, request.files.csv);
      files = { format: 'csv', path };
    } else {
      const images = join(folder, 'images.idx');
      const labels = join(folder, 'labels.idx');
      writeFileSync(images, Buffer.from(request.files.images, 'base64'));
      writeFileSync(labels, Buffer.from(request.files.labels, 'base64'));
      files = { format: 'idx', images, labels };
    }
    const entry = new DatasetRegistry(request.dataDirectory).importDataset({
      name: request.name,
      train: files,
      testFraction: request.testFraction,
      stagingPath: request.stagingPath,
    });
    return { type: 'imported', entry };
  } catch (error) {
    const { name, message } =
      error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { type: 'failed', name, message };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

port.once('message', (request: ImportRequest) => {
  port.postMessage(run(request));
  port.close();
});
