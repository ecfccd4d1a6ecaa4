import { describe, expect, it } from 'vitest';
import { spawnWorker } from '../../src-main/workers/spawn.ts';

describe('spawnWorker', () => {
  it('runs a TypeScript worker from the sources', async () => {
    const worker = spawnWorker(new URL('../fixtures/workers/answer.worker.ts', import.meta.url));
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(message).toBe(42);
  });
});
