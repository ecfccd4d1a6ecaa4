/**
 * Compare at scale: a project of 300 trained models (the demo project's six, imported 50
 * times and gathered in one project, with their metrics and measurements) and 350 jobs, served by `mbh-lab serve` to
 * headless Chromium.
 *   - Compare's open time: from navigation until the run table holds all 300 runs and the
 *     chart is drawn (median of 3), beside the same page opened on an empty project (the
 *     app's own start) measured in this run, as a ratio; and api.compare alone, in process.
 *   - That the run table stays virtual: rows in the DOM at the top and after scrolling to
 *     the end, against the 300 runs it holds.
 * Run with `npm run bench -- compare`. Needs the built renderer (out/renderer; built here
 * when missing) and /usr/bin/chromium (or MBH_CHROMIUM).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { LabService } from '../../src-main/lab/service.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const COPIES = 50;
const JOBS = 350;
const RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The demo bundle's JSON with its models renamed "… #copy" (one import per copy: each stays small). */
function demoCopy(copy: number): string {
  const demo = JSON.parse(readFileSync(join(root, 'resources/demo/demo-project.json'), 'utf8')) as {
    project: { name: string };
    models: { bundle: { model: { name: string } } }[];
  };
  demo.project.name = `Compare bench copy ${copy}`;
  for (const model of demo.models) model.bundle.model.name += ` #${copy}`;
  return JSON.stringify(demo);
}

async function startServer(zooFile: string): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(
    process.execPath,
    ['bin/mbh-lab.mjs', 'serve', '--zoo', zooFile, '--port', '0', '--workers', '1', '--json'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the server exited with code ${code}`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        // not the JSON start line
      }
    });
  });
  return { server, url };
}

/** ms from navigation to a Compare that shows `total` runs and a drawn chart. */
async function openCompare(
  page: Page,
  url: string,
  projectId: number,
  total: number,
): Promise<number> {
  await page.goto('about:blank');
  const started = performance.now();
  await page.goto(`${url}#/compare?project=${projectId}`);
  await page.locator(`table[aria-label=Runs][data-total="${total}"]`).waitFor({ timeout: 0 });
  if (total > 0) await page.locator('.chart-panel canvas').first().waitFor({ timeout: 0 });
  else await page.getByText('No models here yet.').waitFor({ timeout: 0 });
  return performance.now() - started;
}

export async function main(): Promise<void> {
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    const build = spawnSync(
      'npx',
      ['vite', 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) throw new Error('the renderer build failed');
  }
  const home = mkdtempSync(join(tmpdir(), 'mbh-compare-bench-'));
  const zooFile = join(home, 'bench.zoo');
  let server: ChildProcess | undefined;
  try {
    // 50 imports of the demo (each small enough to send inline) into a fresh zoo.
    const ids: number[] = [];
    let emptyId: number;
    let lab = await LabService.open({ shell: 'cli', home, zooPath: zooFile, workers: 1 });
    try {
      for (let copy = 1; copy <= COPIES; copy++)
        ids.push((await lab.importProject({ json: demoCopy(copy) })).id);
      emptyId = (await lab.createProject({ name: 'empty', description: '' })).id;
    } finally {
      await lab.close({ pauseRunning: true });
    }
    // The fixture, written straight into the zoo: one project gathers every copy's
    // experiment and models, and 350 finished jobs sit beside them as a sweep leaves them.
    const projectId = ids[0];
    const zoo = Zoo.open(zooFile);
    try {
      zoo.transaction(() => {
        for (const table of ['experiments', 'models'])
          zoo.db
            .prepare(`UPDATE ${table} SET project_id = ? WHERE project_id IN (${ids.join(',')})`)
            .run(projectId);
        zoo.db.prepare(`DELETE FROM projects WHERE id IN (${ids.slice(1).join(',')})`).run();
        const models = zoo.models.list({ projectId });
        for (let index = 0; index < JOBS; index++) {
          const model = models[index % models.length];
          const kind = index < models.length ? 'train' : 'measure';
          const id = zoo.jobs.create({
            kind,
            experimentId: model.experimentId,
            modelId: model.id,
            label: `${kind} ${model.name}`,
            spec: {},
            iterations: kind === 'train' ? 400 : 0,
          });
          zoo.jobs.setState(id, 'done');
        }
      });
    } finally {
      zoo.close();
    }
    const compareMs: number[] = [];
    lab = await LabService.open({ shell: 'cli', home, zooPath: zooFile, workers: 1 });
    try {
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        const rows = await lab.compare({ projectId });
        compareMs.push(performance.now() - started);
        if (rows.length !== 6 * COPIES) throw new Error(`compare returned ${rows.length} rows`);
      }
    } finally {
      await lab.close({ pauseRunning: true });
    }

    const started = await startServer(zooFile);
    server = started.server;
    const browser = await chromium.launch({
      executablePath: process.env.MBH_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const baseline: number[] = [];
      const open: number[] = [];
      // Alternate, so that a busy machine slows both alike.
      for (let run = 0; run < RUNS; run++) {
        baseline.push(await openCompare(page, started.url, emptyId, 0));
        open.push(await openCompare(page, started.url, projectId, 6 * COPIES));
      }
      const rendered = await page.locator('table[aria-label=Runs] tbody tr[data-model-id]').count();
      await page
        .locator('[data-testid=runs-scroll]')
        .evaluate((element) => element.scrollTo(0, element.scrollHeight));
      await page.locator('table[aria-label=Runs] tbody tr[data-model-id]').last().waitFor();
      const lastName = await page
        .locator('table[aria-label=Runs] tbody tr[data-model-id] td.name')
        .last()
        .innerText();
      const renderedAtEnd = await page
        .locator('table[aria-label=Runs] tbody tr[data-model-id]')
        .count();
      const total = 6 * COPIES;
      console.log(`models ${total}, jobs ${JOBS}; medians of ${RUNS}`);
      console.log(`api.compare in process          ${median(compareMs).toFixed(0)} ms`);
      console.log(`Compare, empty project (base)   ${median(baseline).toFixed(0)} ms`);
      console.log(
        `Compare, ${total} models           ${median(open).toFixed(0)} ms  (${(median(open) / median(baseline)).toFixed(2)}× the empty project; target < 2000 ms)`,
      );
      console.log(
        `run table rows in the DOM       ${rendered} at the top, ${renderedAtEnd} at the end (of ${total}; last "${lastName.trim()}")`,
      );
      if (rendered >= total || renderedAtEnd >= total)
        throw new Error(
          `the run table is not virtual: ${rendered} / ${renderedAtEnd} of ${total} rows rendered`,
        );
    } finally {
      await browser.close();
    }
  } finally {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null)
      await new Promise((resolve) => server!.once('exit', resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
