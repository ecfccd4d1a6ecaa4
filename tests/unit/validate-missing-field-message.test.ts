/**
 * Bug: a missing object field was reported as "must be an object, got undefined undefined"
 * (e.g. importing `{"format": "mbh-model-bundle", "version": 1}`).
 */
import { describe, expect, it } from 'vitest';
import { integer, object } from '../../src-shared/api/validate.ts';

describe('validation messages', () => {
  it('name a missing field as missing', () => {
    const schema = object({ model: object({ id: integer() }) });
    expect(() => schema.parse({}, 'bundle')).toThrow(
      'bundle.model: must be an object, got nothing (the field is missing)',
    );
    expect(() => schema.parse({ model: 3 }, 'bundle')).toThrow(
      'bundle.model: must be an object, got number 3',
    );
  });
});
