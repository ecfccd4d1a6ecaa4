/**
 * The plane viewer's data: which checkpoint(s), plane set and plane; the partitions
 * (typed arrays, kept in $state.raw and replaced whole), the spanning images, and the
 * blankets of the chosen phenomenon and cP — or a whole grid of them (figures B.1–B.2).
 * What the viewer no longer shows is cancelled: a new plane for a side aborts that side's
 * running partition (and the lab supersedes it by view), leaving the viewer aborts all.
 */
import { api } from '../api/index.ts';
import type {
  BlanketView,
  DatasetSummary,
  ModelDetail,
  ModelSummary,
  PartitionView,
  PlaneSetSummary,
  SpanningImages,
} from '../../../src-shared/api/dto.ts';
import { uniqueSorted } from '../lib/collections.ts';
import { errorText } from '../lib/format.ts';
import { isCancelled } from '../../../src-shared/api/call.ts';
import { MAX_REGION_BUDGET } from '../../../src-shared/mbh/budget.ts';
import { lab } from './lab.svelte.ts';

export type PlaneMode = 'regions' | 'blanket' | 'grid';

export const GRID_CPS = [0.8, 0.9, 0.99, 1];

export interface Side {
  model: ModelDetail | null;
  checkpointId: number | null;
  partition: PartitionView | null;
  blanket: BlanketView | null;
  loading: boolean;
  error: string | null;
  /** Milliseconds the lab took to compute the partition (0 when cached). */
  computeMs: number;
  /** Regions found so far while the lab computes a long partition. */
  progress: number | null;
  /** After a region-budget error: the larger budget the viewer offers to compute with. */
  retryRegions: number | null;
}

const emptySide = (): Side => ({
  model: null,
  checkpointId: null,
  partition: null,
  blanket: null,
  loading: false,
  error: null,
  computeMs: 0,
  progress: null,
  retryRegions: null,
});

export class PlaneViewerState {
  a = $state.raw<Side>(emptySide());
  b = $state.raw<Side | null>(null);
  planeSets = $state.raw<PlaneSetSummary[]>([]);
  planeSetId = $state<number | null>(null);
  plane = $state(0);
  images = $state.raw<SpanningImages | null>(null);
  mode = $state<PlaneMode>('regions');
  phenomenon = $state('0');
  /** Whether a model was opened yet (the first opening picks the default phenomenon). */
  private opened = false;
  /** Whether the user picked the phenomenon (else it follows the plane's spanning images). */
  private phenomenonChosen = false;
  cp = $state(0.8);
  edges = $state(true);
  /** Grid mode: blankets by `${cp}|${phenomenon}` for side A. */
  grid = $state.raw<Record<string, BlanketView | string>>({});
  gridCps = $state<number[]>([...GRID_CPS]);
  sameDataset = $state.raw<ModelSummary[]>([]);
  private seq = { a: 0, b: 0, blanket: 0, grid: 0 };
  /** The running calls of each part of the view, aborted when replaced or left. */
  private running: Record<'a' | 'b' | 'blanket' | 'grid', AbortController | null> = {
    a: null,
    b: null,
    blanket: null,
    grid: null,
  };

  /** A fresh signal for one part of the view; the call it replaces is cancelled. */
  private replace(part: 'a' | 'b' | 'blanket' | 'grid'): AbortSignal {
    this.running[part]?.abort();
    const controller = new AbortController();
    this.running[part] = controller;
    return controller.signal;
  }

  /** Shows the lab's progress on the partitions being computed; returns the unsubscribe. */
  watchProgress(): () => void {
    return api.on('partition', (progress) => {
      for (const which of ['a', 'b'] as const) {
        const side = which === 'a' ? this.a : this.b;
        if (
          side?.loading &&
          side.checkpointId === progress.checkpointId &&
          this.planeSetId === progress.planeSetId &&
          this.plane === progress.plane
        ) {
          this.setSide(which, { ...side, progress: progress.regions });
        }
      }
    });
  }

  /** Cancels everything still running (the viewer is closing). */
  dispose(): void {
    for (const controller of Object.values(this.running)) controller?.abort();
  }

  get dataset(): DatasetSummary | null {
    const id = this.a.model?.datasetId;
    return id ? (lab.datasets.find((d) => d.id === id) ?? null) : null;
  }

  get planeSet(): PlaneSetSummary | null {
    return this.planeSets.find((s) => s.id === this.planeSetId) ?? null;
  }

