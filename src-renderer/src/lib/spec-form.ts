/**
 * The experiment designer's form as typed text, and its conversion to an ExperimentSpec.
 * Every problem is reported against the form field that holds it, whether it is found by
 * parsing the text here or by the api's schema (whose paths look like `spec.seeds[2]`).
 */
import { experimentSpecSchema } from '../../../src-shared/api/contract.ts';
import type { ArchitectureFamily, ExperimentSpec } from '../../../src-shared/api/dto.ts';
import { ValidationError } from '../../../src-shared/api/validate.ts';
import {
  parseIntegerList,
  parseNumber,
  parseNumberList,
  parsePhenomena,
  parseWidthLists,
} from './lists.ts';

export interface ExperimentForm {
  projectId: number | null;
  name: string;
  family: ArchitectureFamily;
  hiddenNeurons: string;
  customWidths: string;
  mode: 'hnp' | 'density';
  hnpLevels: string;
  densities: string;
  seeds: string;
  datasets: string[];
  iterations: string;
  checkpoints: 'default' | 'all';
  pruningKind: 'random' | 'one-shot' | 'iterative';
  pruningRate: string;
  pruningRounds: string;
  planeCount: string;
  planeSeed: string;
  cps: string;
  scope: string;
  phenomena: string;
}

export type FormField = keyof ExperimentForm;
export type FormErrors = Partial<Record<FormField, string>>;

export const DEFAULT_CPS = '0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1';

export function emptyForm(): ExperimentForm {
  return {
    projectId: null,
    name: '',
    family: 'lenet',
    hiddenNeurons: '400, 136, 46, 16',
    customWidths: '8, 4',
    mode: 'hnp',
    hnpLevels: '9472',
    densities: '1',
    seeds: '0-2',
    datasets: [],
    iterations: '50000',
    checkpoints: 'default',
    pruningKind: 'random',
    pruningRate: '0.8',
    pruningRounds: '3',
    planeCount: '10',
    planeSeed: '0',
    cps: DEFAULT_CPS,
    scope: 'last',
    phenomena: '',
  };
}

/** Maps an api path (`params.spec.seeds[2]`, `spec.pruning.rate`) to the form field. */
export function fieldForPath(path: string | undefined): FormField | null {
  if (!path) return null;
  const key = path.replace(/^params\./, '').replace(/^spec\.?/, '');
  const head = /^[A-Za-z]+/.exec(key)?.[0] ?? '';
  if (path.replace(/^params\./, '') === 'projectId') return 'projectId';
  if (head === 'pruning') {
    if (key.startsWith('pruning.rate')) return 'pruningRate';
    if (key.startsWith('pruning.rounds')) return 'pruningRounds';
    return 'pruningKind';
  }
  const known: FormField[] = [
    'name',
    'family',
    'hiddenNeurons',
    'customWidths',
    'hnpLevels',
    'densities',
    'seeds',
    'datasets',
    'iterations',
    'checkpoints',
    'planeCount',
    'planeSeed',
    'cps',
    'scope',
    'phenomena',
  ];
  return (known as string[]).includes(head) ? (head as FormField) : null;
}

/** The message without its path, with "item N" for list elements (1-based). */
export function messageForPath(path: string, problem: string): string {
  const item = /\[(\d+)\](?:\[(\d+)\])?/.exec(path);
  if (!item) return problem;
  return item[2] === undefined
    ? `item ${Number(item[1]) + 1}: ${problem}`
    : `architecture ${Number(item[1]) + 1}, width ${Number(item[2]) + 1}: ${problem}`;
}

function integerField(
  text: string,
  field: FormField,
  errors: FormErrors,
  min: number,
): number | undefined {
  const value = parseNumber(text);
  if (text.trim() === '') errors[field] = 'must not be empty';
  else if (value === null) errors[field] = `"${text.trim()}" is not a number`;
  else if (!Number.isInteger(value)) errors[field] = `${text.trim()} is not a whole number`;
  else if (value < min) errors[field] = `must be at least ${min}`;
  else return value;
  return undefined;
}

export interface BuiltSpec {
  spec: ExperimentSpec | null;
  errors: FormErrors;
}

