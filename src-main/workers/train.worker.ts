/**
 * Worker-thread entry for one training job (protocol in train-protocol.ts). Loads the
 * dataset from the lab's data folder, trains on the path the job chose (TensorFlow.js or
 * fused), streams events, and closes its port when done so the thread exits. Or, for the
 * cost model, times short runs of a few networks one after the other (`calibrate`), or
 * counts a dataset's non-zero inputs (`count-inputs`).
 *
 * Times it reports: a progress message's ms per step counts the steps only (not the
 * validation passes, checkpoints or snapshots between them, nor the set-up before the
 * first step) and leaves out a run's first few steps, which compile kernels (tfjs) or
 * run before the JIT has optimised the loops (fused) and take many times a later step;
 * the validation passes are timed on their own, the first one (as slow, for the same
 * reasons) left out once there are others. So a job's first ETA is not inflated by its
 * start.
 */
import { parentPort } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.ts';
import { nonZeroShare } from '../data/non-zero-share.ts';
import { DatasetRegistry } from '../data/registry.ts';
import { trainFused } from '../train/fused/train-fused.ts';
import { train, type StopRequest, type TrainHooks } from '../train/train.ts';
import type { TrainerName } from '../train/trainers.ts';
import {
  layerBuffers,
  resumeBuffers,
  validateToWorker,
  type CalibrateMessage,
  type CalibrationRun,
  type CountInputsMessage,
  type FromWorker,
  type InputsCounted,
  type StartMessage,
} from './train-protocol.ts';

if (parentPort === null) throw new Error('train.worker.ts must run in a worker thread');
const port = parentPort;

let request: StopRequest = 'continue';
let started = false;

const TRAINERS = { tfjs: train, fused: trainFused } as const;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Steps at the start of a run that its step rate leaves out (see the header). */
const WARMUP_STEPS = 5;

/**
 * Splits a run's wall time into steps and validation passes from the hook calls: every
 * hook marks the time it returns, so the time up to the next `onProgress` is one step
 * (plus the stop check) and the time up to an `onEvaluation` is one validation pass.
 */
class RunClock {
  private mark = performance.now();
  stepMs = 0;
  steps = 0;
  evaluationMs = 0;
  evaluations = 0;

  /** A step ended now; returns its ms. */
  step(): number {
    const now = performance.now();
    const ms = now - this.mark;
    this.stepMs += ms;
    this.steps++;
    this.mark = now;
    return ms;
  }

  /** The first pass's ms (kept apart: it includes first-call compilation). */
  firstEvaluationMs = 0;

  evaluation(): void {
    const now = performance.now();
    if (this.evaluations === 0) this.firstEvaluationMs = now - this.mark;
    this.evaluationMs += now - this.mark;
    this.evaluations++;
    this.mark = now;
  }

  /** Mean ms of a validation pass: without the first once there are others; NaN before any. */
  msPerEvaluation(): number {
    if (this.evaluations === 0) return Number.NaN;
    if (this.evaluations === 1) return this.evaluationMs;
    return (this.evaluationMs - this.firstEvaluationMs) / (this.evaluations - 1);
  }

  /** Work that is neither (a checkpoint copy, a snapshot, a message) ended now. */
  other(): void {
    this.mark = performance.now();
  }
}

