/**
 * The hub settings in words for the settings dialog: the state of the lab's remote
 * dispatch, who decides it (these settings, MBH_LAB_REDIS, serve's --redis), and the
 * Redis URL field's own check (the same rule the lab applies, before a round trip).
 */
import {
  HIDDEN_PASSWORD,
  parseRedisUrl,
  type HubSettingsView,
} from '../../../src-shared/api/hub-settings.ts';

export interface HubStatus {
  tone: 'ok' | 'off' | 'error';
  text: string;
}

function workersText(count: number): string {
  return count === 0
    ? 'no remote worker yet'
    : count === 1
      ? '1 remote worker'
      : `${count} remote workers`;
}

export function hubStatus(view: HubSettingsView): HubStatus {
  if (view.status === 'connected' && view.active) {
    const own =
      view.active.localWorkers === 0
        ? 'remote workers only'
        : `this lab also trains ${view.active.localWorkers} at once`;
    return {
      tone: 'ok',
      text: `connected: jobs go to queue ${view.active.queue} at ${view.active.redis} (${workersText(view.remoteWorkers)}; ${own})`,
    };
  }
  if (view.status === 'failed')
    return {
      tone: 'error',
      text: `not connected: ${view.error ?? 'the saved Redis could not be reached'}; every job runs in this lab meanwhile`,
    };
  return { tone: 'off', text: 'off: every job runs in this lab' };
}

/** Why the form does not rule the running lab, or null when it does. */
export function overrideNotice(view: HubSettingsView): string | null {
  if (view.source === 'environment')
    return 'MBH_LAB_REDIS is set for this lab and overrides these settings until the lab starts without it; what you save here is kept for then.';
  if (view.source === 'flag')
    return 'mbh-lab serve was started with --redis, which overrides these settings until it starts without it; what you save here is kept for then.';
  return null;
}

/** The URL field's problem in words, or null ('' is fine: no Redis). */
export function redisFieldProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const parts = parseRedisUrl(trimmed);
  return typeof parts === 'string' ? parts : null;
}

export const PASSWORD_HINT = `The password shows as ${HIDDEN_PASSWORD}: leave it to keep the saved one. rediss:// for TLS. Empty: no remote workers.`;
