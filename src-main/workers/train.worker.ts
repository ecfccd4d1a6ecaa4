/**
 * Worker-thread entry for one training job (protocol in train-protocol.ts). Loads the
 * dataset from the lab's data folder, trains, streams events, and closes its port when
 * done so the thread exits.
 */
import { parentPort } from 'node:worker_threads';
import { DatasetRegistry } from '../data/registry.ts';
import { train, type StopRequest } from '../train/train.ts';
import {
  layerBuffers,
  resumeBuffers,
  validateToWorker,
  type FromWorker,
  type StartMessage,
} from './train-protocol.ts';

if (parentPort === null) throw new Error('train.worker.ts must run in a worker thread');
const port = parentPort;

let request: StopRequest = 'continue';
let started = false;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function run(start: StartMessage): Promise<void> {
  const registry = new DatasetRegistry(start.dataDirectory);
  const loaded = registry.loadTimed(start.spec.dataset);
  const progressEveryMs = start.progressEveryMs ?? 200;
  let lastProgress = 0;
  let stepsSince = 0;
  let since = performance.now();
  const outcome = await train(
    start.spec,
    loaded.dataset,
    {
      onProgress(iteration, loss) {
        stepsSince++;
        const now = performance.now();
        if (now - lastProgress >= progressEveryMs || iteration === start.spec.iterations) {
          send({
            type: 'progress',
            iteration,
            iterations: start.spec.iterations,
            loss,
            msPerIteration: (now - since) / stepsSince,
          });
          lastProgress = now;
          since = now;
          stepsSince = 0;
        }
      },
      onStart(backend) {
        send({ type: 'ready', backend, datasetMs: loaded.milliseconds });
      },
      onEvaluation(point) {
        send({ type: 'evaluation', point });
      },
      onCheckpoint(iteration, layers) {
        send({ type: 'checkpoint', iteration, layers }, layerBuffers(layers));
      },
      onSnapshot(state) {
        send({ type: 'snapshot', state }, resumeBuffers(state));
      },
      shouldStop: () => request,
    },
    start.resume,
    {
      backend: start.backend ?? 'auto',
      ...(start.snapshotEvery !== undefined ? { snapshotEvery: start.snapshotEvery } : {}),
    },
  );
  const transfer = layerBuffers(outcome.layers);
  if (outcome.resume !== null) transfer.push(...resumeBuffers(outcome.resume));
  send(
    {
      type: 'done',
      status: outcome.status,
      iteration: outcome.iteration,
      layers: outcome.layers,
      evaluations: outcome.evaluations,
      resume: outcome.resume,
      msPerIteration: outcome.msPerIteration,
      backend: outcome.backend,
    },
    transfer,
  );
}

port.on('message', (raw: unknown) => {
  let message;
  try {
    message = validateToWorker(raw);
  } catch (error) {
    send({ type: 'error', name: (error as Error).name, message: (error as Error).message });
    return;
  }
  if (message.type === 'pause' || message.type === 'cancel') {
    // Cancel wins over pause; a later pause does not undo a cancel.
    if (request !== 'cancel') request = message.type;
    return;
  }
  if (started) {
    send({
      type: 'error',
      name: 'Error',
      message: 'this worker already runs a job; start one worker per job',
    });
    return;
  }
  started = true;
  run(message)
    .catch((error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      send({
        type: 'error',
        name: failure.name,
        message: failure.message,
        ...(failure.stack ? { stack: failure.stack } : {}),
      });
    })
    .finally(() => port.close());
});
