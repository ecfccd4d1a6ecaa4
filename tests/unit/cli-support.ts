/** In-process runs of the mbh-lab command line against a temporary lab home. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { main } from '../../src-main/cli/main.ts';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `mbh-lab ...args` in this process, capturing what it prints. */
export async function mbh(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { status, stdout, stderr };
}

/**
 * A fresh folder that is the lab's home (MBH_LAB_HOME: zoo and dataset caches) for the
 * calling test file; the previous home is restored and the folder removed afterwards.
 */
export function tempLabHome(prefix: string): { dir: string; zoo: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const previousHome = process.env.MBH_LAB_HOME;
  process.env.MBH_LAB_HOME = dir;
  afterAll(() => {
    if (previousHome === undefined) delete process.env.MBH_LAB_HOME;
    else process.env.MBH_LAB_HOME = previousHome;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, zoo: join(dir, 'zoo.sqlite') };
}