  /**
   * Phenomena: those measured for the model, else one per class. Names may be class
   * indices ("9") or class names ("Ankle boot"); both sort and read in class order.
   */
  get phenomena(): { name: string; label: string }[] {
    const measured = uniqueSorted(this.a.model?.measurements.map((m) => m.phenomenon) ?? []);
    const classNames = this.dataset?.classNames ?? [];
    const names =
      measured.length > 0
        ? measured
        : Array.from({ length: this.a.model?.classCount ?? 0 }, (_, c) => String(c));
    const classOf = (name: string) => {
      const byName = classNames.indexOf(name);
      if (byName >= 0) return byName;
      return /^\d+$/.test(name) ? Number(name) : Number.POSITIVE_INFINITY;
    };
    return names
      .map((name) => {
        const index = classOf(name);
        const className = Number.isFinite(index) ? classNames[index] : undefined;
        const label =
          !Number.isFinite(index) || String(index) === name
            ? className && className !== name
              ? `${name} · ${className}`
              : name
            : `${index} · ${name}`;
        return { name, label, index };
      })
      .sort((a, b) => a.index - b.index || a.name.localeCompare(b.name))
      .map(({ name, label }) => ({ name, label }));
  }

  /** The first phenomenon that is the class of one of the current plane's spanning images. */
  spanningPhenomenon(): string | null {
    const labels = this.planeSet?.planes[this.plane]?.labels ?? [];
    const classNames = this.dataset?.classNames ?? [];
    for (const label of labels) {
      const hit = this.phenomena.find(
        (p) => p.name === String(label) || p.name === classNames[label],
      );
      if (hit) return hit.name;
    }
    return null;
  }

  async openModel(modelId: number, checkpointId: number | null): Promise<void> {
    const seq = ++this.seq.a;
    this.a = { ...this.a, loading: true, error: null };
    try {
      const model = await api.getModel({ id: modelId });
      if (seq !== this.seq.a) return;
      const checkpoint = checkpointId ?? model.checkpoints.at(-1)?.id ?? null;
      this.a = { ...emptySide(), model, checkpointId: checkpoint };
      const [sets, siblings] = await Promise.all([
        api.listPlaneSets({ datasetId: model.datasetId }),
        api.listModels({ projectId: model.projectId }),
      ]);
      if (seq !== this.seq.a) return;
      this.planeSets = sets;
      this.sameDataset = siblings.filter((m) => m.datasetId === model.datasetId);
      if (!sets.some((s) => s.id === this.planeSetId)) {
        this.planeSetId = sets[0]?.id ?? null;
        this.plane = 0;
      }
      // On first opening, or when the model lacks the one shown, the blanket's phenomenon
      // is a class of the plane's spanning images again (refresh keeps it so per plane).
      if (!this.opened || !this.phenomena.some((p) => p.name === this.phenomenon)) {
        this.phenomenon = this.spanningPhenomenon() ?? this.phenomena.at(-1)?.name ?? '0';
        this.phenomenonChosen = false;
      }
      this.opened = true;
      await this.refresh();
    } catch (error) {
      if (seq === this.seq.a) this.a = { ...emptySide(), error: errorText(error) };
    }
  }

  async createPlaneSet(count: number, seed: number): Promise<void> {
    const datasetId = this.a.model?.datasetId;
    if (!datasetId) return;
    try {
      await this.showPlaneSet(await api.createPlaneSet({ datasetId, count, seed, clip: false }));
    } catch (error) {
      lab.error(error, 'Creating planes failed');
    }
  }

  /**
   * Lists a plane set the lab made or found (the same request gives the same shared set,
   * so it may be listed already) and shows its first plane.
   */
  async showPlaneSet(set: PlaneSetSummary): Promise<void> {
    this.planeSets = this.planeSets.some((s) => s.id === set.id)
      ? this.planeSets.map((s) => (s.id === set.id ? set : s))
      : [...this.planeSets, set];
    this.planeSetId = set.id;
    this.plane = 0;
    await this.refresh();
  }

  /** The user's pick of a phenomenon: kept from then on, whatever the plane. */
  choosePhenomenon(name: string): void {
    this.phenomenon = name;
    this.phenomenonChosen = true;
  }

  /** Reloads everything that depends on checkpoint, plane set and plane. */
  async refresh(): Promise<void> {
    // Until the user picks one, the blanket's phenomenon is a class of this plane's
    // spanning images (its blanket then holds one of the images drawn beside it).
    if (!this.phenomenonChosen) this.phenomenon = this.spanningPhenomenon() ?? this.phenomenon;
    await Promise.all([this.loadImages(), this.loadSide('a'), this.b ? this.loadSide('b') : null]);
    await this.loadOverlays();
  }

  async loadImages(): Promise<void> {
    if (this.planeSetId === null) {
      this.images = null;
      return;
    }
    try {
      this.images = await api.getSpanningImages({ planeSetId: this.planeSetId, plane: this.plane });
    } catch (error) {
      this.images = null;
      lab.error(error, 'Spanning images');
    }
  }

  private setSide(which: 'a' | 'b', side: Side): void {
    if (which === 'a') this.a = side;
    else this.b = side;
  }

