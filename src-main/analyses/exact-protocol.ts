/** What the measure worker and the lab exchange about exact maximal patterns (appendix C.1). */

/** An exact maximal pattern as it travels: scope-local neurons in greedy order. */
export interface ExactPatternMessage {
  phenomenon: string;
  cp: number;
  neurons: Int32Array;
  states: Uint8Array;
  constraints: number;
  coverage: number;
  optimal: boolean;
  greedyConstraints: number;
  /** Milliseconds the solver took for this pattern. */
  ms: number;
}

/** Exact-pattern cells of one plane, phenomenon-major as the greedy ones. */
export interface ExactPlaneCells {
  s: Float64Array;
  blanketArea: Float64Array;
  constraints: Int32Array;
  coverage: Float64Array;
  /** 1 where the pattern's constraint count is proven maximal. */
  optimal: Uint8Array;
}

/** The exact pattern's blanket beside a greedy one. */
export interface ExactBlanket {
  regions: Uint8Array;
  s: number;
  blanketArea: number;
  constraints: number;
  coverage: number;
  optimal: boolean;
}
