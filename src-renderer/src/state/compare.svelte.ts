/** The compare view: rows from api.compare, the chosen figure and its settings, picks. */
import { api } from '../api/index.ts';
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { mapBy } from '../lib/collections.ts';
import { filterRows, sortRows, type SortKey } from '../lib/compare-table.ts';
import type { FigureId, FigureSettings } from '../lib/figures.ts';
import { errorText } from '../lib/format.ts';
import { measuredCps } from '../lib/groups.ts';

export class CompareState {
  rows = $state.raw<CompareRow[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  figure = $state<FigureId>('acc-density');
  settings = $state<FigureSettings>({ cp: 0.8, logX: false, showAll: false, trainingMetric: 's' });
  sortKey = $state<SortKey>('architecture');
  descending = $state(true);
  filter = $state('');
  picked = $state<number[]>([]);
  baseline = $state<number | null>(null);
  diffOnly = $state(false);
  chartPickedOnly = $state(false);
  private seq = 0;

  cps = $derived(measuredCps(this.rows));
  shown = $derived(
    sortRows(filterRows(this.rows, this.filter), this.sortKey, this.descending, this.settings.cp),
  );
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

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else {
      this.sortKey = key;
      this.descending = key !== 'name' && key !== 'dataset';
    }
  }

  toggle(modelId: number): void {
    this.picked = this.picked.includes(modelId)
      ? this.picked.filter((id) => id !== modelId)
      : [...this.picked, modelId];
    if (this.baseline !== null && !this.picked.includes(this.baseline)) this.baseline = null;
  }
}
