/**
 * File names for exports that say what is in them and never repeat: the view, the
 * figure, the model, plane, iteration and cP where they apply, then the time to the
 * second and a counter for exports within the same second.
 */
import { safeFileName } from './download.ts';

export interface ExportName {
  /** The saved view's name, or the scope (project or experiment). */
  view: string;
  figure: string;
  model?: string;
  plane?: number;
  iteration?: number;
  cp?: number;
  extension: 'png' | 'svg' | 'csv' | 'json';
}

let lastStamp = '';
let counter = 0;

function stamp(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
}

/** "E2E-project_s-over-training_cp0.8_20261201-071502.png"; a second export that second gets "-2". */
export function exportFileName(name: ExportName, at: Date = new Date()): string {
  const parts = [name.view, name.figure];
  if (name.model !== undefined) parts.push(name.model);
  if (name.plane !== undefined) parts.push(`plane${name.plane}`);
  if (name.iteration !== undefined) parts.push(`it${name.iteration}`);
  if (name.cp !== undefined) parts.push(`cp${name.cp}`);
  const time = stamp(at);
  counter = time === lastStamp ? counter + 1 : 1;
  lastStamp = time;
  const base = parts.map(safeFileName).join('_');
  return `${base}_${time}${counter > 1 ? `-${counter}` : ''}.${name.extension}`;
}
