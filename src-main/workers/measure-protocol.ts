/**
 * Messages between the lab and its measure workers. Networks travel packed (Float32
 * weights and biases, Uint8 masks, layer widths); planes as Float64 arrays; results come
 * back as typed arrays, transferred. Every request has an id; a request may produce
 * progress messages before its one answer (`result` or `error`). A request may carry a
 * cancellation flag: one Int32 in a SharedArrayBuffer that the lab sets to 1 while the
 * worker is busy (a message could not reach it), and that the engine reads as it goes.
 */
import type { Phenomenon } from '../../src-shared/mbh/specialization.ts';
import type { RegionClasses } from '../../src-shared/mbh/region-classes.ts';
import type { PartitionArrays, ScopeName } from '../../src-shared/api/dto.ts';
import type { StoredPlane } from '../zoo/planes.ts';
import type {
  ExactBlanket,
  ExactPatternMessage,
  ExactPlaneCells,
} from '../analyses/exact-protocol.ts';
import type { AnalysisRequest } from '../analyses/analysis-protocol.ts';

export interface NetworkMessage {
  /** [inputDim, ...hidden, outputs]. */
  widths: number[];
  weights: Float32Array;
  biases: Float32Array;
  masks: Uint8Array | null;
}

export interface PlaneMessage {
  index: number;
  origin: Float64Array;
  u: Float64Array;
  v: Float64Array;
  domain: Float64Array;
  points: Float64Array;
}

export type PartitionMessage = PartitionArrays;

/** A 'partition' request's answer: the partition with each region's predicted class. */
export type PartitionResult = PartitionArrays & RegionClasses;

export type MeasureRequest = (
  | {
      type: 'measure';
      id: number;
      /** Caches the data's decision patterns between requests for the same key. */
      patternKey: string;
      network: NetworkMessage;
      datasetId: string;
      planes: PlaneMessage[];
      phenomena: Phenomenon[] | null;
      cps: number[];
      scope: ScopeName;
      /** The region budget of each plane (default: the engine's). */
      maxRegions?: number;
      /** Exact patterns of every phenomenon × cP (phenomenon-major) to measure as well. */
      exact?: ExactPatternMessage[] | null;
    }
  | {
      /** Solves the exact maximal pattern of every phenomenon × cP (phenomenon-major). */
      type: 'exactPatterns';
      id: number;
      patternKey: string;
      network: NetworkMessage;
      datasetId: string;
      phenomena: Phenomenon[] | null;
      cps: number[];
      scope: ScopeName;
      /** Seconds per solver pass. */
      timeLimit: number;
    }
  | {
      type: 'partition';
      id: number;
      network: NetworkMessage;
      plane: PlaneMessage;
      /** The region budget (default: the engine's). */
      maxRegions?: number;
    }
  | {
      type: 'blanket';
      id: number;
      patternKey: string;
      network: NetworkMessage;
      datasetId: string;
      partition: PartitionMessage;
      phenomenon: Phenomenon;
      cp: number;
      scope: ScopeName;
    }
  | {
      type: 'blankets';
      id: number;
      patternKey: string;
      network: NetworkMessage;
      datasetId: string;
      partition: PartitionMessage;
      /** Answered phenomenon-major: `phenomena[i]` × `cps[j]` at `i × cps.length + j`. */
      phenomena: Phenomenon[];
      cps: number[];
      scope: ScopeName;
      /** Exact patterns of the same cells, to draw beside the greedy blankets. */
      exact?: ExactPatternMessage[] | null;
    }
  | {
      type: 'planes';
      id: number;
      datasetId: string;
      count: number;
      seed: number;
      clip: boolean;
      /** The rule's canonical text (src-shared/model/plane-rule.ts). */
      rule: string;
      /** Where the caller's rule and count were given, for the error of a bad one. */
      paths: { rule: string; count: string };
    }
  | { type: 'images'; id: number; datasetId: string; samples: number[] }
  | AnalysisRequest
) & {
  /** Shared Int32 flag: 1 = cancelled. */
  cancel?: Int32Array;
};

/** One plane's results: every phenomenon × cP, phenomenon-major. */
export interface PlaneResult {
  type: 'plane';
  id: number;
  plane: number;
  regions: number;
  domainArea: number;
  ms: number;
  phenomena: string[];
  cps: number[];
  s: Float64Array;
  blanketArea: Float64Array;
  constraints: Int32Array;
  coverage: Float64Array;
  exact?: ExactPlaneCells;
}

export interface BlanketResult {
  regions: Uint8Array;
  s: number;
  blanketArea: number;
  domainArea: number;
  constraints: number;
  coverage: number;
  exact?: ExactBlanket;
}

export interface ImagesResult {
  inputDim: number;
  images: Float32Array[];
  labels: number[];
}

export type MeasureResponse =
  | PlaneResult
  | { type: 'result'; id: number; value: unknown }
  /**
   * `name` keeps the kind of failure (RegionBudgetError, Cancelled) across the thread,
   * `path` the field a ValidationError names.
   */
  | { type: 'error'; id: number; message: string; name?: string; path?: string }
  /** Regions found so far by a running partition, at a bounded rate. */
  | { type: 'progress'; id: number; regions: number };

export interface WorkerData {
  /** The lab's home folder: the worker reads datasets from its cache. */
  home: string;
}

export function planeMessage(plane: StoredPlane): PlaneMessage {
  return {
    index: plane.index,
    origin: plane.origin,
    u: plane.u,
    v: plane.v,
    domain: plane.domain,
    points: plane.points,
  };
}
