/**
 * Saved compare views in the zoo (migration 3): saved by name per project (saving a name
 * again replaces its state), one default per project, gone with their project, and
 * refused with a message naming the missing project or view.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareViewStateSchema } from '../../src-shared/api/compare-view.ts';
import { deleteView, listViews, saveView, setDefaultView } from '../../src-main/lab/views.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

let dir: string;
let zoo: Zoo;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-views-'));
  zoo = Zoo.open(join(dir, 'zoo.sqlite'));
});
afterEach(() => {
  zoo.close();
  rmSync(dir, { recursive: true, force: true });
});

const state = (groupBy: 'density' | 'seed', picked: number[] = []) =>
  compareViewStateSchema.parse({ figure: 'curves', curves: { groupBy, smoothing: 0.8 }, picked });

describe('saved compare views', () => {
  it('saves, replaces by name, and keeps one default per project', () => {
    const project = zoo.projects.create('p', '');
    const other = zoo.projects.create('q', '');
    const a = saveView(zoo, project, 'by density', state('density', [3, 1]), true);
    expect(a).toMatchObject({ name: 'by density', isDefault: true, projectId: project });
    expect(a.state.curves.groupBy).toBe('density');
    expect(a.state.picked).toEqual([3, 1]);
    const b = saveView(zoo, project, 'by seed', state('seed'), true);
    expect(listViews(zoo, project).map((v) => [v.name, v.isDefault])).toEqual([
      ['by density', false],
      ['by seed', true],
    ]);
    // Saving an existing name replaces its state and keeps its id.
    const again = saveView(zoo, project, 'by density', state('seed'), false);
    expect(again.id).toBe(a.id);
    expect(again.state.curves.groupBy).toBe('seed');
    expect(listViews(zoo, project)).toHaveLength(2);
    // Another project has its own names and default.
    saveView(zoo, other, 'by density', state('density'), true);
    expect(listViews(zoo, other).map((v) => v.isDefault)).toEqual([true]);
    expect(listViews(zoo, project).find((v) => v.id === b.id)!.isDefault).toBe(true);
    expect(setDefaultView(zoo, project, a.id).map((v) => [v.name, v.isDefault])).toEqual([
      ['by density', true],
      ['by seed', false],
    ]);
    expect(setDefaultView(zoo, project, undefined).some((v) => v.isDefault)).toBe(false);
  });

  it('refuses a default from another project and names missing things', () => {
    const project = zoo.projects.create('p', '');
    const other = zoo.projects.create('q', '');
    const view = saveView(zoo, other, 'v', state('seed'), false);
    expect(() => setDefaultView(zoo, project, view.id)).toThrow(`no view with id ${view.id}`);
    expect(() => saveView(zoo, 999, 'v', state('seed'), false)).toThrow('no project with id 999');
    expect(() => deleteView(zoo, 12345)).toThrow('no view with id 12345');
    expect(deleteView(zoo, view.id).name).toBe('v');
    expect(listViews(zoo, other)).toEqual([]);
  });

  it('goes with its project', () => {
    const project = zoo.projects.create('p', '');
    saveView(zoo, project, 'v', state('seed'), true);
    zoo.projects.delete(project);
    const count = zoo.db.prepare('SELECT count(*) AS n FROM compare_views').get() as { n: number };
    expect(count.n).toBe(0);
  });
});
