/**
 * Experiment presets: the thesis' experiments (sections 6.2 and 6.3) and a smoke sweep,
 * as experiment spec files in resources/presets. The CLI runs them by name and the
 * designer offers them through the api, so both read this one folder.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { experimentSpecSchema } from '../../src-shared/api/contract.ts';
import type { ExperimentPreset } from '../../src-shared/api/dto.ts';

export const presetDirectory = fileURLToPath(new URL('../../resources/presets/', import.meta.url));

export function presetNames(): string[] {
  if (!existsSync(presetDirectory)) return [];
  return readdirSync(presetDirectory)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

export function presetPath(name: string): string | null {
  return presetNames().includes(name) ? `${presetDirectory}${name}.json` : null;
}

/** Every preset, validated as a spec; a broken preset file is an error naming it. */
export function listPresets(): ExperimentPreset[] {
  return presetNames().map((id) => {
    const text = readFileSync(`${presetDirectory}${id}.json`, 'utf8');
    return { id, spec: experimentSpecSchema.parse(JSON.parse(text), `preset ${id}`) };
  });
}
