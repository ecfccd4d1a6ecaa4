/**
 * `mbh-lab patterns`: unique activation patterns of the whole hidden network and of each
 * hidden layer on a data split, overall and per phenomenon (thesis appendix E).
 */
import { defaultPhenomena } from '../../../src-shared/mbh/specialization.ts';
import {
  uniquePatterns,
  type UniquePatternReport,
} from '../../../src-shared/mbh/unique-patterns.ts';
import { analysisInput, ANALYSIS_FLAGS } from '../analysis-input.ts';
import type { Io } from '../engine-io.ts';
import { COMMON_HELP, openLab, parseFlags, UsageError } from '../lab-cli.ts';

export const usage = `mbh-lab patterns --model M.json --data D.json|D.csv [--json]
mbh-lab patterns --model ID [--dataset ID] [--iteration N] [--split test|train] [--zoo PATH] [--json]

Unique on/off patterns of the hidden network and of each hidden layer over the samples of
a data split (appendix E), overall and per class. A zoo model is analysed at its last
checkpoint (--iteration 0: at initialisation) on its dataset's test split, in a worker,
and the result is stored. --json prints {"samples": N, "unique": {"network": n,
"layers": [n1, …]}, "perPhenomenon": [{"phenomenon": "3", "network": n, "layers": […]}]}.

${COMMON_HELP}`;

function table(report: UniquePatternReport): string {
  const lines = [
    `${report.samples} samples`,
    `unique patterns: network ${report.unique.network}, layers ${report.unique.layers.join(', ')}`,
    '',
    'phenomenon  network  layers',
  ];
  for (const row of report.perPhenomenon) {
    lines.push(
      `${row.phenomenon.padEnd(12)}${String(row.network).padEnd(9)}${row.layers.join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function contract(report: UniquePatternReport): UniquePatternReport {
  return { samples: report.samples, unique: report.unique, perPhenomenon: report.perPhenomenon };
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, ANALYSIS_FLAGS);
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const input = analysisInput(values);
  let report: UniquePatternReport;
  if (input.kind === 'file') {
    report = uniquePatterns(
      input.network,
      input.data.x,
      input.data.labels,
      input.data.count,
      defaultPhenomena(input.classCount),
    );
  } else {
    const lab = await openLab(values, { io });
    try {
      const model = await lab.getModel({ id: input.modelId });
      if (input.dataset !== undefined && input.dataset !== model.datasetId) {
        throw new UsageError(
          `--dataset: model ${input.modelId} was trained on ${model.datasetId}, not ${input.dataset}`,
        );
      }
      report = await lab.analysePatterns({
        modelId: input.modelId,
        ...(input.iteration !== undefined ? { iteration: input.iteration } : {}),
        split: input.split,
      });
    } finally {
      await lab.close({ pauseRunning: true });
    }
  }
  io.stdout(values.json ? `${JSON.stringify(contract(report))}\n` : table(report));
  return 0;
}
