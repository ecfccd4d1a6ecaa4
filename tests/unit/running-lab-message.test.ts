import { describe, expect, it } from 'vitest';
import {
  alreadyServedMessage,
  ignoredWorkersWarning,
  sinceText,
} from '../../src-main/hub/running-lab.ts';
import type { HubAdvert } from '../../src-main/hub/discovery.ts';

const started = '2026-12-01T09:40:12.345Z';

describe('which lab runs on a zoo, in words', () => {
  it('says since when, to the minute, and how long ago', () => {
    expect(sinceText(started, new Date('2026-12-01T09:40:40Z'))).toBe(
      '2026-12-01 09:40 UTC (less than a minute ago)',
    );
    expect(sinceText(started, new Date('2026-12-01T09:41:13Z'))).toBe(
      '2026-12-01 09:40 UTC (1 minute ago)',
    );
    expect(sinceText(started, new Date('2026-12-01T11:39:13Z'))).toBe(
      '2026-12-01 09:40 UTC (119 minutes ago)',
    );
    expect(sinceText(started, new Date('2026-12-02T09:40:13Z'))).toBe(
      '2026-12-01 09:40 UTC (24 hours ago)',
    );
    expect(sinceText('yesterday', new Date())).toBe('yesterday');
  });

  const advert: HubAdvert = {
    format: 'mbh-lab-hub',
    version: 1,
    url: 'ws://127.0.0.1:40123/api',
    port: 40123,
    pid: 4321,
    token: 't'.repeat(43),
    appVersion: '1.0.0',
    shell: 'browser',
    zooFile: '/labs/zoo.sqlite',
    home: '/labs',
    startedAt: started,
  };
  const now = new Date('2026-12-01T09:52:00Z');

  it('sends a second serve to the running one’s page, or tells how to stop it', () => {
    expect(
      alreadyServedMessage({ ...advert, browserUrl: 'http://127.0.0.1:5000/?token=abc' }, now),
    ).toBe(
      'the zoo /labs/zoo.sqlite is already served by mbh-lab serve (pid 4321, since 2026-12-01 09:40 UTC (11 minutes ago)) at http://127.0.0.1:5000/?token=abc: open that address in a browser (it is the same lab), or stop that process (Ctrl-C in its terminal, or kill 4321) and run mbh-lab serve again',
    );
    // An advert from before page addresses were kept still names the lab's endpoint.
    expect(alreadyServedMessage(advert, now)).toContain(
      'at its address (printed when it started; api ws://127.0.0.1:40123/api): open that address',
    );
    expect(alreadyServedMessage({ ...advert, shell: 'electron' }, now)).toBe(
      'the zoo /labs/zoo.sqlite is already open in the MBH Lab desktop app (pid 4321, since 2026-12-01 09:40 UTC (11 minutes ago); mbh-lab commands reach it at ws://127.0.0.1:40123/api): use its window, or quit the desktop app and run mbh-lab serve again',
    );
  });

  it('warns that --workers is ignored only when a running lab runs the jobs', () => {
    expect(ignoredWorkersWarning({ kind: 'hub', pid: 7, url: advert.url, shell: 'electron' })).toBe(
      'mbh-lab: --workers is ignored: jobs run on the lab at ws://127.0.0.1:40123/api, which uses its own workers (the desktop app, pid 7)\n',
    );
    expect(ignoredWorkersWarning({ kind: 'here', readOnly: false })).toBe('');
  });
});
