/**
 * The planes dialog's form (issue 10 §4): what it sends for each rule choice, what it
 * refuses itself (not three numbers, a repeated class, a count or seed out of range), how
 * an error of the api lands beside the field its path names, and how a set is listed.
 */
import { describe, expect, it } from 'vitest';
import type { PlaneSetSummary } from '../../src-shared/api/dto.ts';
import { ApiError } from '../../src-shared/api/wire.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import {
  emptyPlaneSetForm,
  planeSetErrorField,
  planeSetLabel,
  planeSetRequest,
  type PlaneSetForm,
} from '../../src-renderer/src/lib/plane-set-form.ts';

const form = (changes: Partial<PlaneSetForm>): PlaneSetForm => ({
  ...emptyPlaneSetForm(42),
  ...changes,
});

describe('planes dialog form', () => {
  it('sends count, seed and the rule in canonical text', () => {
    expect(planeSetRequest(emptyPlaneSetForm(42))).toEqual({
      request: { count: 10, seed: 42, rule: 'random-classes' },
      errors: null,
    });
    expect(planeSetRequest(form({ choice: 'classes', classes: ' 0, 1 9', count: '4' }))).toEqual({
      request: { count: 4, seed: 42, rule: 'classes:0,1,9' },
      errors: null,
    });
    // Given samples span one plane and need no seed, whatever the disabled fields hold.
    expect(
      planeSetRequest(form({ choice: 'samples', samples: '12,40,7', count: '', seed: 'x' })),
    ).toEqual({ request: { count: 1, seed: 0, rule: 'samples:12,40,7' }, errors: null });
    // The text of the choice not taken is not read.
    expect(planeSetRequest(form({ classes: 'rubbish' })).request?.rule).toBe('random-classes');
  });

  it('refuses what it can tell without the dataset, beside the field', () => {
    expect(planeSetRequest(form({ choice: 'classes', classes: '0, 1' })).errors).toEqual({
      classes: 'three class numbers, e.g. 0, 1, 9',
    });
    expect(planeSetRequest(form({ choice: 'classes', classes: '3, 1, 3' })).errors).toEqual({
      classes: 'classes must be distinct: 3 is given twice',
    });
    expect(planeSetRequest(form({ choice: 'samples', samples: '1, -2, 3' })).errors).toEqual({
      samples: 'three sample indices of the validation split, e.g. 12, 40, 7',
    });
    expect(planeSetRequest(form({ count: '0', seed: '2147483648' })).errors).toEqual({
      count: 'a whole number of planes from 1 to 1000',
      seed: 'a whole number from 0 to 2147483647',
    });
    expect(planeSetRequest(form({ count: '2.5' })).errors).toEqual({
      count: 'a whole number of planes from 1 to 1000',
    });
  });

  it('puts an api error beside the field its path names, without the path', () => {
    const api = (path: string, problem: string) =>
      new ApiError({ name: 'ValidationError', message: `${path}: ${problem}`, path });
    expect(
      planeSetErrorField(
        api('params.rule.classes[2]', 'class 10 does not exist (the dataset has classes 0–9)'),
        'classes',
      ),
    ).toEqual({
      field: 'classes',
      message: 'class 10 does not exist (the dataset has classes 0–9)',
    });
    expect(
      planeSetErrorField(
        new ValidationError('params.rule.samples[0]', 'sample 99999 is out of range'),
        'samples',
      ),
    ).toEqual({ field: 'samples', message: 'sample 99999 is out of range' });
    expect(planeSetErrorField(api('params.count', 'must be 1'), 'samples')).toEqual({
      field: 'count',
      message: 'must be 1',
    });
    expect(planeSetErrorField(api('params.rule.samples', 'span no plane'), 'samples')).toEqual({
      field: 'samples',
      message: 'span no plane',
    });
    // Anything else is said whole, under the form.
    expect(planeSetErrorField(new Error('the lab is closed'), 'classes')).toEqual({
      field: 'form',
      message: 'the lab is closed',
    });
    expect(planeSetErrorField(api('params.datasetId', 'unknown dataset "x"'), 'classes')).toEqual({
      field: 'form',
      message: 'params.datasetId: unknown dataset "x"',
    });
  });

  it('lists a set with its rule in words', () => {
    const set = (rule: string, planes: number): PlaneSetSummary => ({
      id: 4,
      datasetId: 'mnist',
      seed: 7,
      clip: false,
      rule,
      planes: Array.from({ length: planes }, (_, index) => ({
        index,
        sampleIndices: [1, 2, 3],
        labels: [0, 1, 9],
        points: new Float64Array(6),
        domain: new Float64Array(6),
      })),
      createdAt: 0,
    });
    expect(planeSetLabel(set('classes:0,1,9', 10))).toBe(
      'set 4 · classes 0, 1, 9 · 10 planes · seed 7',
    );
    expect(planeSetLabel(set('random-classes', 2))).toBe(
      'set 4 · random classes · 2 planes · seed 7',
    );
    expect(planeSetLabel(set('samples:12,40,7', 1))).toBe('set 4 · samples 12, 40, 7 · 1 plane');
  });
});
