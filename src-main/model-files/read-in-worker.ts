/**
 * Reads the files of a model import in their own worker thread (model-file.worker.ts), so
 * the lab service stays responsive while a large file is read and parsed. A refusal comes
 * back as the same ValidationError the reader threw; a worker that dies is an error
 * naming the file.
 */
import { ValidationError } from '../../src-shared/api/validate.ts';
import { workerEntry } from '../workers/entries.ts';
import type { ModelFileRequest, ModelFileResponse } from '../workers/model-file-protocol.ts';
import { IMPORT_WORKER_HEAP_MB, importWorkerFailure, spawnWorker } from '../workers/spawn.ts';
import type { ModelImport, ReadModelImport } from './read-import.ts';

export function readImportInWorker(request: ModelImport): Promise<ReadModelImport> {
  const worker = spawnWorker(workerEntry('model-file'), {
    resourceLimits: { maxOldGenerationSizeMb: IMPORT_WORKER_HEAP_MB },
  });
  return new Promise<ReadModelImport>((resolve, reject) => {
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
    worker.on('error', (error) =>
      settle(() => reject(importWorkerFailure(error, request.files[0].name))),
    );
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          new Error(
            `the model-file worker for ${request.files[0].name} exited (code ${code}) before it answered`,
          ),
        ),
      ),
    );
    const message: ModelFileRequest = { type: 'read', request };
    worker.postMessage(message);
  }).finally(() => worker.terminate());
}
