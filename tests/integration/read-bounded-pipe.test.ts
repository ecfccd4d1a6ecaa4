/**
 * A pipe says size 0 and may never end (`--data <(yes)`): the bounded read stops just past
 * the limit and refuses it, instead of reading until memory runs out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileBounded } from '../../src-main/data/read-bounded.ts';

const folder = mkdtempSync(join(tmpdir(), 'mbh-pipe-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('reading a pipe', () => {
  it('refuses an endless pipe just past the limit', () => {
    const fifo = join(folder, 'endless.csv');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // The writer fills the pipe until the reader closes it (EPIPE ends it).
    const writer = spawn(process.execPath, [
      '-e',
      `const fs = require('node:fs'); const fd = fs.openSync(${JSON.stringify(fifo)}, 'w');
       const chunk = Buffer.alloc(65536, 49); try { for (;;) fs.writeSync(fd, chunk); } catch {}`,
    ]);
    try {
      expect(() => readFileBounded(fifo, 256 * 1024)).toThrow(
        `${fifo} is over the limit of 256 KiB (`,
      );
    } finally {
      writer.kill();
    }
  });

  it('reads a pipe that ends within the limit', () => {
    const fifo = join(folder, 'short.csv');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn(process.execPath, [
      '-e',
      `require('node:fs').writeFileSync(${JSON.stringify(fifo)}, 'a,label\\n1,0\\n')`,
    ]);
    try {
      expect(readFileBounded(fifo, 1024).toString()).toBe('a,label\n1,0\n');
    } finally {
      writer.kill();
    }
  });
});
