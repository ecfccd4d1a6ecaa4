/**
 * Which lab already runs on a zoo, in words: a second `mbh-lab serve` (or desktop app) on
 * a zoo that a lab serves cannot open it (one writer per zoo), and the zoo's lock alone
 * says only "pid N". The lab's discovery file (discovery.ts) says what it is, where it is
 * and since when, so the refusal can tell the user what to do instead.
 */
import { resolve } from 'node:path';
import type { LabWhere } from '../cli/lab-connection.ts';
import { processAlive, readDiscovery, type HubAdvert } from './discovery.ts';

/** The advert of the live lab on `zooFile`, or null when none is running (or it is stale). */
export function runningLab(zooFile: string): HubAdvert | null {
  const file = resolve(zooFile);
  const advert = readDiscovery(file);
  if (advert === null || resolve(advert.zooFile) !== file || !processAlive(advert.pid)) return null;
  return advert;
}

/** "2026-12-01 09:40 UTC (12 minutes ago)"; the advert's own text when it is not a date. */
export function sinceText(startedAt: string, now: Date): string {
  const started = new Date(startedAt);
  if (Number.isNaN(started.getTime())) return startedAt;
  const clock = `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const minutes = Math.max(0, Math.floor((now.getTime() - started.getTime()) / 60_000));
  const ago =
    minutes < 1
      ? 'less than a minute ago'
      : minutes < 120
        ? `${minutes} minute${minutes === 1 ? '' : 's'} ago`
        : `${Math.floor(minutes / 60)} hours ago`;
  return `${clock} (${ago})`;
}

/**
 * Why `mbh-lab serve` cannot serve a zoo that `advert`'s lab serves, and what to do: open
 * the running lab's address instead (it is the same lab), or stop it first.
 */
export function alreadyServedMessage(advert: HubAdvert, now = new Date()): string {
  const since = sinceText(advert.startedAt, now);
  if (advert.shell === 'electron') {
    return (
      `the zoo ${advert.zooFile} is already open in the MBH Lab desktop app (pid ${advert.pid}, since ${since}; ` +
      `mbh-lab commands reach it at ${advert.url}): use its window, or quit the desktop app and run mbh-lab serve again`
    );
  }
  const address = advert.browserUrl ?? `its address (printed when it started; api ${advert.url})`;
  return (
    `the zoo ${advert.zooFile} is already served by mbh-lab serve (pid ${advert.pid}, since ${since}) at ${address}: ` +
    `open that address in a browser (it is the same lab), or stop that process (Ctrl-C in its terminal, or kill ${advert.pid}) and run mbh-lab serve again`
  );
}

/**
 * Why --workers changes nothing beside a running lab: that lab's scheduler runs the jobs
 * with the pool it was started with. Said on stderr, so --json output stays clean.
 */
export function ignoredWorkersWarning(where: LabWhere): string {
  if (where.kind !== 'hub') return '';
  const kind = where.shell === 'electron' ? 'the desktop app' : '`mbh-lab serve`';
  return `mbh-lab: --workers is ignored: jobs run on the lab at ${where.url}, which uses its own workers (${kind}, pid ${where.pid})\n`;
}
