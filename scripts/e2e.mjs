#!/usr/bin/env node
// End-to-end tests in headless Chromium against browser mode: builds the renderer, starts
// `mbh-lab serve` on a fresh temporary zoo, runs tests/e2e/*.e2e.ts in order, stops the
// server, and writes tests/.tmp/e2e.json ({numPassedTests, numFailedTests}).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { register } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const report = join(root, 'tests/.tmp/e2e.json');
mkdirSync(join(root, 'tests/.tmp'), { recursive: true });
const finish = (passed, failed) => {
  writeFileSync(report, JSON.stringify({ numPassedTests: passed, numFailedTests: failed }));
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 ? 1 : 0);
};

const chromium = process.env.MBH_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  process.stderr.write(`e2e: ${chromium} is missing (on Debian: apt-get install chromium)\n`);
  finish(0, 1);
}

if (!process.env.MBH_E2E_SKIP_BUILD) {
  const build = spawnSync(
    'npx',
    ['vite', 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) {
    process.stderr.write('e2e: the renderer build failed\n');
    finish(0, 1);
  }
}

const zoo = mkdtempSync(join(tmpdir(), 'mbh-e2e-zoo-'));
register();
// The suite's lab home is new, so its dataset caches are cold. Parsing Digit and Fashion
// MNIST is a one-time cost per lab home that no test checks; done here, untimed, it no
// longer lands inside whichever step first needs the data (on a loaded machine, saving the
// §6.2 experiment waited for a cold Fashion-MNIST parse).
{
  const { DatasetRegistry } = await import('../src-main/data/registry.ts');
  const registry = new DatasetRegistry(zoo);
  for (const id of ['mnist', 'fashion']) registry.loadTimed(id, { memoise: false });
}
const server = spawn(
  process.execPath,
  [
    'bin/mbh-lab.mjs',
    'serve',
    '--zoo',
    join(zoo, 'e2e.zoo'),
    '--port',
    '0',
    '--workers',
    '2',
    '--json',
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
const stopServer = async () => {
  if (server.exitCode !== null) return;
  server.kill('SIGTERM');
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const timeout = new Promise((resolve) => setTimeout(resolve, 10_000, 'timeout'));
  if ((await Promise.race([exited, timeout])) === 'timeout') server.kill('SIGKILL');
};

let passed = 0;
let failed = 0;
try {
  const started = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the server did not start within 60 s')),
      60_000,
    );
    server.once('exit', (code) => reject(new Error(`the server exited early with code ${code}`)));
    createInterface({ input: server.stdout }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line);
        clearTimeout(timer);
        resolve(parsed);
      } catch {
        process.stdout.write(`server: ${line}\n`);
      }
    });
  });
  const { runSuite } = await import('../tests/e2e/harness.ts');
  const files = readdirSync(join(root, 'tests/e2e'))
    .filter((f) => f.endsWith('.e2e.ts'))
    // MBH_E2E_ONLY=compare.e2e.ts[,other.e2e.ts] runs only those files (while developing one).
    .filter((f) => !process.env.MBH_E2E_ONLY || process.env.MBH_E2E_ONLY.split(',').includes(f))
    .sort();
  const result = await runSuite({
    url: started.url,
    port: started.port,
    token: started.token,
    chromium,
    screenshots: join(root, 'tests/e2e/screenshots'),
    files: files.map((f) => join(root, 'tests/e2e', f)),
  });
  passed = result.passed;
  failed = result.failed;
} catch (error) {
  process.stderr.write(`e2e: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  failed += 1;
} finally {
  await stopServer();
  rmSync(zoo, { recursive: true, force: true });
}
finish(passed, failed);
