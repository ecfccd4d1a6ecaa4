/**
 * Saved compare views, as the lab service offers them: listed per project, saved by name
 * (saving an existing name replaces its state), one default per project, deleted.
 */
import type { CompareViewState, CompareViewSummary } from '../../src-shared/api/compare-view.ts';
import type { Zoo } from '../zoo/zoo.ts';

export function listViews(zoo: Zoo, projectId: number): CompareViewSummary[] {
  zoo.projects.get(projectId);
  return zoo.views.list(projectId);
}

export function saveView(
  zoo: Zoo,
  projectId: number,
  name: string,
  state: CompareViewState,
  makeDefault: boolean,
): CompareViewSummary {
  return zoo.transaction(() => {
    zoo.projects.get(projectId);
    const id = zoo.views.save(projectId, name, state);
    if (makeDefault) zoo.views.setDefault(projectId, id);
    return zoo.views.get(id);
  });
}

/** Makes a view the project's default, or clears the default (id undefined). */
export function setDefaultView(
  zoo: Zoo,
  projectId: number,
  id: number | undefined,
): CompareViewSummary[] {
  zoo.projects.get(projectId);
  zoo.views.setDefault(projectId, id ?? null);
  return zoo.views.list(projectId);
}

export function deleteView(zoo: Zoo, id: number): CompareViewSummary {
  const view = zoo.views.get(id);
  zoo.views.delete(id);
  return view;
}
