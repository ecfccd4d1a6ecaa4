/**
 * What the analyses of issue 11 return across the api: exact maximal patterns beside the
 * greedy ones (appendix C.1), unique patterns (appendix E), decision trees (appendix D)
 * and the statistics of setups (bootstrap intervals, paired comparisons).
 */
import type { UniquePatternReport } from '../mbh/unique-patterns.ts';
import type { TreeSummary } from '../mbh/pattern-tree.ts';
import type { Interval } from '../stats/bootstrap.ts';

/** The exact pattern's blanket of one cell, beside the greedy one. */
export interface ExactBlanketView {
  /** 1 where the region belongs to the exact pattern's blanket. */
  regions: Uint8Array;
  s: number;
  blanketArea: number;
  constraints: number;
  coverage: number;
  /** The constraint count is proven maximal (else: the best found in the time limit). */
  optimal: boolean;
}

/** s of the greedy and of the exact patterns per cP, last checkpoint (Compare's figure). */
export interface ExactComparisonRow {
  modelId: number;
  name: string;
  setup: string;
  byCp: {
    cp: number;
    /** Mean over planes and phenomena, as the thesis' s. */
    s: number;
    sExact: number;
    /** Mean constraints per phenomenon of the greedy and the exact patterns. */
    constraints: number;
    constraintsExact: number;
    /** Mean share of each phenomenon's samples the exact pattern covers. */
    coverageExact: number;
    /** Share of phenomena whose exact pattern beats the greedy one. */
    missed: number;
    /** Share of phenomena whose exact pattern is proven optimal. */
    optimal: number;
  }[];
}

/** Where an analysis of a checkpoint's patterns came from. */
export interface AnalysisSource {
  modelId: number;
  iteration: number;
  datasetId: string;
  split: 'train' | 'test';
}

export type PatternCountsView = AnalysisSource & UniquePatternReport;

export type TreeView = AnalysisSource & TreeSummary & { scope: string };

/** One setup's intervals: s at a cP over models and planes; accuracy over models. */
export interface SetupInterval {
  modelIds: number[];
  planes: number;
  s: Interval;
  /** Null when a model has no validation accuracy. */
  accuracy: Interval | null;
}

export interface SetupStatistics {
  cp: number;
  planeSetId: number;
  resamples: number;
  seed: number;
  confidence: number;
  setups: SetupInterval[];
  /** The first setup against the second on the planes both have: a − b. */
  paired: {
    difference: Interval;
    pValue: number;
    test: string;
    planes: number;
  } | null;
}
