/**
 * The CLI's words for a busy zoo (SQLite's "database is locked") and for what Ctrl-C does
 * to running and queued jobs, counted.
 */
import { describe, expect, it } from 'vitest';
import { BUSY_MESSAGE, isBusyError, stopMessage } from '../../src-main/cli/busy.ts';

describe('CLI messages', () => {
  it('recognises SQLite busy errors by code or message, nothing else', () => {
    expect(
      isBusyError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })),
    ).toBe(true);
    expect(isBusyError(Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe(true);
    expect(isBusyError(new Error('SqliteError: database is locked'))).toBe(true);
    expect(isBusyError(new Error('no such table: jobs'))).toBe(false);
    expect(isBusyError('database is locked')).toBe(false);
    expect(BUSY_MESSAGE).not.toContain('database is locked');
  });

  it('says what Ctrl-C does to running and queued jobs', () => {
    expect(stopMessage(2, 5)).toBe(
      'stopping: 2 running jobs stop at their last snapshot and go back to the queue; 5 queued jobs stay queued. Nothing finished is lost; `mbh-lab jobs resume` (or opening the lab) continues them.\n',
    );
    expect(stopMessage(0, 1)).toBe(
      'stopping: 1 queued job stays queued. Nothing finished is lost; `mbh-lab jobs resume` (or opening the lab) continues them.\n',
    );
    expect(stopMessage(0, 0)).toBe('stopping: no job was running or waiting\n');
  });
});