  /** Loads a side's partition; `maxRegions` overrides the lab's region budget. */
  async loadSide(which: 'a' | 'b', maxRegions?: number): Promise<void> {
    const side = which === 'a' ? this.a : this.b;
    if (!side || side.checkpointId === null || this.planeSetId === null) return;
    const seq = ++this.seq[which];
    this.setSide(which, {
      ...side,
      loading: true,
      error: null,
      blanket: null,
      progress: null,
      retryRegions: null,
    });
    const started = performance.now();
    const signal = this.replace(which);
    try {
      const partition = await api.getPartition(
        {
          checkpointId: side.checkpointId,
          planeSetId: this.planeSetId,
          plane: this.plane,
          view: which,
          ...(maxRegions !== undefined ? { maxRegions } : {}),
        },
        { signal },
      );
      if (seq !== this.seq[which]) return;
      const current = which === 'a' ? this.a : this.b;
      if (!current) return;
      this.setSide(which, {
        ...current,
        partition,
        loading: false,
        progress: null,
        computeMs: partition.ms ?? performance.now() - started,
      });
    } catch (error) {
      if (seq !== this.seq[which] || isCancelled(error)) return;
      const retryRegions = await this.largerBudget(error, maxRegions);
      const current = which === 'a' ? this.a : this.b;
      if (current && seq === this.seq[which])
        this.setSide(which, {
          ...current,
          partition: null,
          loading: false,
          progress: null,
          error: errorText(error),
          retryRegions,
        });
    }
  }

  /**
   * After a region-budget error, the budget to offer instead: five times the one that
   * stopped it (the call's own, else the lab's), up to the largest allowed.
   */
  private async largerBudget(error: unknown, used: number | undefined): Promise<number | null> {
    if (!(error instanceof Error) || error.name !== 'RegionBudgetError') return null;
    try {
      const limit = used ?? (await api.getLimits({})).regionBudget;
      return limit >= MAX_REGION_BUDGET ? null : Math.min(MAX_REGION_BUDGET, 5 * limit);
    } catch {
      return null;
    }
  }

  /** Computes a side's partition again with the larger budget offered after its error. */
  async computeAnyway(which: 'a' | 'b'): Promise<void> {
    const side = which === 'a' ? this.a : this.b;
    if (side?.retryRegions) await this.loadSide(which, side.retryRegions);
  }

  async loadOverlays(): Promise<void> {
    if (this.mode === 'blanket') await this.loadBlankets();
    else if (this.mode === 'grid') await this.loadGrid();
  }

  async loadBlankets(): Promise<void> {
    const seq = ++this.seq.blanket;
    const signal = this.replace('blanket');
    const load = async (which: 'a' | 'b') => {
      const side = which === 'a' ? this.a : this.b;
      if (!side?.partition || side.checkpointId === null || this.planeSetId === null) return;
      try {
        const blanket = await api.getBlanket(
          {
            checkpointId: side.checkpointId,
            planeSetId: this.planeSetId,
            plane: this.plane,
            phenomenon: this.phenomenon,
            cp: this.cp,
            scope: 'last',
          },
          { signal },
        );
        const current = which === 'a' ? this.a : this.b;
        if (seq === this.seq.blanket && current) this.setSide(which, { ...current, blanket });
      } catch (error) {
        if (isCancelled(error)) return;
        const current = which === 'a' ? this.a : this.b;
        if (seq === this.seq.blanket && current)
          this.setSide(which, { ...current, blanket: null, error: errorText(error) });
      }
    };
    await Promise.all([load('a'), load('b')]);
  }

  async loadGrid(): Promise<void> {
    const seq = ++this.seq.grid;
    const signal = this.replace('grid');
    const side = this.a;
    if (!side.partition || side.checkpointId === null || this.planeSetId === null) return;
    this.grid = {};
    const checkpointId = side.checkpointId;
    const planeSetId = this.planeSetId;
    const plane = this.plane;
    // One call: the lab computes every phenomenon × cP on its cached partition in one pass.
    const names = this.phenomena.map((p) => p.name);
    const cps = this.gridCps.filter((cp, k) => this.gridCps.indexOf(cp) === k);
    if (names.length === 0 || cps.length === 0) return;
    let grid: Record<string, BlanketView | string>;
    try {
      const result = await api.getBlankets(
        { checkpointId, planeSetId, plane, phenomena: names, cps, scope: 'last' },
        { signal },
      );
      grid = {};
      result.blankets.forEach((entry, k) => {
        const name = names[Math.floor(k / cps.length)];
        grid[`${cps[k % cps.length]}|${name}`] = { checkpointId, planeSetId, plane, ...entry };
      });
    } catch (error) {
      if (isCancelled(error)) return;
      const message = errorText(error);
      grid = {};
      for (const cp of cps) for (const name of names) grid[`${cp}|${name}`] = message;
    }
    if (seq !== this.seq.grid) return;
    this.grid = grid;
  }

  async setCompare(modelId: number | null, checkpointId: number | null = null): Promise<void> {
    if (modelId === null) {
      this.b = null;
      return;
    }
    try {
      const model = await api.getModel({ id: modelId });
      this.b = {
        ...emptySide(),
        model,
        checkpointId: checkpointId ?? model.checkpoints.at(-1)?.id ?? null,
      };
      await this.loadSide('b');
      if (this.mode === 'blanket') await this.loadBlankets();
    } catch (error) {
      lab.error(error, 'Opening the second model failed');
    }
  }
}
