/** The measure worker's side of the pattern analyses (appendices D and E). */
import type { Network } from '../../src-shared/model/network.ts';
import { decisionPatterns, type Scope } from '../../src-shared/mbh/patterns.ts';
import {
  growPatternTree,
  treeSummary,
  type TreeSummary,
} from '../../src-shared/mbh/pattern-tree.ts';
import { uniquePatterns, type UniquePatternReport } from '../../src-shared/mbh/unique-patterns.ts';
import type { Dataset } from '../data/dataset.ts';
import type { AnalysisRequest } from './analysis-protocol.ts';

export function runAnalysis(
  request: Extract<AnalysisRequest, { type: 'analysis' }>,
  dataset: Dataset,
  network: Network,
  scope: Scope,
): UniquePatternReport | TreeSummary {
  const split = request.split === 'train' ? dataset.train : dataset.test;
  if (request.kind === 'patterns') {
    return uniquePatterns(network, split.x, split.y, split.count, request.phenomena);
  }
  const patterns = decisionPatterns(network, split.x, split.count, scope);
  return treeSummary(growPatternTree(patterns, split.y, dataset.classCount));
}
