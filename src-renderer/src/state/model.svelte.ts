/** The model view's data: detail, mask heatmap and plane sets, reloaded when the zoo changes. */
import { api } from '../api/index.ts';
import type { MaskHeatmap, ModelDetail, PlaneSetSummary } from '../../../src-shared/api/dto.ts';
import { errorText } from '../lib/format.ts';
import { lab } from './lab.svelte.ts';

export class ModelPage {
  detail = $state.raw<ModelDetail | null>(null);
  heatmap = $state.raw<MaskHeatmap | null>(null);
  heatmapError = $state<string | null>(null);
  planeSets = $state.raw<PlaneSetSummary[]>([]);
  error = $state<string | null>(null);
  loading = $state(false);
  private seq = 0;

  async load(id: number, quiet = false): Promise<void> {
    const seq = ++this.seq;
    if (!quiet) this.loading = true;
    try {
      const detail = await api.getModel({ id });
      if (seq !== this.seq) return;
      const sameModel = this.detail?.id === id;
      this.detail = detail;
      this.error = null;
      if (!sameModel || !this.heatmap) {
        api.getMaskHeatmap({ modelId: id }).then(
          (heatmap) => {
            if (seq === this.seq) {
              this.heatmap = heatmap;
              this.heatmapError = null;
            }
          },
          (error) => {
            if (seq === this.seq) this.heatmapError = errorText(error);
          },
        );
      }
      this.planeSets = await api.listPlaneSets({ datasetId: detail.datasetId });
    } catch (error) {
      if (seq === this.seq) this.error = errorText(error);
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  async measure(planeSetId: number, allCheckpoints: boolean): Promise<void> {
    if (!this.detail) return;
    try {
      const jobs = await api.measureModel({ modelId: this.detail.id, planeSetId, allCheckpoints });
      lab.toast(`Queued ${jobs.length} measurement job${jobs.length === 1 ? '' : 's'}`, 'success');
    } catch (error) {
      lab.error(error, 'Measure failed');
    }
  }

  /**
   * Lists a plane set the planes dialog made or found (the same request gives the same
   * shared set, which may be listed already).
   */
  addPlaneSet(set: PlaneSetSummary): void {
    const known = this.planeSets.some((s) => s.id === set.id);
    this.planeSets = known
      ? this.planeSets.map((s) => (s.id === set.id ? set : s))
      : [...this.planeSets, set];
    lab.toast(
      known
        ? `Plane set ${set.id} exists already: the same planes, shared`
        : `Plane set ${set.id}: ${set.planes.length} planes`,
      'success',
    );
  }
}
