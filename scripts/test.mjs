#!/usr/bin/env node
// The whole check, as CI and developers run it: lint with zero warnings, every layer's
// type check, the format check, the fast unit tier (tests/unit), the integration tier
// (tests/integration: workers, processes, servers, training), then the end-to-end tests in
// headless Chromium. Stops at the first failing step; ends with one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

/** One vitest project, reported to tests/.tmp/<project>.json for the closing count. */
function vitest(project) {
  return [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=tests/.tmp/${project}.json`,
  ];
}
const counted = new Set(['unit', 'integration', 'e2e']);

const steps = [
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['format', 'npm', ['run', '--silent', 'format:check']],
  ['unit', 'npx', vitest('unit')],
  // The integration tier starts `mbh-lab serve`, which serves the built UI; e2e reuses it.
  [
    'ui build',
    'npx',
    ['vite', 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn'],
  ],
  ['integration', 'npx', vitest('integration')],
  ['e2e', 'npm', ['run', '--silent', 'test:e2e'], { MBH_E2E_SKIP_BUILD: '1' }],
];

mkdirSync('tests/.tmp', { recursive: true });
let passed = 0;
let failed = 0;

function count(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed +=
    (report.numFailedTests ?? 0) + (report.numTodoTests ?? 0) + (report.numPendingTests ?? 0);
}

for (const [name, command, args, env = {}] of steps) {
  const started = Date.now();
  process.stdout.write(`\n── ${name} ──\n`);
  // A report left by an earlier run must not be counted if this step dies before writing.
  if (counted.has(name)) rmSync(`tests/.tmp/${name}.json`, { force: true });
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (counted.has(name)) count(`tests/.tmp/${name}.json`);
  if (result.status !== 0) {
    process.stdout.write(`\n✗ ${name} failed after ${seconds} s\n`);
    if (!counted.has(name)) failed += 1;
    process.stdout.write(`${passed} passed, ${Math.max(failed, 1)} failed\n`);
    process.exit(1);
  }
  process.stdout.write(`✓ ${name} (${seconds} s)\n`);
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
