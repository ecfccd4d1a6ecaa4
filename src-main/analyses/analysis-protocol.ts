/** Measure-worker requests of the analyses of issue 11 (beside the measure protocol). */
import type { PartitionArrays, ScopeName } from '../../src-shared/api/dto.ts';
import type { Phenomenon } from '../../src-shared/mbh/specialization.ts';
import type { ExactPatternMessage } from './exact-protocol.ts';

interface NetworkBody {
  widths: number[];
  weights: Float32Array;
  biases: Float32Array;
  masks: Uint8Array | null;
}

export type AnalysisRequest =
  | {
      /** The exact patterns' blankets on one partition (answered as ExactBlanket[]). */
      type: 'exactBlankets';
      id: number;
      patternKey: string;
      network: NetworkBody;
      datasetId: string;
      partition: PartitionArrays;
      phenomena: Phenomenon[];
      cps: number[];
      scope: ScopeName;
      exact: ExactPatternMessage[];
    }
  | {
      /** Unique patterns (answered as UniquePatternReport) or a tree (TreeSummary). */
      type: 'analysis';
      id: number;
      kind: 'patterns' | 'tree';
      network: NetworkBody;
      datasetId: string;
      split: 'train' | 'test';
      /** Patterns: the phenomena to count per; tree: unused. */
      phenomena: Phenomenon[];
      /** Tree: the layer whose patterns it splits on. */
      scope: ScopeName;
    };
