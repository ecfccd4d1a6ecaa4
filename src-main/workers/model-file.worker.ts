/**
 * Worker-thread entry for reading the files of a model import (ONNX, safetensors, a
 * torch.save archive, a tfjs model with its shards, Model JSON or a bundle): reading and
 * parsing a large file takes seconds, which must not block the lab service's thread.
 * Answers once, then its port closes.
 */
import { parentPort } from 'node:worker_threads';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { readModelImport } from '../model-files/read-import.ts';
import type { ModelFileRequest, ModelFileResponse } from './model-file-protocol.ts';

if (parentPort === null) throw new Error('model-file.worker.ts must run in a worker thread');
const port = parentPort;

function run(request: ModelFileRequest): ModelFileResponse {
  try {
    return { type: 'read', result: readModelImport(request.request) };
  } catch (error) {
    if (error instanceof ValidationError) {
      return { type: 'refused', path: error.path, problem: error.problem };
    }
    const { name, message } =
      error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { type: 'failed', name, message };
  }
}

port.once('message', (request: ModelFileRequest) => {
  port.postMessage(run(request));
  port.close();
});
