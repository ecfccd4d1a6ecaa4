/**
 * A project bundle carries each plane set's rule (issue 10 §4): exported, imported into
 * another zoo under the same key (the same shared set if it is there already), a bundle
 * written before rules existed imports as random classes, and a rule its planes do not
 * follow is refused, naming the place.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '../../src-shared/api/dto.ts';
import {
  exportProjectBundle,
  parseProjectBundle,
  storeProjectBundle,
} from '../../src-main/lab/bundles.ts';
import type { StoredPlane } from '../../src-main/zoo/planes.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

let dir: string;
let zoo: Zoo;
let other: Zoo;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-bundle-rule-'));
  zoo = Zoo.open(join(dir, 'a.sqlite'));
  other = Zoo.open(join(dir, 'b.sqlite'));
});
afterEach(() => {
  zoo.close();
  other.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec: ExperimentSpec = {
  name: 'e',
  family: 'custom',
  hiddenNeurons: [9],
  customWidths: [[5, 4]],
  seeds: [1],
  datasets: ['mnist'],
  iterations: 10,
  checkpoints: 'default',
  pruning: { kind: 'random' },
  planeCount: 2,
  planeSeed: 3,
  cps: [0.8],
  scope: 'last',
};

function plane(index: number, labels: [number, number, number]): StoredPlane {
  return {
    index,
    sampleIndices: [10 + index, 20 + index, 30 + index],
    labels,
    origin: new Float64Array([0.5, index]),
    u: new Float64Array([1, 0]),
    v: new Float64Array([0, 1]),
    domain: new Float64Array([-1, -1, 1, -1, 1, 1, -1, 1]),
    points: new Float64Array([0, 0, 1, 0, 0, 1]),
  };
}

/** A project whose experiment uses a plane set drawn by the given classes 0, 1, 9. */
function project(): number {
  return zoo.transaction(() => {
    const projectId = zoo.projects.create('p');
    const planeSetId = zoo.planeSets.create(
      { datasetId: 'mnist', count: 2, seed: 3, clip: false, rule: 'classes:0,1,9' },
      [plane(0, [0, 1, 9]), plane(1, [0, 1, 9])],
    );
    zoo.experiments.create(projectId, spec, planeSetId);
    return projectId;
  });
}

type Bundle = { planeSets: { rule?: string; planes: { labels: number[] }[] }[] };
const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Bundle;
const store = (target: Zoo, bundle: unknown) =>
  target.transaction(() => storeProjectBundle(target, parseProjectBundle(bundle)));

describe('project bundles and plane rules', () => {
  it('export the rule and import it into another zoo under the same key', () => {
    const bundle = json(exportProjectBundle(zoo, project()));
    expect(bundle.planeSets.map((set) => set.rule)).toEqual(['classes:0,1,9']);
    store(other, bundle);
    const [set] = other.planeSets.list();
    expect(set.rule).toBe('classes:0,1,9');
    expect(
      other.planeSets.findByKey({
        datasetId: 'mnist',
        count: 2,
        seed: 3,
        clip: false,
        rule: 'classes:0,1,9',
      }),
    ).toBe(set.id);
    // Imported again: the same shared set, not a second one.
    store(other, bundle);
    expect(other.planeSets.list().map((s) => s.id)).toEqual([set.id]);
  });

  it('read a bundle without a rule (written before rules) as random classes', () => {
    const bundle = json(exportProjectBundle(zoo, project()));
    delete bundle.planeSets[0].rule;
    store(other, bundle);
    expect(other.planeSets.list().map((set) => set.rule)).toEqual(['random-classes']);
  });

  it('refuse a rule the planes do not follow, or that is not a rule, naming the place', () => {
    const bundle = json(exportProjectBundle(zoo, project()));
    bundle.planeSets[0].planes[1].labels = [0, 2, 9];
    expect(() => parseProjectBundle(bundle)).toThrow(
      'project.planeSets[0].rule: says classes 0, 1, 9, but plane 1 has labels 0, 2, 9',
    );
    bundle.planeSets[0].rule = 'samples:10,20,30';
    expect(() => parseProjectBundle(bundle)).toThrow(
      'project.planeSets[0].rule: given samples span one plane, the set has 2',
    );
    bundle.planeSets[0].rule = 'classes:0,0,9';
    expect(() => parseProjectBundle(bundle)).toThrow(
      'project.planeSets[0].rule.classes[1]: classes must be distinct: 0 is given twice',
    );
    expect(other.planeSets.list()).toEqual([]);
  });
});
