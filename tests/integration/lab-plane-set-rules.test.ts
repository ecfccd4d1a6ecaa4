/**
 * Plane sets chosen by rule through the api (issue 10 §4): random classes, given classes
 * and given samples each make a stored set carrying its rule; the same (dataset, count,
 * seed, rule) always gives the same shared set, with the planes the draw gives in-process
 * from the same seed; another rule is another set; a rule the dataset cannot satisfy is
 * refused naming the field, and nothing is stored. The CLI's --plane-rule takes the same
 * text, and a project bundle carries the rule (one without it means random classes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/service.ts';
import { DatasetRegistry } from '../../src-main/data/registry.ts';
import { drawPlanes } from '../../src-main/lab/plane-sets.ts';
import { parsePlaneRuleText } from '../../src-shared/model/plane-rule.ts';
import type { PlaneSetSummary } from '../../src-shared/api/dto.ts';

const home = mkdtempSync(join(tmpdir(), 'mbh-plane-rules-'));
let lab: LabService;
beforeAll(async () => {
  lab = await LabService.open({ home, shell: 'cli', workers: 1 });
});
afterAll(async () => {
  await lab.close({ pauseRunning: true });
  rmSync(home, { recursive: true, force: true });
});

const mnist = { datasetId: 'mnist', clip: false } as const;

async function refusal(call: Promise<unknown>): Promise<{ message: string; path: unknown }> {
  try {
    await call;
  } catch (error) {
    return { message: (error as Error).message, path: (error as { path?: unknown }).path };
  }
  throw new Error('the call was not refused');
}

/** The planes drawn in this process from the lab's own copy of the dataset: the oracle. */
function drawnHere(count: number, seed: number, rule: string) {
  const dataset = new DatasetRegistry(home).load('mnist');
  return drawPlanes(
    {
      inputDim: dataset.inputDim,
      classCount: dataset.classCount,
      x: dataset.test.x,
      y: dataset.test.y,
      count: dataset.test.count,
      inputBox: dataset.inputBox,
    },
    count,
    seed,
    false,
    parsePlaneRuleText(rule),
  );
}

const geometry = (set: PlaneSetSummary) =>
  set.planes.map((plane) => ({
    sampleIndices: plane.sampleIndices,
    labels: plane.labels,
    points: Array.from(plane.points),
    domain: Array.from(plane.domain),
  }));

