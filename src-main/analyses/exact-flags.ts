/** The exact-pattern flags the CLI's measure forms share. */
import { DEFAULT_EXACT_TIME_LIMIT } from '../../src-shared/mbh/exact-pattern.ts';

/** Longest time a user may give one solver pass, in seconds (one hour). */
export const MAX_EXACT_TIME_LIMIT = 3600;

/** `--exact-time-limit SECONDS`: a positive number of seconds per solver pass. */
export function parseTimeLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_EXACT_TIME_LIMIT;
  const value = Number(text.trim());
  if (text.trim() === '' || !(value > 0 && value <= MAX_EXACT_TIME_LIMIT)) {
    throw new Error(
      `--exact-time-limit: expected seconds in (0, ${MAX_EXACT_TIME_LIMIT}], got "${text}"`,
    );
  }
  return value;
}
