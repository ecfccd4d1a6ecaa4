/**
 * Messages of the dataset import worker: one request (the uploaded files as the api
 * carries them) and one answer, the registry entry or the error that stopped the import.
 */
import type { DatasetEntry } from '../data/registry.ts';

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
    | { readonly format: 'csv'; readonly csv: string }
    /** Both files base64-encoded, as the api carries them. */
    | { readonly format: 'idx'; readonly images: string; readonly labels: string };
}

export type ImportResponse =
  | { readonly type: 'imported'; readonly entry: DatasetEntry }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };
