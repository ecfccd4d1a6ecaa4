/**
 * `mbh-lab stats`: 95 % bootstrap confidence intervals of s and accuracy for a setup's
 * models (over models, and over planes within each), and with --versus the paired
 * comparison of two setups on the planes both were measured on.
 */
import type { SetupStatistics } from '../../../src-shared/api/analyses-dto.ts';
import type { Io } from '../engine-io.ts';
import {
  COMMON_HELP,
  nonNegativeInteger,
  openLab,
  parseFlags,
  positiveInteger,
  UsageError,
} from '../lab-cli.ts';

export const usage = `mbh-lab stats --models ID,ID,… [--versus ID,ID,…] [--plane-set ID] [--cp 0.8]
              [--resamples 10000] [--seed 0] [--zoo PATH] [--json]

Bootstrap 95 % confidence intervals (percentile, seeded) of the mean s at cP of the
models' last checkpoints — models drawn with replacement, then each model's planes — and
of their validation accuracy. With --versus, the second setup's too, and the paired
comparison of the two on the planes both were measured on: the difference of s (first
minus second) with its interval, and the p-value of a paired sign-flip permutation test
(exact up to 20 planes). The plane set defaults to the lowest one every model was measured
on. --json prints {"cp", "planeSetId", "resamples", "seed", "confidence", "setups":
[{"modelIds", "planes", "s": {"mean", "low", "high"}, "accuracy": {…} | null}],
"paired": {"difference": {…}, "pValue", "test", "planes"} | null}.

${COMMON_HELP}`;

function idList(text: string | undefined, flag: string): number[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((part) => positiveInteger(part.trim(), flag)!);
  if (new Set(ids).size !== ids.length) throw new UsageError(`${flag}: a model is listed twice`);
  return ids;
}

function interval(value: { mean: number; low: number; high: number }, digits = 4): string {
  return `${value.mean.toFixed(digits)} [${value.low.toFixed(digits)}, ${value.high.toFixed(digits)}]`;
}

function table(result: SetupStatistics): string {
  const lines = [
    `cP ${result.cp}, plane set ${result.planeSetId}, ${result.resamples} bootstrap resamples (seed ${result.seed}), ${100 * result.confidence} % intervals`,
  ];
  result.setups.forEach((setup, k) => {
    lines.push(
      `setup ${k + 1} (models ${setup.modelIds.join(', ')}; ${setup.planes} planes): s ${interval(setup.s)}` +
        (setup.accuracy ? `, accuracy ${interval(setup.accuracy)}` : ', accuracy –'),
    );
  });
  if (result.paired) {
    lines.push(
      `paired, ${result.paired.planes} planes: Δs = ${interval(result.paired.difference)}, p = ${result.paired.pValue.toPrecision(3)} (${result.paired.test})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, {
    models: { type: 'string' },
    versus: { type: 'string' },
    'plane-set': { type: 'string' },
    cp: { type: 'string' },
    resamples: { type: 'string' },
    seed: { type: 'string' },
  });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const first = idList(values.models, '--models');
  if (!first) throw new UsageError('--models ID,ID,… is required');
  const second = idList(values.versus, '--versus');
  const cp = values.cp === undefined ? 0.8 : Number(values.cp);
  if (!(cp > 0 && cp <= 1))
    throw new UsageError(`--cp: expected a coverage in (0, 1], got "${values.cp}"`);
  const planeSetId = positiveInteger(values['plane-set'], '--plane-set');
  const resamples = positiveInteger(values.resamples, '--resamples');
  const seed = nonNegativeInteger(values.seed, '--seed');
  const lab = await openLab(values, { io });
  try {
    const result = await lab
      .setupStatistics({
        setups: second ? [first, second] : [first],
        ...(planeSetId !== undefined ? { planeSetId } : {}),
        cp,
        resamples: resamples ?? 10_000,
        seed: seed ?? 0,
      })
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'ValidationError') {
          throw new UsageError(
            error.message
              .replace('params.setups', '--models/--versus')
              .replace('params.resamples', '--resamples')
              .replace('params.planeSetId', '--plane-set'),
          );
        }
        throw error;
      });
    io.stdout(values.json ? `${JSON.stringify(result)}\n` : table(result));
    return 0;
  } finally {
    await lab.close({ pauseRunning: true });
  }
}
