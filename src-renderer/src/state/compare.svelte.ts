/**
 * The compare view's state: rows from api.compare, the chosen figure and its settings
 * (the tracker's curves, the thesis figures), the run table's filter, sort and metric
 * columns, picks and baseline, the parallel-coordinates brush, and saved views.
 */
import { api } from '../api/index.ts';
import type { CompareViewState, CompareViewSummary } from '../../../src-shared/api/compare-view.ts';
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { mapBy } from '../lib/collections.ts';
import { filterRows } from '../lib/compare-table.ts';
import { DEFAULT_CURVE_SETTINGS, type CurveSettings } from '../lib/curves.ts';
import type { FigureId, FigureSettings } from '../lib/figures.ts';
import { errorText } from '../lib/format.ts';
import { measuredCps } from '../lib/groups.ts';
import type { MetricColumn } from '../lib/run-metrics.ts';
import { recordedIterations } from '../lib/run-metrics.ts';
import { DEFAULT_METRIC_COLUMNS, sortTable, type TableSortKey } from '../lib/runs-table.ts';

export type CompareFigure = 'curves' | 'parallel' | FigureId;

export class CompareState {
  rows = $state.raw<CompareRow[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  figure = $state<CompareFigure>('curves');
  settings = $state<FigureSettings>({ cp: 0.8, logX: false, showAll: false, trainingMetric: 's' });
  curves = $state<Omit<CurveSettings, 'cp' | 'maxPoints'>>({
    metric: DEFAULT_CURVE_SETTINGS.metric,
    logX: false,
    logY: false,
    smoothing: DEFAULT_CURVE_SETTINGS.smoothing,
    groupBy: DEFAULT_CURVE_SETTINGS.groupBy,
    band: DEFAULT_CURVE_SETTINGS.band,
  });
  columns = $state<MetricColumn[]>(DEFAULT_METRIC_COLUMNS.map((column) => ({ ...column })));
  /** The iteration of "at iteration" columns. */
  at = $state(0);
  sortKey = $state<TableSortKey>('architecture');
  descending = $state(true);
  filter = $state('');
  picked = $state<number[]>([]);
  baseline = $state<number | null>(null);
  diffOnly = $state(false);
  chartPickedOnly = $state(false);
  /** Model ids inside every parallel-coordinates brush; null when nothing is brushed. */
  brushed = $state.raw<ReadonlySet<number> | null>(null);
  views = $state.raw<CompareViewSummary[]>([]);
  /** The saved view shown (its name), null for an unsaved state. */
  viewId = $state<number | null>(null);
  private seq = 0;

  cps = $derived(measuredCps(this.rows));
  iterations = $derived(recordedIterations(this.rows));
  tableContext = $derived({ columns: this.columns, cp: this.settings.cp, at: this.at });
  /** The run table's rows: filtered, brushed, sorted. */
  shown = $derived.by(() => {
    const filtered = filterRows(this.rows, this.filter);
    const brushed = this.brushed;
    const kept = brushed ? filtered.filter((row) => brushed.has(row.modelId)) : filtered;
    return sortTable(kept, this.sortKey, this.descending, this.tableContext);
  });
  /** Rows the parallel coordinates draw: filtered, not brushed (brushing happens on them). */
  filtered = $derived(filterRows(this.rows, this.filter));
  pickedRows = $derived.by(() => {
    const byId = mapBy(this.rows, (r) => r.modelId);
    const list = this.picked
      .map((id) => byId.get(id))
      .filter((r): r is CompareRow => r !== undefined);
    const base = list.findIndex((r) => r.modelId === this.baseline);
    if (base > 0) list.unshift(...list.splice(base, 1));
    return list;
  });
  chartRows = $derived(
    this.chartPickedOnly && this.picked.length > 0 ? this.pickedRows : this.shown,
  );
  curveSettings = $derived<CurveSettings>({
    ...this.curves,
    cp: this.settings.cp,
    maxPoints: DEFAULT_CURVE_SETTINGS.maxPoints,
  });

  async load(scope: { projectId?: number; experimentIds?: number[] }): Promise<void> {
    const seq = ++this.seq;
    this.loading = true;
    try {
      const rows = await api.compare(scope);
      if (seq !== this.seq) return;
      this.rows = rows;
      this.error = null;
      const present = mapBy(rows, (r) => r.modelId);
      this.picked = this.picked.filter((id) => present.has(id));
      if (this.cps.length > 0 && !this.cps.includes(this.settings.cp))
        this.settings.cp = this.cps.includes(0.8) ? 0.8 : this.cps[0];
    } catch (error) {
      if (seq === this.seq) this.error = errorText(error);
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  sortBy(key: TableSortKey): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else {
      this.sortKey = key;
      this.descending = key !== 'name' && key !== 'dataset' && key !== 'pruning';
    }
  }

  toggle(modelId: number): void {
    this.picked = this.picked.includes(modelId)
      ? this.picked.filter((id) => id !== modelId)
      : [...this.picked, modelId];
    if (this.baseline !== null && !this.picked.includes(this.baseline)) this.baseline = null;
  }

  /** What a saved view keeps. */
  snapshot(experimentId: number | null): CompareViewState {
    return {
      figure: this.figure,
      experimentId,
      filter: this.filter,
      curves: { ...this.curves },
      figures: {
        logX: this.settings.logX,
        showAll: this.settings.showAll,
        trainingMetric: this.settings.trainingMetric,
      },
      cp: this.settings.cp,
      picked: [...this.picked],
      baseline: this.baseline,
      columns: this.columns.map((column) => ({ ...column })),
      at: this.at,
      sortKey: this.sortKey,
      descending: this.descending,
      diffOnly: this.diffOnly,
      pickedOnly: this.chartPickedOnly,
    };
  }

  /** Shows a saved view (its scope is the caller's to apply). */
  apply(view: CompareViewSummary): void {
    const state = view.state;
    this.viewId = view.id;
    this.figure = state.figure;
    this.filter = state.filter;
    this.curves = { ...state.curves };
    this.settings = { ...state.figures, cp: state.cp };
    this.picked = [...state.picked];
    this.baseline = state.baseline;
    this.columns = state.columns.map((column) => ({ ...column }));
    this.at = state.at;
    this.sortKey = state.sortKey as TableSortKey;
    this.descending = state.descending;
    this.diffOnly = state.diffOnly;
    this.chartPickedOnly = state.pickedOnly;
    this.brushed = null;
  }

  /** Loads the project's saved views; shows its default one when asked (on opening). */
  async loadViews(projectId: number, showDefault: boolean): Promise<CompareViewSummary | null> {
    this.views = await api.listCompareViews({ projectId });
    const chosen = showDefault ? (this.views.find((view) => view.isDefault) ?? null) : null;
    if (chosen) this.apply(chosen);
    return chosen;
  }

  async saveView(
    projectId: number,
    name: string,
    experimentId: number | null,
    makeDefault: boolean,
  ): Promise<CompareViewSummary> {
    const saved = await api.saveCompareView({
      projectId,
      name,
      state: this.snapshot(experimentId),
      makeDefault,
    });
    this.views = await api.listCompareViews({ projectId });
    this.viewId = saved.id;
    return saved;
  }

  async setDefault(projectId: number, id: number | null): Promise<void> {
    this.views = await api.setDefaultCompareView({ projectId, ...(id === null ? {} : { id }) });
  }

  async deleteView(projectId: number, id: number): Promise<void> {
    await api.deleteCompareView({ id });
    if (this.viewId === id) this.viewId = null;
    this.views = await api.listCompareViews({ projectId });
  }
}
