// better-sqlite3 is a native addon built for Node's ABI by `npm install`; Electron's main
// process has an ABI of its own. Rather than rebuild it in place (which would break the
// CLI and the tests, which run on Node), build a second copy for Electron once, into
// out/native/, and point the zoo at it with MBH_LAB_SQLITE_BINDING. Needs Electron's
// headers, which node-gyp fetches on a machine with internet (as Electron's binary).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute path of better-sqlite3's addon built for this Electron, building it if needed. */
export function electronSqliteBinding() {
  const version = require('electron/package.json').version;
  const target = resolve(`out/native/electron-${version}/better_sqlite3.node`);
  if (existsSync(target)) return target;

  const source = dirname(require.resolve('better-sqlite3/package.json'));
  const work = resolve(`out/native/build-${version}`);
  rmSync(work, { recursive: true, force: true });
  cpSync(source, work, {
    recursive: true,
    filter: (path) => !path.startsWith(join(source, 'build')),
  });
  process.stdout.write(`Building better-sqlite3 for Electron ${version} (once)…\n`);
  const result = spawnSync(
    'npx',
    [
      '--yes',
      'node-gyp',
      'rebuild',
      '--release',
      `--target=${version}`,
      `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers',
    ],
    { cwd: work, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    throw new Error(
      `could not build better-sqlite3 for Electron ${version} (node-gyp exited ${result.status})`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(work, 'build/Release/better_sqlite3.node'), target);
  rmSync(work, { recursive: true, force: true });
  return target;
}
