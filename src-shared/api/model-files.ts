/**
 * The api of model files (issue 12): import a model from another framework's file (or
 * Model JSON / a bundle), and export a checkpoint as ONNX or safetensors bytes. An import
 * names its files (a tfjs model.json and its weight shards are several) as uploads of the
 * browser-mode server or paths on the lab's machine, never as bytes inside the call, so
 * no api message carries a model; the lab reads and parses them in a worker thread.
 */
import type { ModelSummary } from './dto.ts';
import { fileSource, type FileReference } from './file-source.ts';
import {
  array,
  boolean,
  id,
  integer,
  object,
  oneOf,
  optional,
  quote,
  string,
  ValidationError,
  withDefault,
  type Schema,
} from './validate.ts';

const MIB = 1024 * 1024;

/**
 * The most bytes a model import reads: each file, and all of a model's files together (a
 * tfjs model.json and its shards are one model, held in memory at once while it is read).
 * 64 M float32 weights: dense networks far beyond the thesis' (LeNet-300-100 is 1 MiB).
 */
export const MAX_MODEL_FILE_BYTES = 256 * MIB;

/** Files one model import may name: the model file and up to 999 weight shards. */
export const MAX_MODEL_FILES = 1_000;

/** The source formats a stored model can come from. */
export type ModelSourceFormat =
  'mbh-model' | 'mbh-model-bundle' | 'onnx' | 'safetensors' | 'pytorch' | 'tfjs';

/** Where an imported model came from. */
export interface ModelSource {
  format: ModelSourceFormat;
  fileName: string;
  /** Hex SHA-256 of the imported file (of model.json for tfjs). */
  sha256: string;
  /** What the reader noted: a dropped Softmax, masks, assumed ReLUs. */
  notes: string[];
  importedAt: number;
}

export interface ImportedModelFile {
  model: ModelSummary;
  source: ModelSource;
}

export interface ExportedBinaryFile {
  fileName: string;
  bytes: Uint8Array;
}

/** One file of a model import: its name (as the user knows it) and where the lab reads it. */
export interface ModelFileReference {
  name: string;
  source: FileReference;
}

/**
 * A file's own name: what a tfjs model.json's manifest names its shards by and what
 * errors cite. A bare name, so it can never point the reader elsewhere.
 */
function fileName(): Schema<string> {
  return {
    parse(value, path = 'value') {
      const name = string({ min: 1, max: 255, trim: false }).parse(value, path);
      if (/[\\/]/.test(name)) {
        throw new ValidationError(path, `must be a file name without folders, got ${quote(name)}`);
      }
      if (name === '.' || name === '..') {
        throw new ValidationError(path, `must be a file name, got ${quote(name)}`);
      }
      // Control characters (NUL included) have no place in a name a message prints.
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(name)) {
        throw new ValidationError(path, `must not contain control characters, got ${quote(name)}`);
      }
      return name;
    },
  };
}

/** `{ upload: id }` or `{ path }`: a model file is never sent inline. */
function fileReference(): Schema<FileReference> {
  const source = fileSource(1);
  return {
    parse(value, path = 'value') {
      if (typeof value === 'string') {
        throw new ValidationError(
          path,
          'must be { upload: id } (POST /upload) or { path: absolute path }; model files are not sent inline',
        );
      }
      return source.parse(value, path) as FileReference;
    },
  };
}

/** The files of one import: at least one, at most MAX_MODEL_FILES, each name once. */
function modelFiles(): Schema<ModelFileReference[]> {
  const files = array(object({ name: fileName(), source: fileReference() }), {
    min: 1,
    max: MAX_MODEL_FILES,
  });
  return {
    parse(value, path = 'value') {
      const parsed = files.parse(value, path);
      const seen = new Map<string, number>();
      parsed.forEach((file, index) => {
        const earlier = seen.get(file.name);
        if (earlier !== undefined) {
          throw new ValidationError(
            `${path}[${index}].name`,
            `${quote(file.name)} is given twice (also ${path}[${earlier}])`,
          );
        }
        seen.set(file.name, index);
      });
      return parsed;
    },
  };
}

export const modelFileMethods = {
  /**
   * Stores a model file in a project: Model JSON or bundle, ONNX, safetensors, a torch.save
   * state_dict or a tfjs model.json. `files[0]` is the model file; a tfjs model.json's
   * weight shards follow it, by the names its manifest gives them (no other file may).
   */
  importModelFile: object({
    projectId: id(),
    files: modelFiles(),
    name: optional(string({ min: 1, max: 200 })),
    /** The dataset it was trained on (guessed from its input and output widths if absent). */
    datasetId: optional(string({ min: 1, max: 100 })),
    /** Declare the exact zeros of the hidden layers a mask (pruned networks). */
    maskZeros: withDefault(boolean(), false),
  }),
  /** One checkpoint (the last when `iteration` is absent) as an ONNX or safetensors file. */
  exportModelFile: object({
    id: id(),
    iteration: optional(integer({ min: 0 })),
    format: oneOf(['onnx', 'safetensors'] as const),
  }),
  /** Where an imported model came from; null for a model trained in the lab. */
  getModelSource: object({ id: id() }),
} satisfies Record<string, Schema<unknown>>;

export interface ModelFileResults {
  importModelFile: ImportedModelFile;
  exportModelFile: ExportedBinaryFile;
  getModelSource: ModelSource | null;
}
