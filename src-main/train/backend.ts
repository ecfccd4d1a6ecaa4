/**
 * Chooses the tfjs backend a training thread runs on, best first:
 *   'tensorflow' — @tensorflow/tfjs-node, the native TensorFlow library (an optional
 *                  dependency: its binary is downloaded at install and may be absent);
 *   'wasm'       — @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD where available);
 *   'cpu'        — plain JavaScript kernels, always there.
 * The choice is per thread (each worker has its own tfjs), made once, and reported with
 * the reason every better backend was skipped.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * What computed a training step: a tfjs backend, or 'js' — the fused path's own kernels
 * (src-main/train/fused: WebAssembly SIMD, or their TypeScript twins), which use no tfjs
 * backend at all. This is the name recorded per model and job.
 */
export type KernelName = BackendName | 'js';

export interface BackendChoice<Name extends KernelName = KernelName> {
  readonly name: Name;
  /** Why each better backend was not used, e.g. "tensorflow: Cannot find module …". */
  readonly skipped: readonly string[];
}

export type BackendPreference = 'auto' | BackendName;

export function validateBackendPreference(value: unknown): BackendPreference {
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'tensorflow' || value === 'wasm' || value === 'cpu')
    return value;
  throw new RangeError(
    `backend must be 'auto', 'tensorflow', 'wasm' or 'cpu', got ${String(value)}`,
  );
}

const require = createRequire(import.meta.url);

/** The folder holding tfjs-backend-wasm's .wasm binaries (its dist/). */
export function wasmDirectory(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

let wasmPathsSet = false;

async function tryTensorflow(): Promise<void> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const specifier = '@tensorflow/tfjs-node';
  await import(/* @vite-ignore */ specifier);
  if (!(await tf.setBackend('tensorflow')))
    throw new Error('tfjs-node loaded but the tensorflow backend did not initialise');
}

async function tryWasm(): Promise<void> {
  if (!wasmPathsSet) {
    const directory = wasmDirectory();
    const binary = join(directory, 'tfjs-backend-wasm.wasm');
    if (!existsSync(binary)) throw new Error(`${binary} is missing`);
    // In Node, emscripten reads the binaries with fs from this prefix (it must end in '/').
    setWasmPaths(directory + '/');
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
}

const ATTEMPTS: Record<BackendName, () => Promise<void>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

let current: BackendChoice<BackendName> | null = null;

/**
 * tfjs-backend-cpu greets its first tensor in Node with "Hi, looks like you are running
 * TensorFlow.js in Node.js… install our node backend" through tfjs-core's `log.warn`,
 * which stays quiet when the PROD flag is set. The lab reports its backend and why the
 * better ones were skipped itself, so the banner is noise. In tfjs-core 4.x, PROD only
 * gates these log messages (log.ts, environment.ts); kernels and checks are unchanged.
 */
function quietTfjs(): void {
  if (!tf.env().getBool('PROD')) tf.enableProdMode();
}

/**
 * Activates the best available backend (or exactly the preferred one, failing when it
 * cannot load). Later calls with the same preference return the same choice.
 */
export async function chooseBackend(
  preference: BackendPreference = 'auto',
): Promise<BackendChoice<BackendName>> {
  validateBackendPreference(preference);
  quietTfjs();
  if (
    current !== null &&
    (preference === 'auto' || preference === current.name) &&
    tf.getBackend() === current.name
  ) {
    return current;
  }
  const candidates = preference === 'auto' ? BACKEND_ORDER : [preference];
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      await ATTEMPTS[name]();
      current = { name, skipped };
      return current;
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      skipped.push(`${name}: ${message}`);
    }
  }
  throw new Error(`no tfjs backend could be loaded (${skipped.join('; ')})`);
}

/** Which backends load in this process (each one tried; the previous choice is restored). */
export async function availableBackends(): Promise<{
  available: BackendName[];
  unavailable: string[];
}> {
  quietTfjs();
  const available: BackendName[] = [];
  const unavailable: string[] = [];
  const before = current;
  for (const name of BACKEND_ORDER) {
    try {
      await ATTEMPTS[name]();
      available.push(name);
    } catch (error) {
      unavailable.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  if (before !== null) await ATTEMPTS[before.name]();
  else current = null;
  return { available, unavailable };
}
