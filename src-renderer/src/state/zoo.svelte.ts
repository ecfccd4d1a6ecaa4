/**
 * The project browser's data: projects → experiments → models → checkpoints, loaded as
 * nodes are opened and refreshed (debounced) when the lab reports a change in the zoo.
 */
import { SvelteSet } from 'svelte/reactivity';
import { api } from '../api/index.ts';
import type {
  CheckpointSummary,
  ExperimentSummary,
  ModelSummary,
  ProjectSummary,
} from '../../../src-shared/api/dto.ts';
import { uniqueSorted } from '../lib/collections.ts';
import { lab } from './lab.svelte.ts';

const STORAGE_KEY = 'mbh-lab-tree';

class ZooState {
  projects = $state.raw<ProjectSummary[]>([]);
  experiments = $state.raw<Record<number, ExperimentSummary[]>>({});
  /** Models per experiment id; key `p<projectId>` holds a project's models without experiment. */
  models = $state.raw<Record<string, ModelSummary[]>>({});
  checkpoints = $state.raw<Record<number, CheckpointSummary[]>>({});
  expanded = new SvelteSet<string>();
  loaded = $state(false);
  /** The project the designer, dashboard and compare view default to (kept across reloads). */
  #currentProjectId = $state<number | null>(null);
  search = $state('');
  tag = $state('');
  results = $state.raw<ModelSummary[] | null>(null);
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private searchSeq = 0;

  constructor() {
    api.on('zoo', () => this.scheduleRefresh());
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as {
        expanded?: string[];
        project?: number | null;
      } | null;
      for (const key of saved?.expanded ?? []) if (/^[pem]\d+$/.test(key)) this.expanded.add(key);
      if (typeof saved?.project === 'number') this.#currentProjectId = saved.project;
    } catch {
      // A damaged entry only loses the remembered tree.
    }
  }

  get currentProjectId(): number | null {
    return this.#currentProjectId;
  }

  set currentProjectId(id: number | null) {
    this.#currentProjectId = id;
    this.persist();
  }

  private persist(): void {
    try {
      localStorage.setItem(
        STORAGE_KEY,
        JSON.stringify({ expanded: [...this.expanded], project: this.#currentProjectId }),
      );
    } catch {
      // Storage may be unavailable (private mode); the tree is then not remembered.
    }
  }

  get currentProject(): ProjectSummary | null {
    return this.projects.find((p) => p.id === this.currentProjectId) ?? null;
  }

  scheduleRefresh(delay = 250): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, delay);
  }

  async refresh(): Promise<void> {
    try {
      this.projects = await api.listProjects({});
      this.loaded = true;
      if (
        this.currentProjectId !== null &&
        !this.projects.some((p) => p.id === this.currentProjectId)
      )
        this.currentProjectId = null;
      if (this.currentProjectId === null && this.projects.length > 0)
        this.currentProjectId = this.projects[0].id;
      const jobs: Promise<unknown>[] = [];
      for (const key of this.expanded) {
        const [kind, id] = [key[0], Number(key.slice(1))];
        const load =
          kind === 'p'
            ? this.loadProject(id)
            : kind === 'e'
              ? this.loadExperiment(id)
              : this.loadCheckpoints(id);
        // A node whose item is gone (deleted elsewhere) closes quietly.
        jobs.push(load.catch(() => this.expanded.delete(key)));
      }
      await Promise.all(jobs);
      if (this.results) await this.runSearch();
    } catch (error) {
      lab.error(error, 'Loading projects failed');
    }
  }

  async loadProject(projectId: number): Promise<void> {
    const [experiments, loose] = await Promise.all([
      api.listExperiments({ projectId }),
      api.listModels({ projectId }),
    ]);
    this.experiments = { ...this.experiments, [projectId]: experiments };
    this.models = {
      ...this.models,
      [`p${projectId}`]: loose.filter((m) => m.experimentId === null),
    };
  }

  async loadExperiment(experimentId: number): Promise<void> {
    const models = await api.listModels({ experimentId });
    this.models = { ...this.models, [`e${experimentId}`]: models };
  }

  async loadCheckpoints(modelId: number): Promise<void> {
    const detail = await api.getModel({ id: modelId });
    this.checkpoints = { ...this.checkpoints, [modelId]: detail.checkpoints };
  }

  async toggle(key: string): Promise<void> {
    if (this.expanded.has(key)) {
      this.expanded.delete(key);
      this.persist();
      return;
    }
    this.expanded.add(key);
    this.persist();
    const id = Number(key.slice(1));
    try {
      if (key[0] === 'p') {
        this.currentProjectId = id;
        await this.loadProject(id);
      } else if (key[0] === 'e') await this.loadExperiment(id);
      else if (key[0] === 'm') await this.loadCheckpoints(id);
    } catch (error) {
      lab.error(error);
    }
  }

  async runSearch(): Promise<void> {
    const search = this.search.trim();
    const tag = this.tag.trim();
    if (search === '' && tag === '') {
      this.results = null;
      return;
    }
    const seq = ++this.searchSeq;
    try {
      const results = await api.listModels({
        ...(search ? { search } : {}),
        ...(tag ? { tag } : {}),
      });
      if (seq === this.searchSeq) this.results = results;
    } catch (error) {
      lab.error(error, 'Search failed');
    }
  }

  /** All tags in the models loaded so far, for the tag filter's suggestions. */
  get knownTags(): string[] {
    return uniqueSorted(
      Object.values(this.models).flatMap((list) => list.flatMap((model) => model.tags)),
    );
  }
}

export const zoo = new ZooState();
