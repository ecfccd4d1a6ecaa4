/**
 * How a plane set's three spanning points are chosen (issue 10 §4): random classes as the
 * thesis does (§6.3, the default), three given classes (e.g. 0, 1 and 9 as in figures
 * B.1–B.2; a random sample of each per plane), or three given sample indices of the
 * validation split (one plane through exactly those images). A rule has one canonical
 * text form — 'random-classes', 'classes:0,1,9', 'samples:12,40,7' — so the same request
 * names the same stored plane set.
 */
import { string, ValidationError, type Schema } from '../api/validate.ts';

export type PlaneRule =
  | { readonly kind: 'random-classes' }
  | { readonly kind: 'classes'; readonly classes: readonly [number, number, number] }
  | { readonly kind: 'samples'; readonly samples: readonly [number, number, number] };

export const DEFAULT_PLANE_RULE: PlaneRule = { kind: 'random-classes' };

/** The default rule's canonical text: what every plane set drawn before rules existed used. */
export const DEFAULT_PLANE_RULE_TEXT = 'random-classes';

/** The canonical text of a rule (stored with the plane set, part of its key). */
export function planeRuleText(rule: PlaneRule): string {
  switch (rule.kind) {
    case 'random-classes':
      return 'random-classes';
    case 'classes':
      return `classes:${rule.classes.join(',')}`;
    case 'samples':
      return `samples:${rule.samples.join(',')}`;
  }
}

/** The rule in words, as lists show it: 'random classes', 'classes 0, 1, 9', 'samples 12, 40, 7'. */
export function planeRuleWords(rule: PlaneRule): string {
  switch (rule.kind) {
    case 'random-classes':
      return 'random classes';
    case 'classes':
      return `classes ${rule.classes.join(', ')}`;
    case 'samples':
      return `samples ${rule.samples.join(', ')}`;
  }
}

/** What the split a plane set is drawn from offers: its classes and how many samples. */
export interface PlaneRuleBounds {
  readonly classCount: number;
  readonly sampleCount: number;
  /** Samples per class in the split (a given class must have at least one). */
  readonly perClass?: readonly number[];
}

function triple(values: readonly number[], path: string, what: string): [number, number, number] {
  if (values.length !== 3) {
    throw new ValidationError(path, `needs exactly three ${what}, got ${values.length}`);
  }
  values.forEach((value, k) => {
    if (!Number.isInteger(value) || value < 0) {
      throw new ValidationError(`${path}[${k}]`, `must be a whole number ≥ 0, got ${value}`);
    }
  });
  const seen = values.findIndex((value, k) => values.indexOf(value) !== k);
  if (seen >= 0) {
    throw new ValidationError(
      `${path}[${seen}]`,
      `${what} must be distinct: ${values[seen]} is given twice`,
    );
  }
  return [values[0], values[1], values[2]];
}

/**
 * Checks a rule against the split it is drawn from and the plane count asked for; the
 * error names the field: a class that does not exist or has no sample, a repeated class
 * or sample, an index out of range, given samples with more than one plane (every plane
 * would be the same one).
 */
export function checkPlaneRule(
  rule: PlaneRule,
  bounds: PlaneRuleBounds,
  count: number,
  path = 'rule',
  countPath = 'count',
): PlaneRule {
  switch (rule.kind) {
    case 'random-classes':
      return DEFAULT_PLANE_RULE;
    case 'classes': {
      const classes = triple(rule.classes, `${path}.classes`, 'classes');
      classes.forEach((label, k) => {
        if (label >= bounds.classCount) {
          throw new ValidationError(
            `${path}.classes[${k}]`,
            `class ${label} does not exist (the dataset has classes 0–${bounds.classCount - 1})`,
          );
        }
        if (bounds.perClass && bounds.perClass[label] === 0) {
          throw new ValidationError(
            `${path}.classes[${k}]`,
            `class ${label} has no sample in the validation split`,
          );
        }
      });
      return { kind: 'classes', classes };
    }
    case 'samples': {
      const samples = triple(rule.samples, `${path}.samples`, 'samples');
      samples.forEach((index, k) => {
        if (index >= bounds.sampleCount) {
          throw new ValidationError(
            `${path}.samples[${k}]`,
            `sample ${index} is out of range (the validation split has ${bounds.sampleCount} samples, 0–${bounds.sampleCount - 1})`,
          );
        }
      });
      if (count !== 1) {
        throw new ValidationError(
          countPath,
          `must be 1 when the spanning samples are given (every plane would be the same), got ${count}`,
        );
      }
      return { kind: 'samples', samples };
    }
  }
}

/**
 * Reads a rule's text: the canonical form, or the same with spaces around its parts as a
 * person types it ('classes: 0, 1, 9'); anything else is an error naming `path`.
 */
export function parsePlaneRuleText(text: string, path = 'rule'): PlaneRule {
  if (text.trim() === DEFAULT_PLANE_RULE_TEXT) return DEFAULT_PLANE_RULE;
  const match = /^\s*(classes|samples)\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new ValidationError(
      path,
      `must be 'random-classes', 'classes:a,b,c' or 'samples:i,j,k', got '${text.slice(0, 80)}'`,
    );
  }
  const values = [Number(match[2]), Number(match[3]), Number(match[4])];
  return match[1] === 'classes'
    ? { kind: 'classes', classes: triple(values, `${path}.classes`, 'classes') }
    : { kind: 'samples', samples: triple(values, `${path}.samples`, 'samples') };
}

/**
 * The api's and the bundles' schema of a rule: its text, read by the parser above and
 * given back in canonical form, so that 'classes: 0, 1, 9' and 'classes:0,1,9' name the
 * same stored plane set. Checks that need the dataset (a class or sample out of range)
 * come later, by checkPlaneRule.
 */
export function planeRuleSchema(): Schema<string> {
  const text = string({ min: 1, max: 100 });
  return {
    parse(value: unknown, path = 'rule'): string {
      return planeRuleText(parsePlaneRuleText(text.parse(value, path), path));
    },
  };
}
