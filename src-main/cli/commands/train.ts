/**
 * `mbh-lab train`: trains one model into the zoo and waits for it. With --json prints
 * {"model", "accuracy", "backend", "trainer", "msPerIteration", "checkpoints"}.
 */
import type { PruningScheme } from '../../../src-shared/api/dto.ts';
import { ValidationError } from '../../../src-shared/api/validate.ts';
import type { Io } from '../engine-io.ts';
import {
  inCliProject,
  COMMON_HELP,
  nonNegativeInteger,
  openLab,
  parseFlags,
  positiveInteger,
  runJobs,
  UsageError,
} from '../lab-cli.ts';

export const usage = `mbh-lab train --arch lenet|deepfc|custom --hidden 300,100 --dataset fashion
              [--density 0.0342] [--iterations 50000] [--seed 1] [--checkpoints all]
              [--pruning random|one-shot:RATE|iterative:RATE:ROUNDS] [--name NAME]
              [--trainer auto|fused|tfjs] [--project NAME] [--zoo PATH] [--json]

Trains one model (Adam, lr 1.2e-3, batch 60; thesis appendix A.1) in a worker thread and
stores its checkpoints and metrics in the zoo. Checkpoints: 0 and the last iteration, or
with --checkpoints all every point of the evaluation schedule. Ctrl-C pauses the job;
\`mbh-lab jobs resume\` continues it.

--trainer picks the training path: fused (sparse-aware WebAssembly kernels), tfjs
(TensorFlow.js, forced even where fused would be faster, e.g. to compare the two) or
auto (default: the path this machine's measured cost model predicts to be faster).

--json prints {"model": id, "accuracy": final validation accuracy in [0, 1],
"backend": "tensorflow"|"wasm"|"cpu"|"js", "trainer": "fused"|"tfjs",
"msPerIteration": ms per optimiser step (steps only, no evaluations),
"checkpoints": [stored iterations]}.

${COMMON_HELP}`;

function parseHidden(text: string | undefined): number[] {
  if (text === undefined) throw new UsageError('--hidden: give the hidden widths, e.g. 300,100');
  const widths = text.split(',').map((part) => positiveInteger(part.trim(), '--hidden')!);
  return widths;
}

function parseDensity(text: string | undefined): number {
  if (text === undefined) return 1;
  const value = Number(text);
  if (text.trim() === '' || !(value > 0 && value <= 1)) {
    throw new UsageError(`--density: must be a number in (0, 1], got "${text}"`);
  }
  return value;
}

export function parsePruning(text: string | undefined): PruningScheme {
  if (text === undefined || text === 'random') return { kind: 'random' };
  const [kind, rate, rounds] = text.split(':');
  const value = Number(rate);
  if (value > 0 && value < 1) {
    if (kind === 'one-shot' && rounds === undefined) return { kind: 'one-shot', rate: value };
    if (kind === 'iterative') {
      const count = positiveInteger(rounds ?? '', '--pruning rounds')!;
      return { kind: 'iterative', rate: value, rounds: count };
    }
  }
  throw new UsageError(
    `--pruning: expected random, one-shot:RATE or iterative:RATE:ROUNDS with RATE in (0, 1), got "${text}"`,
  );
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, {
    arch: { type: 'string', default: 'custom' },
    hidden: { type: 'string' },
    density: { type: 'string' },
    dataset: { type: 'string' },
    iterations: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '0' },
    checkpoints: { type: 'string', default: 'default' },
    pruning: { type: 'string' },
    name: { type: 'string' },
    project: { type: 'string' },
    trainer: { type: 'string', default: 'auto' },
  });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const family = values.arch;
  if (family !== 'lenet' && family !== 'deepfc' && family !== 'custom') {
    throw new UsageError(`--arch: must be lenet, deepfc or custom, got "${family}"`);
  }
  if (values.dataset === undefined) throw new UsageError('--dataset: name a dataset, e.g. fashion');
  if (values.checkpoints !== 'default' && values.checkpoints !== 'all') {
    throw new UsageError(`--checkpoints: must be "all" (or left out), got "${values.checkpoints}"`);
  }
  const trainer = values.trainer;
  if (trainer !== 'auto' && trainer !== 'fused' && trainer !== 'tfjs') {
    throw new UsageError(`--trainer: must be auto, fused or tfjs, got "${trainer}"`);
  }
  const request = {
    trainer: trainer as 'auto' | 'fused' | 'tfjs',
    family: family as 'lenet' | 'deepfc' | 'custom',
    hidden: parseHidden(values.hidden),
    density: parseDensity(values.density),
    seed: nonNegativeInteger(values.seed, '--seed')!,
    datasetId: values.dataset,
    iterations: positiveInteger(values.iterations, '--iterations')!,
    checkpoints: values.checkpoints as 'default' | 'all',
    pruning: parsePruning(values.pruning),
    ...(values.name !== undefined ? { name: values.name } : {}),
  };

  const lab = await openLab(values, { io });
  let closed = false;
  try {
    let started;
    try {
      started = await inCliProject(lab, values.project, (projectId) =>
        lab.trainModel({ projectId, ...request }),
      );
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new UsageError(
          error.message.replace(/^params\.(\w+)/, (_m, field: string) => `--${flagOf(field)}`),
        );
      }
      throw error;
    }
    if (!values.json) io.stderr(`training model ${started.model.id}: ${started.model.name}\n`);
    const completed = await runJobs(lab, io, values.json, [started.job.id]);
    if (!completed) {
      closed = true;
      return 130;
    }
    const [job] = (await lab.listJobs({})).filter((candidate) => candidate.id === started.job.id);
    if (job.state !== 'done') {
      io.stderr(`mbh-lab train: job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}\n`);
      return 1;
    }
    const model = await lab.getModel({ id: started.model.id });
    const result = {
      model: model.id,
      accuracy: model.accuracy,
      backend: model.backend,
      trainer: model.trainer,
      msPerIteration: job.msPerIteration,
      checkpoints: model.checkpoints.map((checkpoint) => checkpoint.iteration),
    };
    if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
    else {
      const speed =
        job.msPerIteration !== null ? `, ${job.msPerIteration.toFixed(2)} ms per step` : '';
      io.stdout(
        `model ${model.id} trained: validation accuracy ${((model.accuracy ?? 0) * 100).toFixed(2)}% on ${model.trainer ?? 'tfjs'} (${model.backend}${speed}); checkpoints at ${result.checkpoints.join(', ')}\n`,
      );
    }
    return 0;
  } finally {
    if (!closed) await lab.close({ pauseRunning: true });
  }
}

function flagOf(field: string): string {
  return { datasetId: 'dataset', family: 'arch' }[field] ?? field;
}
