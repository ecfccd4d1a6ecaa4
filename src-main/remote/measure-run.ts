/**
 * A remote worker's side of a measure run: the run's input (checked by
 * decodeMeasurePayload) is measured in a measure worker thread with the same requests a
 * local measure job makes ('exactPatterns' when the hub has no stored patterns, then
 * 'measure' per checkpoint), and every plane's results go to the hub as they come. The
 * worker writes nothing; a run taken over after its worker died starts again from its
 * first plane, and the hub writes each plane once.
 */
import type { ExactPatternMessage } from '../analyses/exact-protocol.ts';
import type { MeasureWorker } from '../jobs/measure-client.ts';
import type { WarmMeasureWorkers } from '../jobs/measure-job.ts';
import type { PlaneMessage } from '../workers/measure-protocol.ts';
import type { MeasurePayload, MeasureRunMessage, MeasureStatus } from './measure-wire.ts';

export interface MeasureRunOptions {
  /** The remote worker's measure threads (reading its lab folder's dataset cache), kept warm. */
  threads: WarmMeasureWorkers;
  /** The run's id: the measure worker's pattern cache keys. */
  run: string;
  payload: MeasurePayload;
  /** Sends one message to the hub (the caller keeps them in order). */
  send(message: MeasureRunMessage): void;
  /** Planes measured so far of all the run asks for. */
  onProgress(done: number, total: number): void;
}

export class MeasureRun {
  private stopped: MeasureStatus | null = null;
  private worker: MeasureWorker | null = null;

  constructor(private readonly options: MeasureRunOptions) {}

  /** Stops the run at once: the measure worker is stopped, not waited for. */
  stop(kind: 'pause' | 'cancel'): void {
    this.stopped ??= kind === 'cancel' ? 'cancelled' : 'paused';
    void this.worker?.terminate();
  }

  /** Measures every checkpoint's planes; resolves with how the run ended. */
  async run(): Promise<MeasureStatus> {
    if (this.stopped) return this.stopped;
    const { payload, send } = this.options;
    const planes = new Map<number, PlaneMessage>(
      payload.planes.map((plane) => [plane.index, plane]),
    );
    const total = payload.checkpoints.reduce((sum, entry) => sum + entry.planes.length, 0);
    let done = 0;
    const worker = this.options.threads.acquire();
    this.worker = worker;
    try {
      for (const checkpoint of payload.checkpoints) {
        if (this.stopped) break;
        const network = {
          widths: payload.widths,
          weights: checkpoint.weights,
          biases: checkpoint.biases,
          masks: checkpoint.masks,
        };
        const patternKey = `remote:${this.options.run}:${checkpoint.id}`;
        let exact: ExactPatternMessage[] | null = checkpoint.exact;
        if (payload.exactTimeLimit !== null && exact === null) {
          exact = await worker.request<ExactPatternMessage[]>({
            type: 'exactPatterns',
            patternKey,
            network,
            datasetId: payload.datasetId,
            phenomena: payload.phenomena,
            cps: payload.cps,
            scope: payload.scope,
            timeLimit: payload.exactTimeLimit,
          });
          send({ type: 'exactPatterns', checkpointId: checkpoint.id, patterns: exact });
        }
        await worker.request<null>(
          {
            type: 'measure',
            patternKey,
            network,
            datasetId: payload.datasetId,
            planes: checkpoint.planes.map((index) => planes.get(index)!),
            maxRegions: payload.maxRegions,
            phenomena: payload.phenomena,
            cps: payload.cps,
            scope: payload.scope,
            exact,
          },
          {
            onPlane: (result) => {
              // eslint-disable-next-line @typescript-eslint/no-unused-vars
              const { type, id, ...cells } = result;
              send({ type: 'plane', checkpointId: checkpoint.id, ...cells });
              this.options.onProgress(++done, total);
            },
          },
        );
      }
    } catch (error) {
      void worker.terminate();
      if (this.stopped) return this.stopped;
      throw error;
    }
    // A stopped run's thread was stopped with it; a finished one stays warm for the next.
    if (this.stopped) return this.stopped;
    this.options.threads.release(worker);
    return 'completed';
  }
}
