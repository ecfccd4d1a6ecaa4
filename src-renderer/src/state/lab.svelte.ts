/**
 * The lab connection as the UI sees it: service info (shell, backend), connection state,
 * and toasts for errors that belong to no form field.
 */
import { api } from '../api/index.ts';
import type { DatasetSummary, ExperimentPreset, LabInfo } from '../../../src-shared/api/dto.ts';
import { errorText } from '../lib/format.ts';

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  text: string;
}

class LabState {
  info = $state<LabInfo | null>(null);
  infoError = $state<string | null>(null);
  connected = $state(api.transport.connected);
  datasets = $state.raw<DatasetSummary[]>([]);
  /** The experiment presets of resources/presets, the same the CLI runs by name. */
  presets = $state.raw<ExperimentPreset[]>([]);
  toasts = $state<Toast[]>([]);
  private nextToast = 1;

  constructor() {
    api.transport.onConnectionChange((connected) => {
      this.connected = connected;
      if (connected) void this.load();
    });
  }

  async load(): Promise<void> {
    try {
      this.info = await api.info({});
      this.connected = api.transport.connected;
      this.infoError = null;
      this.datasets = await api.listDatasets({});
      this.presets = await api.listPresets({});
    } catch (error) {
      this.infoError = errorText(error);
    }
  }

  datasetName(id: string): string {
    return this.datasets.find((d) => d.id === id)?.name ?? id;
  }

  toast(text: string, kind: Toast['kind'] = 'info', ms = kind === 'error' ? 8_000 : 3_500): void {
    const toast = { id: this.nextToast++, kind, text };
    this.toasts = [...this.toasts.slice(-4), toast];
    setTimeout(() => this.dismiss(toast.id), ms);
  }

  error(error: unknown, context?: string): void {
    this.toast(context ? `${context}: ${errorText(error)}` : errorText(error), 'error');
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }
}

export const lab = new LabState();
