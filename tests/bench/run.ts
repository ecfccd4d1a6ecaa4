/**
 * `npm run bench`: every benchmark in this folder, one after another (never in parallel:
 * they measure speed on a 2-core machine). Each `*.bench.ts` exports `main()` and prints
 * its figures beside a baseline measured in the same run. `npm run bench -- engine` runs
 * only the benches whose file name contains "engine".
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}`);
  process.exit(1);
}
for (const file of files) {
  console.log(`\n══ ${file} ══`);
  const bench = (await import(new URL(file, import.meta.url).href)) as { main(): Promise<void> };
  await bench.main();
}
