/** Reports which training backend loads here (tfjs-node, wasm or cpu), then exits. */
import { parentPort } from 'node:worker_threads';
import { chooseBackend } from '../train/backend.ts';

try {
  const choice = await chooseBackend('auto');
  parentPort!.postMessage({ name: choice.name, skipped: [...choice.skipped] });
} catch (error) {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
