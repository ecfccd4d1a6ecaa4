/**
 * Experiment presets: the thesis' experiments (sections 6.2 and 6.3) and a smoke sweep,
 * one file each in resources/presets (`{"label", "description", "spec"}`). The CLI runs
 * them by name and the designer offers them through the api: both read this one folder.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { experimentSpecSchema } from '../../src-shared/api/contract.ts';
import type { ExperimentPreset } from '../../src-shared/api/dto.ts';
import { object, string, unknownValue } from '../../src-shared/api/validate.ts';

export const presetDirectory = fileURLToPath(new URL('../../resources/presets/', import.meta.url));

const presetFile = object({
  label: string({ min: 1, max: 60 }),
  description: string({ max: 500 }),
  spec: unknownValue(),
});

export function presetNames(): string[] {
  if (!existsSync(presetDirectory)) return [];
  return readdirSync(presetDirectory)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** One preset, validated; a broken preset file is an error naming it and the field. */
export function loadPreset(id: string): ExperimentPreset {
  if (!presetNames().includes(id)) {
    throw new Error(`no preset "${id}" (presets: ${presetNames().join(', ')})`);
  }
  const path = `${presetDirectory}${id}.json`;
  const file = presetFile.parse(JSON.parse(readFileSync(path, 'utf8')), `preset ${id}`);
  return {
    id,
    label: file.label,
    description: file.description,
    spec: experimentSpecSchema.parse(file.spec, `preset ${id}.spec`),
  };
}

/**
 * The spec in a spec file, which may hold a bare spec or a whole preset (`{label,
 * description, spec}`, as in resources/presets, so a preset can be copied and edited).
 * A preset's label and description are checked like a preset's; the spec itself is left
 * to the caller's validation. Errors name the field below `where`.
 */
export function specOfFile(value: unknown, where: string): unknown {
  const isPreset =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'spec' in value &&
    !('hiddenNeurons' in value);
  if (!isPreset) return value;
  return presetFile.parse(value, where).spec;
}

export function listPresets(): ExperimentPreset[] {
  return presetNames().map(loadPreset);
}
