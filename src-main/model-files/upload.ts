/**
 * An uploaded model file (the api's importModelFile) read into a network or recognised as
 * a bundle, with its source record (format, file name, SHA-256, notes). Pure of the zoo,
 * so the model-file worker runs it off the service's thread.
 */
import type { ModelSource, ModelSourceFormat } from '../../src-shared/api/model-files.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { FormatError } from '../../src-shared/model/format.ts';
import type { ImportedModel } from '../../src-shared/model/formats/linear-stack.ts';
import { BundleFileError, readModelBytes, sha256 } from './read.ts';

/** An uploaded model file, read: a single network, or a bundle for importModel. */
export type ReadUpload =
  | { kind: 'network'; imported: ImportedModel; source: ModelSource }
  | { kind: 'bundle'; json: string; source: ModelSource };

export interface Upload {
  fileName: string;
  bytes: Uint8Array;
  companions?: { fileName: string; bytes: Uint8Array }[];
  maskZeros: boolean;
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/** Reads an uploaded file; a FormatError becomes a ValidationError on params.bytes. */
export function readUpload(upload: Upload): ReadUpload {
  const source = (format: ModelSourceFormat, notes: string[]): ModelSource => ({
    format,
    fileName: baseName(upload.fileName),
    sha256: sha256(upload.bytes),
    notes,
    importedAt: Date.now(),
  });
  const companions = new Map(
    (upload.companions ?? []).map((file) => [baseName(file.fileName), file.bytes]),
  );
  try {
    const imported = readModelBytes(upload.fileName, upload.bytes, {
      maskZeros: upload.maskZeros,
      shard: (path) => {
        const bytes = companions.get(baseName(path));
        if (!bytes) {
          throw new FormatError(`tfjs: weight file ${path} is missing: give it with model.json`);
        }
        return bytes;
      },
    });
    return { kind: 'network', imported, source: source(imported.format, imported.notes) };
  } catch (error) {
    if (error instanceof BundleFileError) {
      if (upload.maskZeros) {
        throw new ValidationError('params.maskZeros', 'applies to a single model, not a bundle');
      }
      return {
        kind: 'bundle',
        json: new TextDecoder().decode(upload.bytes),
        source: source('mbh-model-bundle', []),
      };
    }
    if (error instanceof FormatError) throw new ValidationError('params.bytes', error.message);
    throw error;
  }
}
