/**
 * The files of one importModelFile call read into a network, or recognised as a bundle
 * and validated, with the source record stored beside the model (format, file name,
 * SHA-256, the reader's notes). Runs in the model-file worker, off the service's thread.
 *
 * Every file is opened and its size checked (each and all together, against
 * MAX_MODEL_FILE_BYTES) before any byte is read, so a huge or endless file (a device, a
 * pipe) is refused at once. A refusal names the file: `params.files[i]: NAME: problem`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_MODEL_FILE_BYTES, type ModelSource } from '../../src-shared/api/model-files.ts';
import type { ModelSourceFormat } from '../../src-shared/api/model-files.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { FormatError } from '../../src-shared/model/format.ts';
import type { ImportedModel } from '../../src-shared/model/formats/linear-stack.ts';
import { parseJsonText, parseModelFileValue } from '../lab/import-files.ts';
import type { ParsedModelFile } from '../workers/import-protocol.ts';
import { BundleFileError, readModelBytes, sha256 } from './read.ts';

/** One file of an import as the worker gets it: a path to read (an upload's or the user's). */
export interface ImportFile {
  /** The file's name as the user gave it; errors cite it. */
  name: string;
  path: string;
  /** Whether `path` is the user's own (errors may show it) or an upload's (they do not). */
  given: 'path' | 'upload';
}

export interface ModelImport {
  /** The model file first, then a tfjs model.json's weight shards. */
  files: ImportFile[];
  maskZeros: boolean;
}

/** An import, read: a single network, or a model bundle (every checkpoint) validated. */
export type ReadModelImport =
  | { kind: 'network'; imported: ImportedModel; source: ModelSource }
  | {
      kind: 'bundle';
      parsed: Extract<ParsedModelFile, { kind: 'bundle' }>;
      source: ModelSource;
    };

const field = (index: number) => `params.files[${index}]`;

function refuse(files: ImportFile[], index: number, problem: string): never {
  throw new ValidationError(field(index), `${files[index].name}: ${problem}`);
}

function unreadable(file: ImportFile, error: unknown): string {
  const code = (error as { code?: string }).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (error as Error).message;
  return file.given === 'path'
    ? `cannot read ${file.path}: ${reason}`
    : `cannot read it: ${reason}`;
}

/**
 * Every file's bytes: all opened and measured first, then read. A file that changes size
 * while it is read is an error rather than a half-read model.
 */
export function readImportFiles(files: ImportFile[], limit = MAX_MODEL_FILE_BYTES): Uint8Array[] {
  const opened: { descriptor: number; size: number }[] = [];
  try {
    let total = 0;
    files.forEach((file, index) => {
      let descriptor: number;
      try {
        descriptor = openSync(file.path, 'r');
      } catch (error) {
        refuse(files, index, unreadable(file, error));
      }
      opened.push({ descriptor, size: 0 });
      const stat = fstatSync(descriptor);
      if (stat.isDirectory()) refuse(files, index, 'it is a folder, not a file');
      if (!stat.isFile()) refuse(files, index, 'not a regular file');
      if (stat.size === 0) refuse(files, index, 'the file is empty');
      if (stat.size > limit) {
        refuse(
          files,
          index,
          `${stat.size} bytes, over the limit of ${limit} bytes for a model file`,
        );
      }
      opened[index].size = stat.size;
      total += stat.size;
    });
    if (total > limit) {
      throw new ValidationError(
        'params.files',
        `the ${files.length} files have ${total} bytes together, over the limit of ${limit} bytes for a model`,
      );
    }
    return opened.map(({ descriptor, size }, index) => {
      const bytes = new Uint8Array(size);
      let read = 0;
      while (read < size) {
        const count = readSync(descriptor, bytes, read, size - read, null);
        if (count === 0) break;
        read += count;
      }
      if (read !== size || readSync(descriptor, new Uint8Array(1), 0, 1, null) !== 0) {
        refuse(files, index, 'the file changed while it was read');
      }
      return bytes;
    });
  } finally {
    for (const { descriptor } of opened) closeSync(descriptor);
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Reads an import's files; every refusal is a ValidationError naming the file. */
export function readModelImport(request: ModelImport): ReadModelImport {
  const { files } = request;
  const contents = readImportFiles(files);
  const [main, bytes] = [files[0], contents[0]];
  const source = (format: ModelSourceFormat, notes: string[]): ModelSource => ({
    format,
    fileName: main.name,
    sha256: sha256(bytes),
    notes,
    importedAt: Date.now(),
  });
  const shards = new Map(files.slice(1).map((file, i) => [file.name, i + 1]));
  const used = new Set<number>();
  let imported: ImportedModel;
  try {
    imported = readModelBytes(main.name, bytes, {
      maskZeros: request.maskZeros,
      shard: (path) => {
        const index = shards.get(baseName(path));
        if (index === undefined) {
          throw new FormatError(`tfjs: weight file ${path} is missing: give it with ${main.name}`);
        }
        used.add(index);
        return contents[index];
      },
    });
  } catch (error) {
    if (error instanceof BundleFileError) {
      if (request.maskZeros) {
        throw new ValidationError('params.maskZeros', 'applies to a single model, not a bundle');
      }
      alone(files, 'a model bundle');
      return {
        kind: 'bundle',
        parsed: readBundle(main, bytes),
        source: source('mbh-model-bundle', []),
      };
    }
    if (error instanceof FormatError) refuse(files, 0, error.message);
    throw error;
  }
  if (imported.format !== 'tfjs') alone(files, `a ${formatName(imported.format)} file`);
  for (let index = 1; index < files.length; index++) {
    if (!used.has(index)) {
      refuse(files, index, `${main.name} names no weight file of this name; leave it out`);
    }
  }
  return { kind: 'network', imported, source: source(imported.format, imported.notes) };
}

function formatName(format: string): string {
  return format === 'onnx' ? 'ONNX' : format === 'mbh-model' ? 'Model JSON' : format;
}

/** Only a tfjs model.json comes with more files (its weight shards). */
function alone(files: ImportFile[], what: string): void {
  if (files.length > 1) {
    refuse(
      files,
      1,
      `${files[0].name} is ${what}, which comes alone (only a tfjs model.json comes with weight files); import it on its own`,
    );
  }
}

/** A bundle's JSON validated as importModel would; errors name the file and the place in it. */
function readBundle(
  file: ImportFile,
  bytes: Uint8Array,
): Extract<ParsedModelFile, { kind: 'bundle' }> {
  try {
    const parsed = parseModelFileValue(
      parseJsonText(new TextDecoder().decode(bytes), 'file'),
      'file',
    );
    if (parsed.kind !== 'bundle') throw new Error('a model bundle read as a single network');
    return parsed;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const place = error.path.replace(/^file\.?/, '');
    throw new ValidationError(
      field(0),
      `${file.name}: ${place ? `${place}: ` : ''}${error.problem}`,
    );
  }
}
