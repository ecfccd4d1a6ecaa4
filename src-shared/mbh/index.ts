/** The MBH engine: planes, exact activation regions, decision patterns, specialization. */
export {
  type Plane,
  type PlaneParts,
  PlaneError,
  planeFromPoints,
  planeFromSpec,
  planeFromParsed,
  clipPlaneToBox,
  normaliseConvexPolygon,
  signedArea2,
} from './plane.ts';
export {
  type Partition,
  type PartitionOptions,
  SIDE_TOLERANCE,
  partitionPlane,
  regionAt,
  regionBit,
  regionDensity,
} from './partition.ts';
export {
  type PartitionControl,
  CancelledError,
  DEFAULT_REGION_BUDGET,
  MAX_REGION_BUDGET,
  RegionBudgetError,
  checkRegionBudget,
} from './budget.ts';
export {
  type Scope,
  type SamplePatterns,
  DEFAULT_SCOPE,
  decisionPatterns,
  scopeNeurons,
  scopeNeuronsForSizes,
} from './patterns.ts';
export {
  type Phenomenon,
  type GreedyPattern,
  type Constraints,
  type MeasureResult,
  type MeasureOptions,
  type MeasurePlan,
  DEFAULT_CPS,
  defaultPhenomena,
  parsePhenomena,
  greedyPattern,
  prefixLength,
  blanketMask,
  planMeasure,
  measureWithPlan,
  measurePartition,
  summarize,
} from './specialization.ts';
export { type SvgOptions, partitionToSvg } from './svg.ts';
