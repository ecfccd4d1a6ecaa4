import { describe, expect, it } from 'vitest';
import { FASHION_CLASS_NAMES } from '../../src-main/data/builtin.ts';
import { Random } from '../../src-shared/model/random.ts';
import {
  classPhenomena,
  definePhenomenon,
  phenomenonMembers,
} from '../../src-shared/model/phenomena.ts';

describe('Random', () => {
  it('repeats a sequence for the same seed and stream, and differs across streams', () => {
    const a = Random.create(42, 'x');
    const b = Random.create(42, 'x');
    const c = Random.create(42, 'y');
    const seqA = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(seqA);
  });
  it('restores its state exactly, including a pending normal', () => {
    const a = Random.create(7);
    a.nextNormal();
    const copy = Random.restore(a.state());
    expect([copy.nextNormal(), copy.nextNormal(), copy.nextFloat()]).toEqual([
      a.nextNormal(),
      a.nextNormal(),
      a.nextFloat(),
    ]);
  });
  it('draws standard normals and uniform integers', () => {
    const random = Random.create(1);
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const v = random.nextNormal();
      sum += v;
      squares += v * v;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.01);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[random.nextInt(7)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });
  it('makes subset masks with exactly the requested count', () => {
    const mask = Random.create(3).subsetMask(1000, 137);
    expect(mask.reduce((s, v) => s + v, 0)).toBe(137);
    expect(() => Random.create(3).subsetMask(10, 11)).toThrow(
      'subsetMask: count must be an integer in [0, 10], got 11',
    );
    expect(() => Random.create(-1)).toThrow('seed must be an integer in [0, 4294967295], got -1');
  });
});

describe('phenomena', () => {
  const names = [...FASHION_CLASS_NAMES];
  it('makes one per class and named label sets', () => {
    expect(classPhenomena(names)[5]).toEqual({ name: 'Sandal', labels: [5] });
    const footwear = definePhenomenon(names, 'footwear', [9, 5, 7]);
    expect(footwear).toEqual({ name: 'footwear', labels: [5, 7, 9] });
    expect(Array.from(phenomenonMembers(Uint8Array.from([5, 1, 7, 9, 0]), footwear))).toEqual([
      0, 2, 3,
    ]);
  });
  it('validates labels', () => {
    expect(() => definePhenomenon(names, 'x', [3, 10])).toThrow(
      "phenomenon 'x': labels[1] = 10 is not a class of this dataset (0–9)",
    );
    expect(() => definePhenomenon(names, 'x', [3, 3])).toThrow(
      "phenomenon 'x': class 3 is listed twice",
    );
    expect(() => definePhenomenon(names, '', [3])).toThrow(
      'phenomenon name must be a non-empty string',
    );
    expect(() => definePhenomenon(names, 'x', [])).toThrow(
      "phenomenon 'x': labels must be a non-empty array of class indices",
    );
  });
});
