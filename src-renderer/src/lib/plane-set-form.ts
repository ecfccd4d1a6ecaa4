/**
 * The planes dialog's form (issue 10 §4): count, seed and how the three spanning points
 * are chosen — random classes (the thesis), three given classes, or three given samples
 * of the validation split — turned into createPlaneSet's params, and an api error put
 * beside the field it names. Range checks that need the dataset (a class it lacks, a
 * sample beyond its split) are the lab's: the dialog shows them as the api words them.
 */
import type { PlaneSetSummary } from '../../../src-shared/api/dto.ts';
import { ValidationError } from '../../../src-shared/api/validate.ts';
import {
  parsePlaneRuleText,
  planeRuleSchema,
  planeRuleWords,
} from '../../../src-shared/model/plane-rule.ts';

export type PlaneRuleChoice = 'random-classes' | 'classes' | 'samples';

export interface PlaneSetForm {
  count: string;
  seed: string;
  choice: PlaneRuleChoice;
  /** Three class indices, e.g. "0, 1, 9". */
  classes: string;
  /** Three sample indices of the validation split, e.g. "12, 40, 7". */
  samples: string;
}

export type PlaneSetField = 'count' | 'seed' | 'classes' | 'samples' | 'form';

export type PlaneSetErrors = Partial<Record<PlaneSetField, string>>;

export interface PlaneSetRequest {
  count: number;
  seed: number;
  /** Canonical rule text. */
  rule: string;
}

const MAX_COUNT = 1_000;
const MAX_SEED = 2 ** 31 - 1;

export function emptyPlaneSetForm(seed: number): PlaneSetForm {
  return { count: '10', seed: String(seed), choice: 'random-classes', classes: '', samples: '' };
}

function whole(text: string, low: number, high: number): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= low && value <= high ? value : null;
}

/** Three whole numbers separated by commas or spaces, or null. */
function three(text: string): number[] | null {
  const parts = text
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean);
  if (parts.length !== 3 || !parts.every((part) => /^\d+$/.test(part))) return null;
  return parts.map(Number);
}

/**
 * The request the form describes, or the errors of its fields. Given samples span one
 * plane and need no seed: count 1 and seed 0 are sent whatever the disabled fields hold.
 */
export function planeSetRequest(
  form: PlaneSetForm,
): { request: PlaneSetRequest; errors: null } | { request: null; errors: PlaneSetErrors } {
  const errors: PlaneSetErrors = {};
  const given = form.choice === 'samples';
  const count = given ? 1 : whole(form.count, 1, MAX_COUNT);
  if (count === null) errors.count = `a whole number of planes from 1 to ${MAX_COUNT}`;
  const seed = given ? 0 : whole(form.seed, 0, MAX_SEED);
  if (seed === null) errors.seed = `a whole number from 0 to ${MAX_SEED}`;
  let rule = 'random-classes';
  if (form.choice !== 'random-classes') {
    const field = form.choice;
    const values = three(form[field]);
    if (!values) {
      errors[field] =
        field === 'classes'
          ? 'three class numbers, e.g. 0, 1, 9'
          : 'three sample indices of the validation split, e.g. 12, 40, 7';
    } else {
      try {
        rule = planeRuleSchema().parse(`${field}:${values.join(',')}`, 'rule');
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        errors[field] = error.problem;
      }
    }
  }
  if (count === null || seed === null || Object.keys(errors).length > 0) {
    return { request: null, errors };
  }
  return { request: { count, seed, rule }, errors: null };
}

/**
 * Where an api error belongs in the form: its field path ('params.rule.classes[2]',
 * 'params.count') picks the field, and the message loses the path the field already says.
 */
export function planeSetErrorField(
  error: unknown,
  choice: PlaneRuleChoice,
): { field: PlaneSetField; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  const path = (error as { path?: unknown }).path;
  if (typeof path !== 'string') return { field: 'form', message };
  const problem = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
  if (/^params\.rule\.classes\b/.test(path)) return { field: 'classes', message: problem };
  if (/^params\.rule\.samples\b/.test(path)) return { field: 'samples', message: problem };
  if (path === 'params.rule' && choice !== 'random-classes') {
    return { field: choice, message: problem };
  }
  if (path === 'params.count') return { field: 'count', message: problem };
  if (path === 'params.seed') return { field: 'seed', message: problem };
  return { field: 'form', message };
}

/** A plane set as lists show it: "set 4 · classes 0, 1, 9 · 10 planes · seed 7". */
export function planeSetLabel(set: PlaneSetSummary): string {
  const rule = parsePlaneRuleText(set.rule);
  const planes = `${set.planes.length} plane${set.planes.length === 1 ? '' : 's'}`;
  // Given samples leave nothing to a seed.
  const seed = rule.kind === 'samples' ? '' : ` · seed ${set.seed}`;
  return `set ${set.id} · ${planeRuleWords(rule)} · ${planes}${seed}`;
}
