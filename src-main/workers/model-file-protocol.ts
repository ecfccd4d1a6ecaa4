/**
 * Messages of the model-file worker: one import's files (paths: uploads or the user's
 * own) in, and one answer out: the files read (a network, or a bundle validated) with
 * their source record, or the refusal (a ValidationError's path and problem) or error
 * that stopped it.
 */
import type { ModelImport, ReadModelImport } from '../model-files/read-import.ts';

export interface ModelFileRequest {
  readonly type: 'read';
  readonly request: ModelImport;
}

export type ModelFileResponse =
  | { readonly type: 'read'; readonly result: ReadModelImport }
  | { readonly type: 'refused'; readonly path: string; readonly problem: string }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };
