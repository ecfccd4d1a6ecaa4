/**
 * Where a worker entry is: beside the sources when running through tsx (CLI, tests,
 * browser mode), or a bundled `<name>.worker.js` in the Electron build, which puts the
 * entries next to the main bundle (electron.vite.config.ts) while this code may sit in a
 * shared chunk one folder down.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type WorkerName = 'measure' | 'train' | 'import' | 'model-file';

export function workerEntry(name: WorkerName): URL {
  const candidates = [
    new URL(`../workers/${name}.worker.ts`, import.meta.url),
    new URL(`./${name}.worker.js`, import.meta.url),
    new URL(`../${name}.worker.js`, import.meta.url),
  ];
  for (const url of candidates) if (existsSync(fileURLToPath(url))) return url;
  throw new Error(
    `the ${name} worker's entry is missing (looked for ${candidates.map((url) => fileURLToPath(url)).join(', ')})`,
  );
}
