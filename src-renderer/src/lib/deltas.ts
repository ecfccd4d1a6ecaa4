/**
 * Numbers side by side: one number of decimals per attribute row, and differences to the
 * baseline in the attribute's own unit (accuracy in percentage points, "−42.4 pp"). An
 * identifier (seed, experiment) or a text has no difference.
 */

export type ValueKind = 'text' | 'identifier' | 'count' | 'percent' | 'fraction' | 'number';

const MINUS = '\u2212';

/** Decimals for a row of numbers: enough for the smallest magnitude that matters. */
export function rowDecimals(kind: ValueKind, values: readonly (number | null)[]): number {
  if (kind === 'count' || kind === 'identifier') return 0;
  if (kind === 'percent') return 2;
  let largest = 0;
  for (const value of values)
    if (value !== null && Number.isFinite(value)) largest = Math.max(largest, Math.abs(value));
  if (largest >= 1000) return 0;
  if (largest >= 100) return 1;
  if (largest >= 1) return kind === 'fraction' ? 3 : 2;
  return kind === 'fraction' ? 3 : 4;
}

function signed(value: number, text: string): string {
  return value > 0 ? `+${text}` : value < 0 ? `${MINUS}${text}` : text;
}

/** A value as shown: percent for fractions shown in %, grouping for counts. */
export function formatValue(
  value: number | string | null,
  kind: ValueKind,
  decimals: number,
): string {
  if (value === null) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '–';
  switch (kind) {
    case 'percent':
      return `${(value * 100).toFixed(decimals)} %`;
    case 'count':
      return Math.round(value).toLocaleString('en');
    case 'identifier':
      return String(value);
    default:
      return value < 0 ? `${MINUS}${Math.abs(value).toFixed(decimals)}` : value.toFixed(decimals);
  }
}

/**
 * The difference `value − base` in the row's unit, or null where there is none to show
 * (texts, identifiers, unknown values, no difference).
 */
export function formatDelta(
  value: number | string | null,
  base: number | string | null,
  kind: ValueKind,
  decimals: number,
): string | null {
  if (kind === 'text' || kind === 'identifier') return null;
  if (typeof value !== 'number' || typeof base !== 'number') return null;
  if (!Number.isFinite(value) || !Number.isFinite(base)) return null;
  const delta = value - base;
  if (kind === 'percent') {
    const points = delta * 100;
    const text = Math.abs(points).toFixed(1);
    if (Number(text) === 0) return null;
    return `${signed(points, text)} pp`;
  }
  if (kind === 'count') {
    const rounded = Math.round(delta);
    return rounded === 0 ? null : signed(rounded, Math.abs(rounded).toLocaleString('en'));
  }
  const text = Math.abs(delta).toFixed(decimals);
  if (Number(text) === 0) return null;
  return signed(delta, text);
}
