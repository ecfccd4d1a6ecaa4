/**
 * How a plane set's spanning points are chosen (issue 10 §4): the rule's canonical text,
 * its validation with errors that name the field, and drawing planes by it — the default
 * is today's random-classes draw, and every rule is reproducible from its seed.
 */
import { describe, expect, it } from 'vitest';
import { drawPlanes, type PlaneSource } from '../../src-main/lab/plane-sets.ts';
import { Random } from '../../src-shared/model/random.ts';
import {
  checkPlaneRule,
  parsePlaneRuleText,
  planeRuleSchema,
  planeRuleText,
  planeRuleWords,
  type PlaneRule,
} from '../../src-shared/model/plane-rule.ts';
import { parseParams } from '../../src-shared/api/contract.ts';

/** 40 samples of 6 inputs in 5 classes (class 4 has none: labels cycle over 0–3). */
function source(): PlaneSource {
  const random = Random.create(3, 'plane-rule-test');
  const count = 40;
  const x = new Float32Array(count * 6);
  for (let i = 0; i < x.length; i++) x[i] = random.nextInt(1000) / 1000;
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) y[i] = i % 4;
  return { inputDim: 6, classCount: 5, x, y, count, inputBox: { low: 0, high: 1 } };
}

const bounds = { classCount: 10, sampleCount: 100 };
const message = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no error');
};

