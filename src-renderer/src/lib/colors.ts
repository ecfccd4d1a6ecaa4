/**
 * Region colours. A region's colour comes from a hash of its activation pattern, so the
 * same pattern has the same colour in every view, and neighbours (one bit apart) differ
 * visibly. Colours come from a fixed palette so that a canvas fills one Path2D per colour.
 */

/** 32-bit hash of one region's pattern words (FNV-1a, then murmur3's finaliser to spread bits). */
export function patternHash(patterns: Uint32Array, words: number, region: number): number {
  let hash = 0x811c9dc5;
  const start = region * words;
  for (let w = 0; w < words; w++) {
    let word = patterns[start + w];
    for (let b = 0; b < 4; b++) {
      hash ^= word & 0xff;
      hash = Math.imul(hash, 0x01000193);
      word >>>= 8;
    }
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export const PALETTE_SIZE = 64;

/** Soft, distinct colours: hues by the golden angle, three lightness/saturation bands. */
export const REGION_PALETTE: readonly string[] = Array.from({ length: PALETTE_SIZE }, (_, i) => {
  const hue = (i * 137.508) % 360;
  const band = i % 3;
  const saturation = [55, 45, 65][band];
  const lightness = [72, 62, 80][band];
  return `hsl(${hue.toFixed(1)} ${saturation}% ${lightness}%)`;
});

/** Palette index per region: hash of the pattern modulo the palette size. */
export function regionColorIndices(
  patterns: Uint32Array,
  words: number,
  regionCount: number,
): Uint8Array {
  const out = new Uint8Array(regionCount);
  for (let r = 0; r < regionCount; r++) out[r] = patternHash(patterns, words, r) % PALETTE_SIZE;
  return out;
}

/** Series colours for charts: one per architecture or setup, stable by index. */
export const SERIES_COLORS: readonly string[] = [
  '#2f6fde',
  '#e0582b',
  '#2a9d5b',
  '#9b4dca',
  '#c9a227',
  '#1aa3b5',
  '#d6336c',
  '#6b7a8f',
  '#7c5a2a',
  '#4263eb',
];

export const BLANKET_RED = 'rgba(220, 38, 38, 0.82)';
export const BLANKET_BLUE = 'rgba(147, 197, 253, 0.55)';
