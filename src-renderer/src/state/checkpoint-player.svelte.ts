/**
 * The plane viewer's checkpoint slider and play button (figure 6.8's story on one plane):
 * the partitions of every stored checkpoint are computed ahead, one after another, by the
 * lab's measure workers (which keep them in the lab's partition cache), so stepping or
 * playing redraws from the cache instead of waiting for each partition.
 */
import { api } from '../api/index.ts';
import { errorText } from '../lib/format.ts';

/** The next animation frame (so each checkpoint is drawn before the next is shown). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

export class CheckpointPlayer {
  playing = $state(false);
  /** Checkpoints whose partition of the current plane is ready, of `total`. */
  ready = $state(0);
  total = $state(0);
  error = $state<string | null>(null);
  private prefetchKey = '';

  /** Computes every checkpoint's partition of a plane ahead (once per plane). */
  async prefetch(
    checkpointIds: readonly number[],
    planeSetId: number,
    plane: number,
  ): Promise<void> {
    const key = `${planeSetId}:${plane}:${checkpointIds.join(',')}`;
    if (key === this.prefetchKey) return;
    this.prefetchKey = key;
    this.ready = 0;
    this.total = checkpointIds.length;
    this.error = null;
    for (const checkpointId of checkpointIds) {
      if (this.prefetchKey !== key) return;
      try {
        await api.getPartition({ checkpointId, planeSetId, plane });
      } catch (failure) {
        this.error = errorText(failure);
        return;
      }
      if (this.prefetchKey === key) this.ready++;
    }
  }

  /** Shows the checkpoints from `from` to the last, one frame each, until stopped. */
  async play(
    checkpointIds: readonly number[],
    from: number,
    show: (checkpointId: number) => Promise<void>,
  ): Promise<void> {
    this.playing = true;
    const start = from >= checkpointIds.length - 1 ? 0 : from;
    for (let index = start; index < checkpointIds.length && this.playing; index++) {
      await show(checkpointIds[index]);
      await nextFrame();
    }
    this.playing = false;
  }

  stop(): void {
    this.playing = false;
  }
}