describe('plane rules', () => {
  it('has one canonical text per rule, read back to the same rule', () => {
    const rules: PlaneRule[] = [
      { kind: 'random-classes' },
      { kind: 'classes', classes: [0, 1, 9] },
      { kind: 'samples', samples: [12, 40, 7] },
    ];
    expect(rules.map(planeRuleText)).toEqual([
      'random-classes',
      'classes:0,1,9',
      'samples:12,40,7',
    ]);
    for (const rule of rules) expect(parsePlaneRuleText(planeRuleText(rule))).toEqual(rule);
    expect(message(() => parsePlaneRuleText('classes:1,2'))).toBe(
      "rule: must be 'random-classes', 'classes:a,b,c' or 'samples:i,j,k', got 'classes:1,2'",
    );
  });

  it('refuses a missing class, a repeated one, an index out of range, several planes through given samples', () => {
    expect(message(() => checkPlaneRule({ kind: 'classes', classes: [0, 1, 10] }, bounds, 5))).toBe(
      'rule.classes[2]: class 10 does not exist (the dataset has classes 0–9)',
    );
    expect(message(() => checkPlaneRule({ kind: 'classes', classes: [3, 1, 3] }, bounds, 5))).toBe(
      'rule.classes[2]: classes must be distinct: 3 is given twice',
    );
    expect(
      message(() => checkPlaneRule({ kind: 'classes', classes: [0, 1] } as never, bounds, 5)),
    ).toBe('rule.classes: needs exactly three classes, got 2');
    expect(
      message(() => checkPlaneRule({ kind: 'samples', samples: [5, 100, 7] }, bounds, 1)),
    ).toBe(
      'rule.samples[1]: sample 100 is out of range (the validation split has 100 samples, 0–99)',
    );
    expect(
      message(() => checkPlaneRule({ kind: 'samples', samples: [5, 1.5, 7] }, bounds, 1)),
    ).toBe('rule.samples[1]: must be a whole number ≥ 0, got 1.5');
    expect(message(() => checkPlaneRule({ kind: 'samples', samples: [5, 6, 7] }, bounds, 3))).toBe(
      'count: must be 1 when the spanning samples are given (every plane would be the same), got 3',
    );
    expect(
      message(() =>
        checkPlaneRule(
          { kind: 'classes', classes: [0, 4, 1] },
          { ...bounds, perClass: [4, 4, 4, 4, 0] },
          2,
        ),
      ),
    ).toBe('rule.classes[1]: class 4 has no sample in the validation split');
  });

  it('draws the default planes as before, reproducibly from the seed', () => {
    const data = source();
    const plain = drawPlanes(data, 4, 11, false);
    const byDefault = drawPlanes(data, 4, 11, false, { kind: 'random-classes' });
    expect(byDefault).toEqual(plain);
    expect(drawPlanes(data, 4, 12, false)).not.toEqual(plain);
    // Three distinct random classes per plane, as the thesis draws them.
    for (const plane of plain) expect(new Set(plane.labels).size).toBe(3);
  });

  it('spans every plane by the given classes, in their order, the samples drawn from the seed', () => {
    const data = source();
    const rule: PlaneRule = { kind: 'classes', classes: [2, 0, 3] };
    const planes = drawPlanes(data, 6, 5, false, rule);
    expect(planes).toHaveLength(6);
    for (const plane of planes) {
      expect(plane.labels).toEqual([2, 0, 3]);
      plane.sampleIndices.forEach((index, k) => expect(data.y[index]).toBe(plane.labels[k]));
    }
    expect(new Set(planes.map((plane) => plane.sampleIndices.join(','))).size).toBeGreaterThan(1);
    expect(drawPlanes(data, 6, 5, false, rule)).toEqual(planes);
    expect(drawPlanes(data, 6, 6, false, rule)).not.toEqual(planes);
    expect(() => drawPlanes(data, 6, 5, false, { kind: 'classes', classes: [0, 4, 1] })).toThrow(
      'rule.classes[1]: class 4 has no sample in the validation split',
    );
  });

  it('puts one plane through exactly the given samples', () => {
    const data = source();
    const [plane] = drawPlanes(data, 1, 0, false, { kind: 'samples', samples: [9, 2, 33] });
    expect(plane.sampleIndices).toEqual([9, 2, 33]);
    expect(plane.labels).toEqual([data.y[9], data.y[2], data.y[33]]);
    expect(() => drawPlanes(data, 1, 0, false, { kind: 'samples', samples: [9, 2, 40] })).toThrow(
      'rule.samples[2]: sample 40 is out of range (the validation split has 40 samples, 0–39)',
    );
  });

  it('reads a rule as typed (spaces allowed) to its canonical text and says it in words', () => {
    const schema = planeRuleSchema();
    expect(schema.parse(' classes: 0, 1 ,9 ')).toBe('classes:0,1,9');
    expect(schema.parse('samples:012,40,7')).toBe('samples:12,40,7');
    expect(schema.parse('random-classes')).toBe('random-classes');
    expect(message(() => schema.parse('classes:0,1', 'params.rule'))).toBe(
      "params.rule: must be 'random-classes', 'classes:a,b,c' or 'samples:i,j,k', got 'classes:0,1'",
    );
    expect(message(() => schema.parse('classes:4,4,9', 'params.rule'))).toBe(
      'params.rule.classes[1]: classes must be distinct: 4 is given twice',
    );
    expect(message(() => schema.parse(7, 'params.rule'))).toBe(
      'params.rule: must be text, got number 7',
    );
    expect(message(() => schema.parse('', 'params.rule'))).toBe('params.rule: must not be empty');
    expect(
      ['random-classes', 'classes:0,1,9', 'samples:12,40,7'].map((text) =>
        planeRuleWords(parsePlaneRuleText(text)),
      ),
    ).toEqual(['random classes', 'classes 0, 1, 9', 'samples 12, 40, 7']);
  });

  it('is part of createPlaneSet’s params: canonical text in, absent means random classes', () => {
    const base = { datasetId: 'mnist', count: 3, seed: 1, clip: false };
    expect(parseParams('createPlaneSet', { ...base, rule: 'classes: 0, 1, 9' })).toEqual({
      ...base,
      rule: 'classes:0,1,9',
    });
    expect(parseParams('createPlaneSet', base)).toEqual(base);
    expect(message(() => parseParams('createPlaneSet', { ...base, rule: 'classes:1,1,2' }))).toBe(
      'params.rule.classes[1]: classes must be distinct: 1 is given twice',
    );
    expect(message(() => parseParams('createPlaneSet', { ...base, rule: 'planes:1,2,3' }))).toBe(
      "params.rule: must be 'random-classes', 'classes:a,b,c' or 'samples:i,j,k', got 'planes:1,2,3'",
    );
  });

  it('names the caller’s fields in a rule the dataset cannot satisfy', () => {
    expect(
      message(() =>
        checkPlaneRule(
          { kind: 'samples', samples: [1, 2, 3] },
          bounds,
          2,
          'params.rule',
          'params.count',
        ),
      ),
    ).toBe(
      'params.count: must be 1 when the spanning samples are given (every plane would be the same), got 2',
    );
    expect(() =>
      drawPlanes(
        source(),
        1,
        0,
        false,
        { kind: 'classes', classes: [0, 4, 1] },
        {
          rule: 'params.rule',
          count: 'params.count',
        },
      ),
    ).toThrow('params.rule.classes[1]: class 4 has no sample in the validation split');
  });

  it('refuses given samples that span no plane, naming them', () => {
    const data = source();
    // Sample 5 made a copy of sample 1: the three images lie on one line.
    data.x.copyWithin(5 * data.inputDim, 1 * data.inputDim, 2 * data.inputDim);
    expect(() => drawPlanes(data, 1, 0, false, { kind: 'samples', samples: [1, 5, 9] })).toThrow(
      'rule.samples: samples 1, 5, 9 span no plane: the three images are (nearly) collinear',
    );
  });
});
