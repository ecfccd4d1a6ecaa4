/**
 * The dataset cache of an import is published by a hard link that never replaces a file,
 * and a failed import may remove a cache only when it shares the inode of its own staging
 * file: an earlier dataset's cache is never the import's to remove.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownsPublished, publishNew } from '../../src-main/data/cache.ts';

const folder = mkdtempSync(join(tmpdir(), 'mbh-publish-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('publishNew', () => {
  it('links a new cache into place and owns it through its staging file', () => {
    const path = join(folder, 'user-new.bin');
    const staging = join(folder, 'user-new.bin.1.a.staging');
    publishNew(path, Uint8Array.of(1, 2, 3), staging);
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(ownsPublished(path, staging)).toBe(true);
    rmSync(staging);
    expect(ownsPublished(path, staging)).toBe(false);
  });

  it('refuses to replace an existing cache and does not own it', () => {
    const path = join(folder, 'user-old.bin');
    writeFileSync(path, 'earlier dataset');
    const staging = join(folder, 'user-old.bin.1.b.staging');
    expect(() => publishNew(path, Uint8Array.of(9), staging)).toThrow(
      'user-old.bin exists already; it was not replaced',
    );
    expect(readFileSync(path, 'utf8')).toBe('earlier dataset');
    expect(ownsPublished(path, staging)).toBe(false);
  });

  it('does not own a cache of the same name when its staging file was never written', () => {
    const path = join(folder, 'user-other.bin');
    writeFileSync(path, 'x');
    expect(ownsPublished(path, join(folder, 'user-other.bin.1.c.staging'))).toBe(false);
  });
});
