import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './processes.ts';

const script = fileURLToPath(new URL('../fixtures/scripts/backend-banner.ts', import.meta.url));

describe('backend choice', () => {
  // tfjs-backend-cpu prints "Hi, looks like you are running TensorFlow.js in Node.js…"
  // on its first tensor; the lab reports the backend itself, so nothing else may print.
  it.each(['cpu', 'wasm'])('is silent on %s', async (backend) => {
    const result = await run(process.execPath, ['--import', 'tsx', script, backend]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(backend);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/looks like you are running/);
  });
});
