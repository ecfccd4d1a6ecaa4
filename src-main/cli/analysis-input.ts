/**
 * What `mbh-lab patterns` and `mbh-lab tree` share: a model file with a data file (worked
 * out in this process, as `measure` does), or a zoo model (worked out by the lab in a
 * measure worker and stored), and the choice of checkpoint and split.
 */
import type { Network } from '../../src-shared/model/network.ts';
import { classCountOf, loadDataFile, loadModelFile, type LoadedData } from './engine-files.ts';
import { nonNegativeInteger, positiveInteger, UsageError } from './lab-cli.ts';

export const ANALYSIS_FLAGS = {
  model: { type: 'string' },
  data: { type: 'string' },
  dataset: { type: 'string' },
  iteration: { type: 'string' },
  split: { type: 'string' },
} as const;

export interface AnalysisValues {
  model?: string;
  data?: string;
  dataset?: string;
  iteration?: string;
  split?: string;
}

export type AnalysisInput =
  | { kind: 'file'; network: Network; data: LoadedData; classCount: number }
  | {
      kind: 'zoo';
      modelId: number;
      dataset: string | undefined;
      iteration: number | undefined;
      split: 'test' | 'train';
    };

export function analysisInput(values: AnalysisValues): AnalysisInput {
  if (!values.model) throw new UsageError('--model M.json or --model ID is required');
  if (/^\d+$/.test(values.model)) {
    const modelId = positiveInteger(values.model, '--model')!;
    if (values.data !== undefined) {
      throw new UsageError(
        '--data D.json applies to a model file; a zoo model (--model ID) is analysed on its dataset (--dataset ID, --split test|train)',
      );
    }
    const split = values.split ?? 'test';
    if (split !== 'test' && split !== 'train') {
      throw new UsageError(`--split: expected test or train, got "${split}"`);
    }
    return {
      kind: 'zoo',
      modelId,
      dataset: values.dataset,
      iteration: nonNegativeInteger(values.iteration, '--iteration'),
      split,
    };
  }
  for (const flag of ['dataset', 'iteration', 'split'] as const) {
    if (values[flag] !== undefined) {
      throw new UsageError(
        `--${flag} applies to a zoo model (--model ID); a model file takes --data D.json`,
      );
    }
  }
  if (!values.data) throw new UsageError('--data D.json|D.csv is required with a model file');
  const network = loadModelFile(values.model);
  if (network.layers.length < 2) throw new Error(`${values.model}: the model has no hidden layer`);
  const classCount = classCountOf(network);
  return {
    kind: 'file',
    network,
    data: loadDataFile(values.data, network.inputDim, classCount),
    classCount,
  };
}
