/** Small helpers shared by the engine commands: the io contract, errors, flag values. */

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * The one line of an error message the CLI prints. node:util's parseArgs calls a value
 * starting with '-' (`--seed -1`) "ambiguous" on its first line and gives the fix on the
 * third: say both at once.
 */
export function oneLine(message: string): string {
  const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous\./.exec(message);
  if (ambiguous) {
    const flag = ambiguous[1];
    return `${flag}: a value that starts with '-' must be written ${flag}=VALUE`;
  }
  return message.split('\n')[0];
}

/** Reports an error as one line on stderr; returns the exit code (2 = bad input). */
export function failure(command: string, error: unknown, io: Io): number {
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`mbh-lab ${command}: ${oneLine(message)}\n`);
  return 2;
}

/** `--box LOW,HIGH`. */
export function parseBox(text: string): { low: number; high: number } {
  const parts = text.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0] < parts[1])) {
    throw new Error(`--box: expected LOW,HIGH with LOW < HIGH, got "${text}"`);
  }
  return { low: parts[0], high: parts[1] };
}

/** `--cp 0.75,0.8,…`: numbers in [0, 1]. */
export function parseCps(text: string): number[] {
  const cps = text.split(',').map((part) => part.trim());
  return cps.map((part, index, parts) => {
    const value = Number(part);
    if (part === '' || !(value >= 0 && value <= 1)) {
      throw new Error(`--cp: "${part}" is not a coverage in [0, 1]`);
    }
    if (parts.slice(0, index).some((other) => Number(other) === value)) {
      throw new Error(`--cp: ${value} is listed twice`);
    }
    return value;
  });
}
