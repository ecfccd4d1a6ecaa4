#!/usr/bin/env node
// The whole check, as CI and developers run it: lint with zero warnings, every layer's
// type check, the format check, the unit and property tests, then the end-to-end tests
// in headless Chromium. Stops at the first failing step; ends with one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const steps = [
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['format', 'npm', ['run', '--silent', 'format:check']],
  [
    'unit',
    'npx',
    [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=tests/.tmp/unit.json',
    ],
  ],
  ['e2e', 'npm', ['run', '--silent', 'test:e2e']],
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

for (const [name, command, args] of steps) {
  const started = Date.now();
  process.stdout.write(`\n── ${name} ──\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (name === 'unit') count('tests/.tmp/unit.json');
  if (name === 'e2e') count('tests/.tmp/e2e.json');
  if (result.status !== 0) {
    process.stdout.write(`\n✗ ${name} failed after ${seconds} s\n`);
    if (name !== 'unit' && name !== 'e2e') failed += 1;
    process.stdout.write(`${passed} passed, ${Math.max(failed, 1)} failed\n`);
    process.exit(1);
  }
  process.stdout.write(`✓ ${name} (${seconds} s)\n`);
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
