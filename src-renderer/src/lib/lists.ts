/**
 * Parsing of the list fields people type: "400, 136, 46", "0-4, 9", "300,100; 102,34".
 * Each parser returns numbers or a message that says which item is wrong and why.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

function items(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Numbers in plain or exponent notation; "5k" and "1.2M" for large counts. */
export function parseNumber(text: string): number | null {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kKmM]?)$/.exec(text.trim());
  if (!match) return null;
  const scale = match[2] === '' ? 1 : match[2].toLowerCase() === 'k' ? 1e3 : 1e6;
  const value = Number(match[1]) * scale;
  return Number.isFinite(value) ? Math.round(value * 1e9) / 1e9 : null;
}

export function parseNumberList(text: string, options: { min?: number } = {}): Parsed<number[]> {
  const parts = items(text);
  if (parts.length < (options.min ?? 1)) return fail('enter at least one value');
  const values: number[] = [];
  for (const [index, part] of parts.entries()) {
    const value = parseNumber(part);
    if (value === null) return fail(`item ${index + 1}: "${part}" is not a number`);
    values.push(value);
  }
  return ok(values);
}

/** Positive or non-negative integers, with ranges "0-4" expanded. */
export function parseIntegerList(
  text: string,
  options: { min?: number; ranges?: boolean } = {},
): Parsed<number[]> {
  const min = options.min ?? 1;
  const parts = items(text.replace(/\s*-\s*/g, '-'));
  if (parts.length === 0) return fail('enter at least one value');
  const values: number[] = [];
  for (const [index, part] of parts.entries()) {
    const range = options.ranges ? /^(\d+)-(\d+)$/.exec(part) : null;
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (to < from) return fail(`item ${index + 1}: range "${part}" runs backwards`);
      if (to - from > 10_000) return fail(`item ${index + 1}: range "${part}" is too long`);
      for (let v = from; v <= to; v++) values.push(v);
      continue;
    }
    const value = parseNumber(part);
    if (value === null) return fail(`item ${index + 1}: "${part}" is not a number`);
    if (!Number.isInteger(value)) return fail(`item ${index + 1}: ${part} is not a whole number`);
    if (value < min) {
      return fail(
        `item ${index + 1}: ${part} must be ${min === 1 ? 'positive' : `at least ${min}`}`,
      );
    }
    values.push(value);
  }
  const seen = new Set<number>();
  for (const value of values) {
    if (seen.has(value)) return fail(`${value} appears twice`);
    seen.add(value);
  }
  return ok(values);
}

/** Architectures as width lists separated by ";" or new lines: "300,100; 102,34". */
export function parseWidthLists(text: string): Parsed<number[][]> {
  const groups = text
    .split(/[;\n]+/)
    .map((group) => group.trim())
    .filter((group) => group !== '');
  if (groups.length === 0) return fail('enter at least one architecture, e.g. 8,4');
  const result: number[][] = [];
  for (const [index, group] of groups.entries()) {
    const widths = parseIntegerList(group, { min: 1 });
    if (!widths.ok) {
      return fail(`architecture ${index + 1}: ${widths.message}`.replace(/ appears twice$/, ''));
    }
    result.push(widths.value);
  }
  return ok(result);
}

/** Phenomena as "name: labels" pairs separated by ";" — e.g. "shoes: 5,7,9; tops: 0,2". */
export function parsePhenomena(text: string): Parsed<{ name: string; labels: number[] }[]> {
  const groups = text
    .split(/[;\n]+/)
    .map((group) => group.trim())
    .filter((group) => group !== '');
  const result: { name: string; labels: number[] }[] = [];
  for (const [index, group] of groups.entries()) {
    const colon = group.indexOf(':');
    if (colon < 1) return fail(`phenomenon ${index + 1}: write it as "name: label, label"`);
    const labels = parseIntegerList(group.slice(colon + 1), { min: 0 });
    if (!labels.ok) return fail(`phenomenon ${index + 1}: ${labels.message}`);
    result.push({ name: group.slice(0, colon).trim(), labels: labels.value });
  }
  return ok(result);
}

/** "0-4" style text for a list of integers, compressing runs. */
export function formatIntegerList(values: readonly number[]): string {
  const sorted = [...values];
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j - i >= 2 ? `${sorted[i]}-${sorted[j]}` : sorted.slice(i, j + 1).join(', '));
    i = j + 1;
  }
  return parts.join(', ');
}
