/** Display formatting shared by every view: short, fixed-width friendly, never "NaN". */
import type { ArchitectureFamily } from '../../../src-shared/api/dto.ts';

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : `${(value * 100).toFixed(digits)} %`;
}

export function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toFixed(digits);
}

/** 265600 → "265.6k", 4744 → "4.7k", 950 → "950". */
export function compact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}

export function density(value: number): string {
  if (value >= 1) return '1';
  return value >= 0.1 ? value.toFixed(3) : value.toPrecision(3);
}

export { duration } from '../../../src-shared/format/duration.ts';

export function dateTime(ms: number | null | undefined): string {
  if (!ms) return '–';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function architecture(family: ArchitectureFamily, hidden: readonly number[]): string {
  const prefix = family === 'lenet' ? 'Lenet' : family === 'deepfc' ? 'DeepFC' : 'FC';
  return `${prefix}(${hidden.join(',')})`;
}

/** An error of any kind as one line for a toast or a status cell. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
