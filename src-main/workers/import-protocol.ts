/**
 * Messages of the import worker: one request and one answer. A dataset import parses,
 * validates and writes the dataset's cache; a bundle or model file is read, parsed and
 * validated into the structure the service stores. Files come inline (small, as an api
 * call carried them) or by path (an upload, or a file on the lab's machine), never as one
 * giant string on the main thread.
 */
import type { DatasetEntry } from '../data/registry.ts';
import type { ParsedModelBundle, ParsedProjectBundle } from '../lab/bundles.ts';
import type { Network } from '../../src-shared/model/network.ts';

/** A file for the worker: inline content (CSV/JSON text, or base64 for IDX) or a path to read. */
export type FileInput = { readonly content: string } | { readonly path: string };

export interface ImportRequest {
  readonly type: 'import';
  /** The lab's data folder; the cache goes to `<dataDirectory>/datasets/`. */
  readonly dataDirectory: string;
  readonly name: string;
  /**
   * Where the worker stages the cache before linking it into place; the caller removes it
   * and, on a failure, removes the cache only when it is this staging file's (same inode).
   */
  readonly stagingPath: string;
  /** Share held out for testing. */
  readonly testFraction: number;
  readonly files:
    | { readonly format: 'csv'; readonly csv: FileInput }
    /** Inline, both files are base64-encoded, as the api carries them. */
    | { readonly format: 'idx'; readonly images: FileInput; readonly labels: FileInput };
}

/** A project bundle, or a model file (bundle or Model JSON), to read and validate. */
export interface ParseRequest {
  readonly type: 'project' | 'model';
  readonly file: FileInput;
  /** The api field the file came in, which errors name (`params.json`). */
  readonly field: string;
}

/** A model file, validated: a bundle or a single network. */
export type ParsedModelFile =
  | { readonly kind: 'bundle'; readonly bundle: ParsedModelBundle }
  | { readonly kind: 'network'; readonly network: Network };

export type ImportResponse =
  | { readonly type: 'imported'; readonly entry: DatasetEntry }
  | { readonly type: 'project'; readonly parsed: ParsedProjectBundle }
  | { readonly type: 'model'; readonly parsed: ParsedModelFile }
  | {
      readonly type: 'failed';
      readonly name: string;
      readonly message: string;
      /** A ValidationError's field and problem, to rebuild it as it was. */
      readonly field?: string;
      readonly problem?: string;
    };