describe('plane sets by rule', () => {
  it('spans every plane by the given classes, shared and reproducible', async () => {
    const set = await lab.createPlaneSet({ ...mnist, count: 3, seed: 5, rule: 'classes: 0, 1, 9' });
    expect(set).toMatchObject({ datasetId: 'mnist', seed: 5, rule: 'classes:0,1,9' });
    expect(set.planes.map((plane) => plane.labels)).toEqual([
      [0, 1, 9],
      [0, 1, 9],
      [0, 1, 9],
    ]);
    // The images the lab shows are of those classes (read from the dataset, not the set).
    for (const plane of [0, 1, 2]) {
      const images = await lab.getSpanningImages({ planeSetId: set.id, plane });
      expect(images.labels).toEqual([0, 1, 9]);
    }
    // The draw is the seed's: the same planes in-process, and the same set when asked again.
    const here = drawnHere(3, 5, 'classes:0,1,9');
    expect(set.planes.map((plane) => plane.sampleIndices)).toEqual(
      here.map((plane) => plane.sampleIndices),
    );
    expect(set.planes.map((plane) => Array.from(plane.points))).toEqual(
      here.map((plane) => Array.from(plane.points)),
    );
    const again = await lab.createPlaneSet({ ...mnist, count: 3, seed: 5, rule: 'classes:0,1,9' });
    expect(again.id).toBe(set.id);
    expect(geometry(again)).toEqual(geometry(set));
    // Another rule, or none (random classes), under the same count and seed: other sets.
    const other = await lab.createPlaneSet({ ...mnist, count: 3, seed: 5, rule: 'classes:0,1,8' });
    const random = await lab.createPlaneSet({ ...mnist, count: 3, seed: 5 });
    expect(new Set([set.id, other.id, random.id]).size).toBe(3);
    expect(other.planes.map((plane) => plane.labels[2])).toEqual([8, 8, 8]);
    expect(random.rule).toBe('random-classes');
    expect(geometry(random)).toEqual(
      geometry({ ...random, planes: drawnHere(3, 5, 'random-classes') }),
    );
    for (const plane of random.planes) expect(new Set(plane.labels).size).toBe(3);
    const listed = await lab.listPlaneSets({ datasetId: 'mnist' });
    expect(listed.map((s) => [s.id, s.rule])).toEqual([
      [set.id, 'classes:0,1,9'],
      [other.id, 'classes:0,1,8'],
      [random.id, 'random-classes'],
    ]);
  });

  it('puts one plane through exactly the given samples, whatever the seed', async () => {
    const set = await lab.createPlaneSet({ ...mnist, count: 1, seed: 99, rule: 'samples:12,40,7' });
    expect(set).toMatchObject({ seed: 0, rule: 'samples:12,40,7' });
    expect(set.planes.map((plane) => plane.sampleIndices)).toEqual([[12, 40, 7]]);
    const images = await lab.getSpanningImages({ planeSetId: set.id, plane: 0 });
    expect(set.planes[0].labels).toEqual(images.labels);
    expect(drawnHere(1, 0, 'samples:12,40,7')[0].labels).toEqual(images.labels);
    const again = await lab.createPlaneSet({
      ...mnist,
      count: 1,
      seed: 3,
      rule: 'samples:12,40,7',
    });
    expect(again.id).toBe(set.id);
  });

  it('refuses a rule the dataset cannot satisfy, naming the field, and stores nothing', async () => {
    const before = await lab.listPlaneSets({});
    const cases: [Parameters<LabService['createPlaneSet']>[0], string, string][] = [
      [
        { ...mnist, count: 2, seed: 1, rule: 'classes:0,1,10' },
        'params.rule.classes[2]',
        'class 10 does not exist (the dataset has classes 0–9)',
      ],
      [
        { ...mnist, count: 2, seed: 1, rule: 'classes:4,1,4' },
        'params.rule.classes[2]',
        'classes must be distinct: 4 is given twice',
      ],
      [
        { ...mnist, count: 1, seed: 1, rule: 'samples:1,2,10000' },
        'params.rule.samples[2]',
        'sample 10000 is out of range (the validation split has 10000 samples, 0–9999)',
      ],
      [
        { ...mnist, count: 2, seed: 1, rule: 'samples:1,2,3' },
        'params.count',
        'must be 1 when the spanning samples are given (every plane would be the same), got 2',
      ],
      [
        { datasetId: 'xor', clip: false, count: 2, seed: 1, rule: 'classes:0,1,2' },
        'params.rule.classes[2]',
        'class 2 does not exist (the dataset has classes 0–1)',
      ],
      [
        { ...mnist, count: 2, seed: 1, rule: 'classes:0,1' },
        'params.rule',
        "must be 'random-classes', 'classes:a,b,c' or 'samples:i,j,k', got 'classes:0,1'",
      ],
    ];
    for (const [params, path, problem] of cases) {
      expect(await refusal(lab.createPlaneSet(params))).toEqual({
        message: `${path}: ${problem}`,
        path,
      });
    }
    expect(await lab.listPlaneSets({})).toEqual(before);
  });

  it('names a given class without validation samples, found while drawing in the worker', async () => {
    // Labels 0, 1 and 3: class 2 exists (classes are 0–3) but has no sample at all.
    const rows = ['a,b,c,label'];
    for (let row = 0; row < 80; row++) {
      rows.push(
        `${Math.sin(row)},${Math.cos(3 * row)},${Math.sin(7 * row + 1)},${[0, 1, 3][row % 3]}`,
      );
    }
    const dataset = await lab.importDataset({
      name: 'Gap',
      format: 'csv',
      csv: rows.join('\n'),
      testShare: 0.25,
    });
    expect(dataset.classCount).toBe(4);
    const before = await lab.listPlaneSets({});
    expect(
      await refusal(
        lab.createPlaneSet({
          datasetId: dataset.id,
          clip: false,
          count: 2,
          seed: 0,
          rule: 'classes:0,2,3',
        }),
      ),
    ).toEqual({
      message: 'params.rule.classes[1]: class 2 has no sample in the validation split',
      path: 'params.rule.classes[1]',
    });
    expect(await lab.listPlaneSets({})).toEqual(before);
    const fine = await lab.createPlaneSet({
      datasetId: dataset.id,
      clip: false,
      count: 2,
      seed: 0,
      rule: 'classes:3,0,1',
    });
    expect(fine.planes.map((plane) => plane.labels)).toEqual([
      [3, 0, 1],
      [3, 0, 1],
    ]);
  });
});