async function run(start: StartMessage): Promise<void> {
  const begun = performance.now();
  const registry = new DatasetRegistry(start.dataDirectory);
  const loaded = registry.loadTimed(start.spec.dataset);
  const trainer: TrainerName = start.trainer ?? 'tfjs';
  const progressEveryMs = start.progressEveryMs ?? 200;
  const clock = new RunClock();
  let lastProgress = 0;
  let stepsSince = 0;
  let stepMsSince = 0;
  const firstIteration = start.resume?.step ?? 0;
  const outcome = await TRAINERS[trainer](
    start.spec,
    loaded.dataset,
    {
      onProgress(iteration, loss) {
        const ms = clock.step();
        if (iteration - firstIteration > WARMUP_STEPS) {
          stepMsSince += ms;
          stepsSince++;
        }
        const now = performance.now();
        const last = iteration === start.spec.iterations;
        // Progress waits for a rate past the warm-up (or the run's end).
        if ((stepsSince > 0 && now - lastProgress >= progressEveryMs) || last) {
          send({
            type: 'progress',
            iteration,
            iterations: start.spec.iterations,
            loss,
            msPerIteration: stepsSince > 0 ? stepMsSince / stepsSince : Number.NaN,
            msPerEvaluation: clock.msPerEvaluation(),
          });
          lastProgress = now;
          stepsSince = 0;
          stepMsSince = 0;
        }
        clock.other();
      },
      onStart(backend) {
        send({ type: 'ready', backend, trainer, datasetMs: loaded.milliseconds });
        clock.other();
      },
      onEvaluation(point) {
        clock.evaluation();
        send({ type: 'evaluation', point });
        clock.other();
      },
      onCheckpoint(iteration, layers) {
        send({ type: 'checkpoint', iteration, layers }, layerBuffers(layers));
        clock.other();
      },
      onSnapshot(state) {
        send({ type: 'snapshot', state }, resumeBuffers(state));
        clock.other();
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
      trainer: outcome.trainer,
      evaluationMs: clock.evaluationMs,
      evaluationCount: clock.evaluations,
      testCount: loaded.dataset.test.count,
      wallMs: performance.now() - begun,
    },
    transfer,
  );
}

/** The first `count` rows of a split: calibration evaluates on a few rows only. */
function headOf(dataset: Dataset, count: number): Dataset {
  const { test, inputDim } = dataset;
  const rows = Math.min(count, test.count);
  return {
    ...dataset,
    test: {
      count: rows,
      x: test.x.length > 0 ? test.x.subarray(0, rows * inputDim) : test.x,
      y: test.y.subarray(0, rows),
      ...(test.pixels !== undefined ? { pixels: test.pixels.subarray(0, rows * inputDim) } : {}),
    },
  };
}

/** Rows of the validation split a calibration run evaluates (a full split would dominate it). */
const CALIBRATION_TEST_ROWS = 1_000;

/**
 * Untimed runs before a calibration's timed ones, so that the code the steps run is
 * compiled at its top tier first: a fresh thread runs the fused path's WebAssembly
 * kernels and the JavaScript around them in baseline code for its first few hundred
 * milliseconds, which made the first timed steps of small networks 2–3× slower than a
 * long run's ((12,4)@0.5: 0.87 ms per step over steps 9–48, 0.33 from step 200 on, 0.39
 * after these runs), so a calibration priced every small network too high. One dense
 * and one masked network, so the path's dense and sparse kernels both warm up.
 */
const WARM_UP_RUNS = [
  { hidden: [64], density: 1 },
  { hidden: [64, 32], density: 0.3 },
] as const;
const WARM_UP_STEPS = 150;

async function countInputs(message: CountInputsMessage): Promise<void> {
  const { dataset } = new DatasetRegistry(message.dataDirectory).loadTimed(message.dataset);
  port.postMessage({
    type: 'inputs-counted',
    dataset: message.dataset,
    inputNonZero: nonZeroShare(dataset.train, dataset.inputDim),
    trainCount: dataset.train.count,
  } satisfies InputsCounted);
}

async function calibrate(message: CalibrateMessage): Promise<void> {
  const registry = new DatasetRegistry(message.dataDirectory);
  const loaded = registry.loadTimed(message.dataset).dataset;
  const inputNonZero = nonZeroShare(loaded.train, loaded.inputDim);
  const dataset = headOf(loaded, CALIBRATION_TEST_ROWS);
  const trainNetwork = TRAINERS[message.trainer];
  for (const network of WARM_UP_RUNS) {
    const warm = await trainNetwork(
      {
        hidden: [...network.hidden],
        density: network.density,
        seed: 0,
        dataset: message.dataset,
        iterations: WARM_UP_STEPS,
        checkpoints: [],
      },
      dataset,
      { shouldStop: () => (request === 'cancel' ? 'cancel' : 'continue') },
      undefined,
      { snapshotEvery: 0 },
    );
    if (warm.status !== 'completed') throw new Error('calibration cancelled');
  }
  // Runs that start together (startAt) start their timed steps together.
  const wait = (message.startAt ?? 0) - Date.now();
  if (wait > 0) await new Promise<void>((resolve) => setTimeout(resolve, wait));
  const runs: CalibrationRun[] = [];
  let backend: Extract<FromWorker, { type: 'calibrated' }>['backend'] | null = null;
  for (const network of message.networks) {
    const began = performance.now();
    const clock = new RunClock();
    let timedMs = 0;
    const hooks: TrainHooks = {
      onStart: () => clock.other(),
      onProgress(iteration) {
        const ms = clock.step();
        if (iteration > message.warmup) timedMs += ms;
        clock.other();
      },
      onEvaluation: () => {
        clock.evaluation();
        clock.other();
      },
      shouldStop: () => (request === 'cancel' ? 'cancel' : 'continue'),
    };
    const outcome = await trainNetwork(
      {
        hidden: network.hidden,
        density: network.density,
        seed: 0,
        dataset: message.dataset,
        iterations: message.warmup + message.iterations,
        checkpoints: [],
      },
      dataset,
      hooks,
      undefined,
      { snapshotEvery: 0 },
    );
    if (outcome.status !== 'completed') throw new Error('calibration cancelled');
    backend = outcome.backend;
    runs.push({
      hidden: network.hidden,
      density: network.density,
      msPerIteration: timedMs / message.iterations,
      msPerEvaluation: clock.evaluations > 0 ? clock.evaluationMs / clock.evaluations : Number.NaN,
      testCount: dataset.test.count,
      wallMs: performance.now() - began,
    });
  }
  send({ type: 'calibrated', trainer: message.trainer, backend: backend!, runs, inputNonZero });
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
  (message.type === 'calibrate'
    ? calibrate(message)
    : message.type === 'count-inputs'
      ? countInputs(message)
      : run(message)
  )
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
