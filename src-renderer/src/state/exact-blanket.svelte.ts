/**
 * The plane viewer's exact-pattern blanket (appendix C.1) beside the greedy one: one cell
 * of getBlankets with `exact`, for the viewer's checkpoint, plane, phenomenon and cP. The
 * lab solves a checkpoint's exact patterns once and stores them; later cells are quick.
 */
import { api } from '../api/index.ts';
import type { BlanketEntry } from '../../../src-shared/api/dto.ts';
import { errorText } from '../lib/format.ts';

export interface ExactBlanketRequest {
  checkpointId: number;
  planeSetId: number;
  plane: number;
  phenomenon: string;
  cp: number;
}

export class ExactBlanketState {
  /** The greedy cell with its `exact` blanket, for the last request asked. */
  cell = $state.raw<BlanketEntry | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  private asked = 0;

  async load(request: ExactBlanketRequest): Promise<void> {
    const ticket = ++this.asked;
    this.loading = true;
    this.error = null;
    try {
      const grid = await api.getBlankets({
        checkpointId: request.checkpointId,
        planeSetId: request.planeSetId,
        plane: request.plane,
        phenomena: [request.phenomenon],
        cps: [request.cp],
        scope: 'last',
        exact: true,
      });
      if (ticket === this.asked) this.cell = grid.blankets[0] ?? null;
    } catch (failure) {
      if (ticket === this.asked) {
        this.cell = null;
        this.error = errorText(failure);
      }
    } finally {
      if (ticket === this.asked) this.loading = false;
    }
  }

  clear(): void {
    this.asked++;
    this.cell = null;
    this.error = null;
    this.loading = false;
  }
}