/** Parses the form and checks the result against the api's schema. */
export function buildSpec(form: ExperimentForm): BuiltSpec {
  const errors: FormErrors = {};
  if (form.projectId === null) errors.projectId = 'choose a project';
  if (form.name.trim() === '') errors.name = 'must not be empty';

  let hiddenNeurons: number[] | undefined;
  let customWidths: number[][] | undefined;
  if (form.family === 'custom') {
    const widths = parseWidthLists(form.customWidths);
    if (widths.ok) {
      customWidths = widths.value;
      hiddenNeurons = widths.value.map((w) => w.reduce((sum, x) => sum + x, 0));
    } else errors.customWidths = widths.message;
  } else {
    const sizes = parseIntegerList(form.hiddenNeurons, { min: 1 });
    if (sizes.ok) hiddenNeurons = sizes.value;
    else errors.hiddenNeurons = sizes.message;
  }

  let hnpLevels: number[] | undefined;
  let densities: number[] | undefined;
  if (form.mode === 'hnp') {
    const levels = parseIntegerList(form.hnpLevels, { min: 1 });
    if (levels.ok) hnpLevels = levels.value;
    else errors.hnpLevels = levels.message;
  } else {
    const values = parseNumberList(form.densities);
    if (!values.ok) errors.densities = values.message;
    else {
      const bad = values.value.findIndex((d) => !(d > 0 && d <= 1));
      if (bad >= 0) errors.densities = `item ${bad + 1}: ${values.value[bad]} is outside (0, 1]`;
      else if (new Set(values.value).size !== values.value.length)
        errors.densities = 'a density appears twice';
      else densities = values.value;
    }
  }

  const seeds = parseIntegerList(form.seeds, { min: 0, ranges: true });
  if (!seeds.ok) errors.seeds = seeds.message;
  if (form.datasets.length === 0) errors.datasets = 'choose at least one dataset';
  const iterations = integerField(form.iterations, 'iterations', errors, 1);
  const planeCount = integerField(form.planeCount, 'planeCount', errors, 1);
  const planeSeed = integerField(form.planeSeed, 'planeSeed', errors, 0);

  const cps = parseNumberList(form.cps);
  if (!cps.ok) errors.cps = cps.message;
  else {
    const bad = cps.value.findIndex((c) => !(c > 0 && c <= 1));
    if (bad >= 0) errors.cps = `item ${bad + 1}: ${cps.value[bad]} is outside (0, 1]`;
  }

  let pruning: ExperimentSpec['pruning'] = { kind: 'random' };
  if (form.pruningKind !== 'random') {
    const rate = parseNumber(form.pruningRate);
    if (rate === null) errors.pruningRate = `"${form.pruningRate.trim()}" is not a number`;
    else if (!(rate > 0 && rate < 1)) errors.pruningRate = 'must be between 0 and 1 (exclusive)';
    if (form.pruningKind === 'iterative') {
      const rounds = integerField(form.pruningRounds, 'pruningRounds', errors, 1);
      pruning = { kind: 'iterative', rate: rate ?? 0, rounds: rounds ?? 1 };
    } else pruning = { kind: 'one-shot', rate: rate ?? 0 };
  }

  let phenomena: ExperimentSpec['phenomena'];
  if (form.phenomena.trim() !== '') {
    const parsed = parsePhenomena(form.phenomena);
    if (parsed.ok) phenomena = parsed.value;
    else errors.phenomena = parsed.message;
  }

  if (Object.keys(errors).length > 0) return { spec: null, errors };

  const candidate = {
    name: form.name.trim(),
    family: form.family,
    hiddenNeurons,
    ...(customWidths ? { customWidths } : {}),
    ...(hnpLevels ? { hnpLevels } : {}),
    ...(densities ? { densities } : {}),
    seeds: seeds.ok ? seeds.value : [],
    datasets: form.datasets,
    iterations,
    checkpoints: form.checkpoints,
    pruning,
    planeCount,
    planeSeed,
    cps: cps.ok ? cps.value : [],
    ...(phenomena ? { phenomena } : {}),
    scope: form.scope.trim(),
  };
  try {
    return { spec: experimentSpecSchema.parse(candidate, 'spec') as ExperimentSpec, errors };
  } catch (error) {
    if (error instanceof ValidationError) {
      const field = fieldForPath(error.path) ?? 'name';
      errors[field] = messageForPath(error.path, error.problem);
      return { spec: null, errors };
    }
    throw error;
  }
}

/** Words that tie a whole-spec error to the field it is about. */
const SPEC_TOPICS: [RegExp, FormField][] = [
  [/\bHNP level/i, 'hnpLevels'],
  [/\bdensit(y|ies)\b/i, 'densities'],
  [/\bseeds?\b/i, 'seeds'],
  [/\bdatasets?\b/i, 'datasets'],
  [/\bwidths?\b/i, 'customWidths'],
];

/** Puts an api error (from planExperiment/createExperiment) next to its field, if it has one. */
export function errorsFromApi(error: unknown): { field: FormField | null; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  // Errors without a path may still name their field first ("spec.hnpLevels: …").
  const named = /^((?:params\.)?spec\.[A-Za-z]+(?:\.[A-Za-z]+|\[\d+\])*): /.exec(message);
  const given = (error as { path?: string }).path ?? named?.[1];
  let path = given;
  // A problem of the spec as a whole that is about one field in substance.
  if (path === 'params.spec' || path === 'spec') {
    const topic = SPEC_TOPICS.find(([pattern]) => pattern.test(message));
    if (topic) path = `spec.${topic[1]}`;
  }
  const field = fieldForPath(path);
  if (!field || !path) return { field: null, message };
  const problem =
    given && message.startsWith(`${given}: `) ? message.slice(given.length + 2) : message;
  return { field, message: messageForPath(path, problem) };
}

/** The form that shows a spec (a preset, or an experiment to run again), datasets aside. */
export function formFromSpec(spec: ExperimentSpec): Omit<ExperimentForm, 'projectId' | 'datasets'> {
  const list = (values: readonly number[]) => values.join(', ');
  const pruning = spec.pruning;
  const defaults = emptyForm();
  return {
    name: spec.name,
    family: spec.family,
    hiddenNeurons: list(spec.hiddenNeurons),
    customWidths: spec.customWidths
      ? spec.customWidths.map(list).join('; ')
      : defaults.customWidths,
    mode: spec.hnpLevels ? 'hnp' : 'density',
    hnpLevels: spec.hnpLevels ? list(spec.hnpLevels) : defaults.hnpLevels,
    densities: spec.densities ? list(spec.densities) : defaults.densities,
    seeds: list(spec.seeds),
    iterations: String(spec.iterations),
    checkpoints: spec.checkpoints,
    pruningKind: pruning.kind,
    pruningRate: pruning.kind === 'random' ? defaults.pruningRate : String(pruning.rate),
    pruningRounds: pruning.kind === 'iterative' ? String(pruning.rounds) : defaults.pruningRounds,
    planeCount: String(spec.planeCount),
    planeSeed: String(spec.planeSeed),
    cps: list(spec.cps),
    scope: spec.scope,
    phenomena: (spec.phenomena ?? []).map((p) => `${p.name}: ${list(p.labels)}`).join('; '),
  };
}
