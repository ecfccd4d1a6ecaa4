/**
 * Where the lab keeps its things: one folder per user holding the zoo database and the
 * dataset cache. `MBH_LAB_HOME` moves the folder; `--zoo PATH` points at a zoo file
 * directly (its dataset cache then sits beside it).
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface LabPaths {
  home: string;
  zooFile: string;
  dataDir: string;
}

export function defaultHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.MBH_LAB_HOME) return resolve(env.MBH_LAB_HOME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'MBH Lab');
  if (platform === 'win32') {
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'MBH Lab');
  }
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'mbh-lab');
}

/** The lab's paths from an explicit zoo file, an explicit home folder, or the defaults. */
export function labPaths(options: { zooPath?: string; home?: string } = {}): LabPaths {
  if (options.zooPath) {
    const zooFile = resolve(options.zooPath);
    const home = options.home ? resolve(options.home) : dirname(zooFile);
    return { home, zooFile, dataDir: join(home, 'datasets') };
  }
  const home = options.home ? resolve(options.home) : defaultHome();
  return { home, zooFile: join(home, 'zoo.sqlite'), dataDir: join(home, 'datasets') };
}
