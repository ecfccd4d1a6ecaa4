/**
 * SQLite's "database is locked" (SQLITE_BUSY: another connection held the write lock
 * past the busy timeout) said as what it means to someone at the command line.
 */
export const BUSY_MESSAGE =
  'the zoo is busy: another MBH Lab process (the desktop app, `mbh-lab serve` or a running experiment) kept it locked for too long; try again when it is idle';

export function isBusyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return (
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) ||
    /\bdatabase is locked\b/i.test(error.message)
  );
}

/** What Ctrl-C does to the jobs of a command that runs them, in numbers. */
export function stopMessage(running: number, queued: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (running === 0 && queued === 0) return 'stopping: no job was running or waiting\n';
  const parts: string[] = [];
  if (running > 0)
    parts.push(
      `${plural(running, 'running job')} stop${running === 1 ? 's' : ''} at ${running === 1 ? 'its' : 'their'} last snapshot and go${running === 1 ? 'es' : ''} back to the queue`,
    );
  if (queued > 0)
    parts.push(`${plural(queued, 'queued job')} stay${queued === 1 ? 's' : ''} queued`);
  return `stopping: ${parts.join('; ')}. Nothing finished is lost; \`mbh-lab jobs resume\` (or opening the lab) continues them.\n`;
}
