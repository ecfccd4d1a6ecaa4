/**
 * Which files a client sends inline, and which paths a call names: inline content must
 * fit in one api message as JSON encodes it (escapes and multi-byte characters counted),
 * and every path a call names is found — a top-level param or a list item's field (a
 * model import's `files[i].source`) — so the browser's socket and the desktop's IPC check
 * them all.
 */
import { describe, expect, it } from 'vitest';
import { fitsInline, INLINE_SEND_BYTES, pathSources } from '../../src-shared/api/file-source.ts';

describe('fitsInline', () => {
  it('counts the bytes of the JSON-encoded text, not its characters', () => {
    const encoded = (text: string) => Buffer.byteLength(JSON.stringify(text));
    // Each of these is exactly at the limit as JSON (two quotes included); one more unit is over.
    const atLimit: [string, string][] = [
      ['a'.repeat(INLINE_SEND_BYTES - 2), 'a'],
      // A newline is two bytes in JSON.
      ['\n'.repeat(INLINE_SEND_BYTES / 2 - 1), '\n'],
      // 'é' is two bytes in UTF-8, '😀' four (a surrogate pair).
      ['é'.repeat(INLINE_SEND_BYTES / 2 - 1), 'é'],
      ['😀'.repeat(INLINE_SEND_BYTES / 4 - 1) + 'aa', '😀'],
    ];
    for (const [text, more] of atLimit) {
      expect(encoded(text)).toBe(INLINE_SEND_BYTES);
      expect(fitsInline(text)).toBe(true);
      expect(fitsInline(text + more)).toBe(false);
    }
    // A control character is six bytes in JSON (\u0001); a lone surrogate too.
    expect(fitsInline('\u0001'.repeat(Math.ceil(INLINE_SEND_BYTES / 6)))).toBe(false);
    expect(fitsInline('\ud800'.repeat(Math.floor(INLINE_SEND_BYTES / 6)))).toBe(true);
    expect(fitsInline('\ud800'.repeat(Math.ceil(INLINE_SEND_BYTES / 6)))).toBe(false);
  });
});

describe('pathSources', () => {
  it('finds top-level paths and paths in list items, with their fields', () => {
    expect(
      pathSources({
        json: { path: '/a.json' },
        to: 'download',
        files: [
          { name: 'model.json', source: { upload: 'f'.repeat(32) } },
          { name: 'shard.bin', source: { path: '/b.bin' } },
        ],
        tags: ['x', null, 3],
      }),
    ).toEqual([
      { field: 'json', path: '/a.json' },
      { field: 'files[1].source', path: '/b.bin' },
    ]);
    expect(pathSources(null)).toEqual([]);
    expect(pathSources({ name: 'path', spec: { layers: [{ path: '/not/a/source' }] } })).toEqual(
      [],
    );
  });
});
