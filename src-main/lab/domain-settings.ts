/**
 * The hub settings (issue 9 §2): the Redis a running lab queues jobs in for remote
 * workers, and whether its own threads train too. Saved in the zoo's settings (beside the
 * lab's limits) and applied at runtime: a new Redis is tested and connected first, then
 * the running jobs go back to the queue at their last state while the dispatch changes,
 * and start again on the new one — nothing is lost, and nothing runs on a dispatch that
 * goes away. MBH_LAB_REDIS and `mbh-lab serve --redis` override the saved settings for
 * the run they start (saving still works; it applies once the lab starts without them).
 *
 * The saved URL keeps its password (the zoo is the lab's own file); every answer shows it
 * as `***`, and `***` coming back means the saved password, for the same server only.
 * Nothing here loads ioredis or BullMQ until a Redis is configured or tested.
 */
import type { Params, Results } from '../../src-shared/api/contract.ts';
import {
  redactRedisUrl,
  withSavedPassword,
  type HubSettingsView,
  type HubSource,
} from '../../src-shared/api/hub-settings.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import type { HubRemote } from '../remote/hub-wiring.ts';
import type { LabService } from './service.ts';

/** The zoo setting the hub settings are kept under. */
const SETTINGS_KEY = 'hub';
/** How long running jobs get to stop at their snapshot before a dispatch is closed under them. */
const STOP_GRACE_MS = 15_000;
/** The BullMQ queue's name when the lab's options name none. */
const DEFAULT_QUEUE = 'mbh-lab';

interface SavedHub {
  redis: string;
  localWorkers: boolean;
}

export class LabHub {
  /** Where the running hub's Redis comes from. */
  private source: HubSource = 'none';
  /** The Redis URL the running dispatch uses (with its password: never answered as is). */
  private activeUrl: string | null = null;
  /** Why the saved Redis could not be connected when the lab started. */
  private failure: string | null = null;
  private queue = DEFAULT_QUEUE;
  /** Changes run one after another (two windows may apply at once). */
  private changing: Promise<unknown> = Promise.resolve();

  constructor(private readonly lab: LabService) {}

  /** A Redis the lab was opened with (serve's --redis or MBH_LAB_REDIS). */
  openedWith(url: string, source: 'flag' | 'environment', queue: string | undefined): void {
    this.activeUrl = url;
    this.source = source;
    this.queue = queue ?? DEFAULT_QUEUE;
  }

  /**
   * At start: connects the saved Redis, if any. A Redis that cannot be reached does not
   * keep the lab from starting: jobs run here and the settings say why (status 'failed').
   */
  async connectSaved(queue: string | undefined): Promise<void> {
    this.queue = queue ?? DEFAULT_QUEUE;
    const saved = this.saved();
    if (saved === null) return;
    try {
      const remote = await this.tested(saved);
      if (typeof remote === 'string') {
        this.failure = remote;
        return;
      }
      this.lab.attachRemote(remote);
      this.activeUrl = saved.redis;
      this.source = 'settings';
    } catch (error) {
      this.failure = (error as Error).message;
    }
  }

  async getHubSettings(params: Params<'getHubSettings'>): Promise<Results['getHubSettings']> {
    this.lab.check('getHubSettings', params);
    return this.view();
  }

  /**
   * Saves the hub settings and applies them now: '' turns remote dispatch off (every job
   * runs here); a URL is tested first, and a failure (in words: DNS, refused, auth, TLS…)
   * changes nothing. While MBH_LAB_REDIS or --redis rules, they are only saved.
   */
  async setHubSettings(params: Params<'setHubSettings'>): Promise<Results['setHubSettings']> {
    const checked = this.lab.check('setHubSettings', params);
    const run = this.changing.then(() => this.apply(checked));
    this.changing = run.catch(() => {});
    return run;
  }

  async testRedisConnection(
    params: Params<'testRedisConnection'>,
  ): Promise<Results['testRedisConnection']> {
    const { redis } = this.lab.check('testRedisConnection', params);
    const url = withSavedPassword(redis, this.saved()?.redis ?? null, 'params.redis');
    const { probeRedis } = await import('../remote/redis-probe.ts');
    return probeRedis(url, this.queue);
  }

  private async apply(params: Params<'setHubSettings'>): Promise<HubSettingsView> {
    const saved = this.saved();
    const next: SavedHub | null =
      params.redis === ''
        ? null
        : {
            redis: withSavedPassword(params.redis, saved?.redis ?? null, 'params.redis'),
            localWorkers: params.localWorkers,
          };
    const overridden = this.source === 'flag' || this.source === 'environment';
    const current = this.lab.remote;
    const unchanged =
      next === null
        ? current === null
        : current !== null &&
          this.activeUrl === next.redis &&
          current.dispatch.localWorkers === this.localWorkers(next);
    if (!overridden && !unchanged) {
      const remote = next === null ? null : await this.tested(next);
      if (typeof remote === 'string') throw new ValidationError('params.redis', remote);
      await this.lab.scheduler.requeueRunning(
        async () => {
          this.lab.attachRemote(remote);
          await current?.close();
        },
        // A remote run cannot hear its stop while Redis is away: closing the old
        // dispatch ends it (back to the queue) rather than waiting forever.
        current ? { afterMs: STOP_GRACE_MS, run: () => current.close() } : undefined,
      );
      this.activeUrl = next?.redis ?? null;
      this.source = next === null ? 'none' : 'settings';
    }
    if (!overridden) this.failure = null;
    this.lab.zoo.settings.set(SETTINGS_KEY, next);
    return this.view();
  }

  /**
   * Connects `hub` after a quick test (which fails fast, where the hub's own connection
   * would retry); the test's words when it fails.
   */
  private async tested(hub: SavedHub): Promise<HubRemote | string> {
    const { probeRedis } = await import('../remote/redis-probe.ts');
    const probe = await probeRedis(hub.redis, this.queue);
    return probe.ok ? this.connect(hub) : probe.message;
  }

  private async connect(hub: SavedHub): Promise<HubRemote> {
    const { HubRemote } = await import('../remote/hub-wiring.ts');
    return HubRemote.connect({
      redis: hub.redis,
      queue: this.queue,
      home: this.lab.paths.home,
      localWorkers: this.localWorkers(hub),
    });
  }

  /** The lab's own training threads under `hub`: its pool, or none (remote workers only). */
  private localWorkers(hub: SavedHub): number {
    return hub.localWorkers ? this.lab.scheduler.workers : 0;
  }

  private saved(): SavedHub | null {
    const value = this.lab.zoo.settings.get<SavedHub | null>(SETTINGS_KEY);
    return value && typeof value.redis === 'string' ? value : null;
  }

  private view(): HubSettingsView {
    const saved = this.saved();
    const remote = this.lab.remote;
    return {
      redis: saved === null ? null : redactRedisUrl(saved.redis),
      localWorkers: saved?.localWorkers ?? true,
      source: this.source,
      active:
        remote === null || this.activeUrl === null
          ? null
          : {
              redis: redactRedisUrl(this.activeUrl),
              localWorkers: remote.dispatch.localWorkers,
              queue: this.queue,
            },
      status: remote !== null ? 'connected' : this.failure !== null ? 'failed' : 'off',
      error: remote === null ? this.failure : null,
      remoteWorkers: remote?.workers().length ?? 0,
    };
  }
}
