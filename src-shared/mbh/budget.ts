/**
 * The budget of one partition: a region limit, a cancellation flag and progress reports.
 *
 * A dense 3 × 800 network has about 370,000 regions on an MNIST plane, a 784-2000-10 one
 * more than the heap holds; without a limit one request could take the whole lab down.
 * The engine checks the limit as regions appear (pieces not yet split by deeper layers
 * each become at least one region, so the check fires before the output grows past it), and
 * asks the watch at a bounded rate whether to stop and what to report.
 */

/**
 * Regions a partition may have unless the caller raises it. A region costs about 130
 * bytes in the result (offsets, 4–5 vertices, area, pattern words of a few hundred
 * neurons) and about as much again while it is copied out and sent, so 200,000 regions
 * stay near 60 MB — well inside a worker's heap and a browser tab — while the thesis's
 * LeNet-300-100 planes (≈ 35,000 regions) pass with room to spare.
 */
export const DEFAULT_REGION_BUDGET = 200_000;
/** The largest budget a caller may ask for: about 1.3 GB of result at the cost above. */
export const MAX_REGION_BUDGET = 10_000_000;
/** How often progress is reported, at most (ms). */
export const PROGRESS_INTERVAL_MS = 250;

/** 200000 → "200,000", the same on every platform (no locale). */
export function groupDigits(value: number): string {
  return String(Math.trunc(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The partition would have more regions than its budget allows. */
export class RegionBudgetError extends Error {
  override readonly name = 'RegionBudgetError';
  constructor(
    readonly limit: number,
    /** A lower bound of the plane's region count when it stopped: limit + 1. */
    readonly regions: number,
  ) {
    super(
      `this plane has more than ${groupDigits(limit)} regions (the region budget); ` +
        'raise the limit or zoom into a smaller domain',
    );
  }
}

/** The work was cancelled by its caller (or superseded by a newer request). */
export class CancelledError extends Error {
  override readonly name = 'Cancelled';
  constructor(message = 'cancelled') {
    super(message);
  }
}

export interface PartitionControl {
  /** Stop with RegionBudgetError past this many regions; default DEFAULT_REGION_BUDGET. */
  maxRegions?: number;
  /** Regions so far, at most every PROGRESS_INTERVAL_MS. */
  onProgress?: (regions: number) => void;
  /** Read at every check (per parent region, cheap: an atomic load); true stops the partition. */
  cancelled?: () => boolean;
}

/** Checks a region budget value from a caller: a positive integer up to MAX_REGION_BUDGET. */
export function checkRegionBudget(value: number, name = 'maxRegions'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_REGION_BUDGET) {
    throw new RangeError(
      `${name} must be an integer from 1 to ${groupDigits(MAX_REGION_BUDGET)}, got ${String(value).slice(0, 40)}`,
    );
  }
  return value;
}

/**
 * The engine's side of a PartitionControl: `check(regions)` is cheap enough to call per
 * parent region: a comparison, the flag, and the clock only when progress is wanted.
 */
export class PartitionWatch {
  readonly maxRegions: number;
  private readonly onProgress: ((regions: number) => void) | undefined;
  private readonly cancelled: (() => boolean) | undefined;
  private lastProgress: number;

  constructor(
    control: PartitionControl,
    private readonly clock: () => number,
  ) {
    this.maxRegions = checkRegionBudget(control.maxRegions ?? DEFAULT_REGION_BUDGET);
    this.onProgress = control.onProgress;
    this.cancelled = control.cancelled;
    this.lastProgress = clock();
  }

  /** Throws RegionBudgetError past the limit; CancelledError once cancelled. */
  check(regions: number): void {
    if (regions > this.maxRegions) throw new RegionBudgetError(this.maxRegions, regions);
    if (this.cancelled?.()) throw new CancelledError('the partition was cancelled');
    if (!this.onProgress) return;
    const now = this.clock();
    if (now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
      this.lastProgress = now;
      this.onProgress(regions);
    }
  }

  /** Before any work: a flag already set stops at once. */
  start(): void {
    if (this.cancelled?.()) throw new CancelledError('the partition was cancelled');
  }
}
