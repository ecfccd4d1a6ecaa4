/** `mbh-lab limits`: the lab's region budget and worker heap limit; flags change them. */
import { MAX_WORKER_MEMORY_MB, MIN_WORKER_MEMORY_MB } from '../../../src-shared/api/lab-limits.ts';
import { groupDigits, MAX_REGION_BUDGET } from '../../../src-shared/mbh/budget.ts';
import type { Io } from '../engine-io.ts';
import { COMMON_HELP, openLab, parseFlags, positiveInteger, UsageError } from '../lab-cli.ts';

export const usage = `mbh-lab limits [--region-budget N] [--worker-memory MB] [--zoo PATH] [--json]

The lab's limits (settings kept in the zoo). --region-budget: regions a partition may
have before it stops with an error (default 200,000; at most ${groupDigits(MAX_REGION_BUDGET)}).
--worker-memory: the heap limit of each measure worker in MB (default 2,048; from
${MIN_WORKER_MEMORY_MB} to ${groupDigits(MAX_WORKER_MEMORY_MB)}), for workers started afterwards.
Experiments may have at most 10,000 models.

${COMMON_HELP}`;

function inRange(value: number | undefined, flag: string, low: number, high: number) {
  if (value !== undefined && (value < low || value > high)) {
    throw new UsageError(
      `${flag}: must be from ${groupDigits(low)} to ${groupDigits(high)}, got ${value}`,
    );
  }
  return value;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, {
    'region-budget': { type: 'string' },
    'worker-memory': { type: 'string' },
  });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const regionBudget = inRange(
    positiveInteger(values['region-budget'], '--region-budget'),
    '--region-budget',
    1,
    MAX_REGION_BUDGET,
  );
  const workerMemoryMb = inRange(
    positiveInteger(values['worker-memory'], '--worker-memory'),
    '--worker-memory',
    MIN_WORKER_MEMORY_MB,
    MAX_WORKER_MEMORY_MB,
  );
  const lab = await openLab(values, { io });
  try {
    const limits =
      regionBudget === undefined && workerMemoryMb === undefined
        ? await lab.getLimits({})
        : await lab.setLimits({
            ...(regionBudget !== undefined ? { regionBudget } : {}),
            ...(workerMemoryMb !== undefined ? { workerMemoryMb } : {}),
          });
    if (values.json) io.stdout(`${JSON.stringify(limits)}\n`);
    else {
      io.stdout(
        [
          `region budget:      ${groupDigits(limits.regionBudget)} regions per partition`,
          `worker heap limit:  ${groupDigits(limits.workerMemoryMb)} MB per measure worker`,
          `experiment size:    ${groupDigits(limits.maxExperimentModels)} models at most`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    await lab.close({ pauseRunning: true });
  }
}
