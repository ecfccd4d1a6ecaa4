/**
 * Worker-thread entry of the imports: a dataset (decodes inline files into a temporary
 * folder or reads them where they are, parses and validates them, and writes the
 * dataset's cache with DatasetRegistry.importDataset), or a project bundle or model file
 * (read, JSON-parsed and validated into what the service stores). All off the main
 * thread. Answers once, then its port closes.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { MAX_UPLOAD_BYTES } from '../../src-shared/api/file-source.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { DatasetRegistry, type SampleFiles } from '../data/registry.ts';
import { parseProjectBundle } from '../lab/bundles.ts';
import { parseJsonText, parseModelFileValue } from '../lab/import-files.ts';
import type { FileInput, ImportRequest, ImportResponse, ParseRequest } from './import-protocol.ts';

if (parentPort === null) throw new Error('import.worker.ts must run in a worker thread');
const port = parentPort;

/** A dataset file where the registry can read it: as given, or written into `folder`. */
function placed(file: FileInput, folder: string, name: string, base64: boolean): string {
  if ('path' in file) return file.path;
  const path = join(folder, name);
  writeFileSync(path, base64 ? Buffer.from(file.content, 'base64') : file.content);
  return path;
}

function importDataset(request: ImportRequest): ImportResponse {
  const folder = mkdtempSync(join(tmpdir(), 'mbh-import-'));
  try {
    let files: SampleFiles;
    // Inline files get the names errors then cite ("data.csv: row 3, column 'b': …").
    if (request.files.format === 'csv') {
      files = { format: 'csv', path: placed(request.files.csv, folder, 'data.csv', false) };
    } else {
      files = {
        format: 'idx',
        images: placed(request.files.images, folder, 'images.idx', true),
        labels: placed(request.files.labels, folder, 'labels.idx', true),
      };
    }
    const entry = new DatasetRegistry(request.dataDirectory).importDataset({
      name: request.name,
      train: files,
      testFraction: request.testFraction,
      stagingPath: request.stagingPath,
    });
    return { type: 'imported', entry };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** A JSON file's value; its size is checked before it is read, a BOM is accepted. */
function readJson(file: FileInput, field: string): unknown {
  let text: string;
  if ('path' in file) {
    let size: number;
    try {
      const info = statSync(file.path);
      if (!info.isFile()) throw new ValidationError(field, `${file.path} is not a file`);
      size = info.size;
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new ValidationError(field, `cannot read ${file.path}: ${(error as Error).message}`);
    }
    if (size > MAX_UPLOAD_BYTES) {
      throw new ValidationError(
        field,
        `the file has ${size} bytes, over the limit of ${MAX_UPLOAD_BYTES} bytes`,
      );
    }
    if (size === 0) throw new ValidationError(field, 'the file is empty');
    text = readFileSync(file.path, 'utf8');
  } else {
    text = file.content;
  }
  return parseJsonText(text, field);
}

function parse(request: ParseRequest): ImportResponse {
  const value = readJson(request.file, request.field);
  return request.type === 'project'
    ? { type: 'project', parsed: parseProjectBundle(value) }
    : { type: 'model', parsed: parseModelFileValue(value, request.field) };
}

function run(request: ImportRequest | ParseRequest): ImportResponse {
  try {
    return request.type === 'import' ? importDataset(request) : parse(request);
  } catch (error) {
    if (error instanceof ValidationError) {
      const { name, message, path: field, problem } = error;
      return { type: 'failed', name, message, field, problem };
    }
    const { name, message } =
      error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { type: 'failed', name, message };
  }
}

port.once('message', (request: ImportRequest | ParseRequest) => {
  port.postMessage(run(request));
  port.close();
});
