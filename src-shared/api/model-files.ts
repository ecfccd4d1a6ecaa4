/**
 * The api of model files (issue 12): import a model from another framework's file (or
 * Model JSON / a bundle) as bytes, and export a checkpoint as ONNX or safetensors bytes.
 * Bytes travel as Uint8Array (a binary frame or structured clone, src-shared/api/codec.ts).
 */
import type { ModelSummary } from './dto.ts';
import { IMPORT_CONTENT_CHARACTERS } from './lab-limits.ts';
import {
  array,
  boolean,
  id,
  integer,
  object,
  oneOf,
  optional,
  string,
  ValidationError,
  withDefault,
  type Schema,
} from './validate.ts';

/**
 * The largest model file the lab takes (CLI and GUI): as large as any file an import
 * call may carry (256 MiB; the browser-mode socket's import limit is built on it).
 */
export const MAX_MODEL_FILE_BYTES = IMPORT_CONTENT_CHARACTERS;

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

/** A file's bytes: non-empty, at most MAX_MODEL_FILE_BYTES. */
function fileBytes(): Schema<Uint8Array> {
  return {
    parse(value, path = 'value') {
      if (!(value instanceof Uint8Array)) {
        throw new ValidationError(path, "must be the file's bytes (a Uint8Array)");
      }
      if (value.byteLength === 0) throw new ValidationError(path, 'the file is empty');
      if (value.byteLength > MAX_MODEL_FILE_BYTES) {
        throw new ValidationError(
          path,
          `${value.byteLength} bytes, over the limit of ${MAX_MODEL_FILE_BYTES} bytes for a model file`,
        );
      }
      return value;
    },
  };
}

const fileName = () => string({ min: 1, max: 500 });

export const modelFileMethods = {
  /**
   * Stores a model file in a project: Model JSON or bundle, ONNX, safetensors, a torch.save
   * state_dict or a tfjs model.json (its weight shards in `companions`, by file name).
   */
  importModelFile: object({
    projectId: id(),
    fileName: fileName(),
    bytes: fileBytes(),
    companions: optional(
      array(object({ fileName: fileName(), bytes: fileBytes() }), { max: 1_000 }),
    ),
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
