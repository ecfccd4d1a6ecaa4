/**
 * The demo project shipped with the lab (resources/demo/demo-project.json, made by
 * scripts/make-demo.ts): small trained networks, dense and sparse, measured on shared
 * planes, so that a first start shows every view filled within seconds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const demoBundleFile = fileURLToPath(
  new URL('../../resources/demo/demo-project.json', import.meta.url),
);

/** The demo project bundle's JSON text; a missing file is one clear error. */
export function readDemoBundle(file = demoBundleFile): string {
  if (!existsSync(file))
    throw new Error(`the demo project is missing (${file}); run scripts/make-demo.ts to make it`);
  return readFileSync(file, 'utf8');
}
