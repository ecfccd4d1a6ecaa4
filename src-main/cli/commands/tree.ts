/**
 * `mbh-lab tree`: an unpruned decision tree (Gini, pure leaves) on one hidden layer's
 * on/off patterns that classifies a data split (thesis appendix D): its depth, leaves,
 * mean leaf depth, training accuracy and leaves per class.
 */
import { decisionPatterns, type Scope } from '../../../src-shared/mbh/patterns.ts';
import {
  growPatternTree,
  treeSummary,
  type TreeSummary,
} from '../../../src-shared/mbh/pattern-tree.ts';
import { analysisInput, ANALYSIS_FLAGS } from '../analysis-input.ts';
import type { Io } from '../engine-io.ts';
import { COMMON_HELP, openLab, parseFlags, UsageError } from '../lab-cli.ts';

export const usage = `mbh-lab tree --model M.json --data D.json|D.csv [--scope last|<layer>] [--json]
mbh-lab tree --model ID [--dataset ID] [--iteration N] [--split test|train] [--scope last|<layer>]
             [--zoo PATH] [--json]

Grows an unpruned CART tree (Gini impurity, split until every leaf is pure or its samples
share one pattern) on the on/off patterns of one hidden layer (the last by default) to
classify the data (appendix D). A zoo model is analysed at its last checkpoint
(--iteration 0: at initialisation) on its dataset's test split, in a worker, and stored.
--json prints {"depth", "leaves", "meanLeafDepth", "accuracy", "leavesPerClass": {"0": n, …}}.

${COMMON_HELP}`;

function parseTreeScope(text: string | undefined): {
  scope: Scope;
  name: 'last' | `layer:${number}`;
} {
  if (text === undefined || text === 'last') return { scope: { kind: 'last' }, name: 'last' };
  if (/^\d+$/.test(text)) {
    const index = Number(text);
    return { scope: { kind: 'layer', index }, name: `layer:${index}` };
  }
  throw new UsageError(`--scope: expected last or a hidden layer index, got "${text}"`);
}

function table(tree: TreeSummary): string {
  return (
    `depth ${tree.depth}, ${tree.leaves} leaves, mean leaf depth ${tree.meanLeafDepth.toFixed(2)}, ` +
    `training accuracy ${(100 * tree.accuracy).toFixed(2)} %\nleaves per class: ` +
    Object.entries(tree.leavesPerClass)
      .map(([label, count]) => `${label}: ${count}`)
      .join(', ') +
    '\n'
  );
}

function contract(tree: TreeSummary): TreeSummary {
  return {
    depth: tree.depth,
    leaves: tree.leaves,
    meanLeafDepth: tree.meanLeafDepth,
    accuracy: tree.accuracy,
    leavesPerClass: tree.leavesPerClass,
  };
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, { ...ANALYSIS_FLAGS, scope: { type: 'string' } });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const { scope, name } = parseTreeScope(values.scope);
  const input = analysisInput(values);
  let tree: TreeSummary;
  if (input.kind === 'file') {
    const hidden = input.network.layers.length - 1;
    if (scope.kind === 'layer' && scope.index >= hidden) {
      throw new UsageError(
        `--scope: layer ${scope.index} does not exist: hidden layers are 0..${hidden - 1}`,
      );
    }
    const patterns = decisionPatterns(input.network, input.data.x, input.data.count, scope);
    tree = treeSummary(growPatternTree(patterns, input.data.labels, input.classCount));
  } else {
    const lab = await openLab(values, { io });
    try {
      const model = await lab.getModel({ id: input.modelId });
      if (input.dataset !== undefined && input.dataset !== model.datasetId) {
        throw new UsageError(
          `--dataset: model ${input.modelId} was trained on ${model.datasetId}, not ${input.dataset}`,
        );
      }
      tree = await lab.analyseTree({
        modelId: input.modelId,
        ...(input.iteration !== undefined ? { iteration: input.iteration } : {}),
        split: input.split,
        scope: name,
      });
    } finally {
      await lab.close({ pauseRunning: true });
    }
  }
  io.stdout(values.json ? `${JSON.stringify(contract(tree))}\n` : table(tree));
  return 0;
}
