/**
 * Messages of the model-file worker: one uploaded file (with a tfjs model's shards) in,
 * and one answer out: the file read (a network, or a bundle's JSON) with its source
 * record, or the refusal (a ValidationError's path and problem) or error that stopped it.
 */
import type { ReadUpload, Upload } from '../model-files/upload.ts';

export interface ModelFileRequest {
  readonly type: 'read';
  readonly upload: Upload;
}

export type ModelFileResponse =
  | { readonly type: 'read'; readonly result: ReadUpload }
  | { readonly type: 'refused'; readonly path: string; readonly problem: string }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };
