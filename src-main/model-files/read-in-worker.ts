/**
 * Reads an uploaded model file in its own worker thread (model-file.worker.ts), so the
 * lab service stays responsive while a large file is parsed. A refusal comes back as the
 * same ValidationError the reader threw; a worker that dies is an error naming the file.
 */
import { ValidationError } from '../../src-shared/api/validate.ts';
import { workerEntry } from '../workers/entries.ts';
import type { ModelFileRequest, ModelFileResponse } from '../workers/model-file-protocol.ts';
import { spawnWorker } from '../workers/spawn.ts';
import type { ReadUpload, Upload } from './upload.ts';

export function readUploadInWorker(upload: Upload): Promise<ReadUpload> {
  const worker = spawnWorker(workerEntry('model-file'));
  return new Promise<ReadUpload>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      finish();
    };
    worker.on('message', (response: ModelFileResponse) =>
      settle(() => {
        if (response.type === 'read') resolve(response.result);
        else if (response.type === 'refused') {
          reject(new ValidationError(response.path, response.problem));
        } else reject(Object.assign(new Error(response.message), { name: response.name }));
      }),
    );
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          new Error(
            `the model-file worker for ${upload.fileName} exited (code ${code}) before it answered`,
          ),
        ),
      ),
    );
    const request: ModelFileRequest = { type: 'read', upload };
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}
