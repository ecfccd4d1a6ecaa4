#!/usr/bin/env node
// Builds what this machine can run: always the renderer (browser mode serves it), and the
// Electron main/preload bundles too where Electron is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { electronBinary } from './shell.mjs';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** True when out/renderer is older than any source it is built from. */
export function rendererStale() {
  const index = 'out/renderer/index.html';
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return (
    ['src-renderer', 'src-shared'].some((dir) => newest(dir) > built) ||
    statSync('vite.renderer.config.ts').mtimeMs > built
  );
}

export function build({ force = false } = {}) {
  const electron = electronBinary();
  const [command, args] = electron.path
    ? ['npx', ['electron-vite', 'build']]
    : ['npx', ['vite', 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn']];
  if (!force && !electron.path && !rendererStale()) return 0;
  process.stdout.write(electron.path ? 'Building the desktop app…\n' : 'Building the lab UI…\n');
  return spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(build({ force: true }));
