/**
 * Zoo actions shared by the browser, the model view and the dashboard: each asks what it
 * must (names, confirmation), calls the api, reports the outcome, and lets zoo events
 * refresh the views.
 */
import { api } from '../api/index.ts';
import {
  chooseFileByDialog,
  chooseFilesByDialog,
  fileReferenceOf,
  fileSourceOf,
  saveExport,
} from '../api/files.ts';
import type { FileReference, FileSource } from '../../../src-shared/api/file-source.ts';
import type {
  ExperimentSummary,
  ModelSummary,
  ProjectSummary,
} from '../../../src-shared/api/dto.ts';
import { downloadBlob, safeFileName } from '../lib/download.ts';
import { dialogs } from './dialogs.svelte.ts';
import { lab } from './lab.svelte.ts';
import { router } from './router.svelte.ts';
import { zoo } from './zoo.svelte.ts';

const nameCheck = (value: string) =>
  value.trim() === ''
    ? 'must not be empty'
    : value.trim().length > 200
      ? 'must have at most 200 characters'
      : null;

async function run<T>(what: string, call: () => Promise<T>): Promise<T | null> {
  try {
    const result = await call();
    zoo.scheduleRefresh(0);
    return result;
  } catch (error) {
    lab.error(error, what);
    return null;
  }
}

export async function createProject(): Promise<ProjectSummary | null> {
  const name = await dialogs.prompt('New project', '', {
    confirmLabel: 'Create',
    validate: nameCheck,
  });
  if (name === null) return null;
  const project = await run('Could not create the project', () =>
    api.createProject({ name, description: '' }),
  );
  if (project) {
    zoo.currentProjectId = project.id;
    zoo.expanded.add(`p${project.id}`);
    lab.toast(`Created project “${project.name}”`, 'success');
  }
  return project;
}

export async function renameProject(project: ProjectSummary): Promise<void> {
  const name = await dialogs.prompt('Rename project', project.name, { validate: nameCheck });
  if (name !== null && name.trim() !== project.name)
    await run('Rename failed', () => api.renameProject({ id: project.id, name }));
}

export async function editProjectNotes(project: ProjectSummary): Promise<void> {
  const notes = await dialogs.prompt(`Notes · ${project.name}`, project.notes, { multiline: true });
  if (notes !== null)
    await run('Saving notes failed', () => api.setProjectNotes({ id: project.id, notes }));
}

export async function deleteProject(project: ProjectSummary): Promise<void> {
  const sure = await dialogs.confirm(
    'Delete project',
    `Delete “${project.name}” with its ${project.experimentCount} experiments and ${project.modelCount} models? This cannot be undone.`,
    'Delete',
    true,
  );
  if (sure && (await run('Delete failed', () => api.deleteProject({ id: project.id })))) {
    lab.toast(`Deleted project “${project.name}”`, 'success');
  }
}

/** Written by the lab to a file: a download in browser mode, where the user says in the app. */
export async function exportProject(project: ProjectSummary): Promise<void> {
  await run('Export failed', () =>
    saveExport({
      what: 'project',
      id: project.id,
      fileName: `${safeFileName(project.name)}.mbh-project.json`,
    }),
  );
}

/** A project bundle chosen by the desktop app's open dialog, else by the page's picker. */
export async function chooseProjectToImport(): Promise<void> {
  const chosen = await chooseFileByDialog([{ name: 'Project bundle', extensions: ['json'] }]);
  if (chosen === undefined) pickFile('.json,application/json', (file) => void importProject(file));
  else if (chosen !== null) await importProjectFrom(chosen.name, chosen.source);
}

/** Imports a picked or dropped project bundle (uploaded first in browser mode). */
export async function importProject(file: File): Promise<void> {
  await importProjectFrom(file.name, fileSourceOf(file));
}

async function importProjectFrom(
  name: string,
  source: FileSource | Promise<FileSource>,
): Promise<void> {
  const project = await run(`Import of ${name} failed`, async () =>
    api.importProject({ json: await source }),
  );
  if (project) {
    zoo.currentProjectId = project.id;
    lab.toast(`Imported project “${project.name}”`, 'success');
  }
}

/** Imports the demo project (small trained networks shipped with the lab) and opens Compare. */
export async function openDemoProject(): Promise<void> {
  const project = await run('Opening the demo project failed', () => api.openDemoProject({}));
  if (project) {
    zoo.currentProjectId = project.id;
    lab.toast(`Opened “${project.name}”: ${project.modelCount} trained models`, 'success');
    router.go('compare', null, { project: project.id });
  }
}

/** The file types the model import takes (Model JSON or bundle, and other frameworks'). */
export const MODEL_FILE_TYPES = '.json,.onnx,.safetensors,.pt,.pth,.bin,application/json';

/** The file types of the desktop app's model import dialog. */
const MODEL_FILE_FILTERS = [
  { name: 'Model files', extensions: ['json', 'onnx', 'safetensors', 'pt', 'pth', 'bin'] },
];

/** The model file first (the one that is not a tfjs weight shard), then the shards. */
function modelFirst<T extends { name: string }>(files: readonly T[]): T[] {
  const main = files.find((file) => !/\.bin$/i.test(file.name)) ?? files[0];
  return [main, ...files.filter((file) => file !== main)];
}

/**
 * Imports a dropped or picked model file: Model JSON or bundle, ONNX, safetensors, a
 * PyTorch state_dict or a tfjs model.json together with its weight shards (.bin). Each
 * file is uploaded (browser mode) or named by its path (desktop app).
 */
export async function importModel(files: File | readonly File[], projectId: number): Promise<void> {
  const list = Array.isArray(files) ? (files as readonly File[]) : [files as File];
  if (list.length === 0) return;
  const ordered = modelFirst(list);
  await importModelFrom(
    ordered[0].name,
    async () =>
      Promise.all(
        ordered.map(async (file) => ({ name: file.name, source: await fileReferenceOf(file) })),
      ),
    projectId,
  );
}

/** The import dialog: the desktop app's open dialog (several files), else the page's picker. */
export async function chooseModelToImport(projectId: number): Promise<void> {
  const chosen = await chooseFilesByDialog(MODEL_FILE_FILTERS);
  if (chosen === undefined) {
    pickFiles(MODEL_FILE_TYPES, (files) => void importModel(files, projectId));
  } else if (chosen !== null && chosen.length > 0) {
    const ordered = modelFirst(chosen);
    await importModelFrom(ordered[0].name, async () => ordered, projectId);
  }
}

async function importModelFrom(
  main: string,
  files: () => Promise<{ name: string; source: FileReference }[]>,
  projectId: number,
): Promise<void> {
  const imported = await run(`Import of ${main} failed`, async () =>
    api.importModelFile({
      projectId,
      files: await files(),
      maskZeros: false,
      name: main.replace(/\.(json|onnx|safetensors|pth?)$/i, '').slice(0, 200) || undefined,
    }),
  );
  if (imported) {
    const { model, source } = imported;
    const notes = source.notes.length > 0 ? ` — ${source.notes.join('; ')}` : '';
    lab.toast(`Imported model “${model.name}” (${source.format})${notes}`, 'success');
    router.go('model', model.id);
  }
}

export async function renameExperiment(experiment: ExperimentSummary): Promise<void> {
  const name = await dialogs.prompt('Rename experiment', experiment.name, { validate: nameCheck });
  if (name !== null && name.trim() !== experiment.name)
    await run('Rename failed', () => api.renameExperiment({ id: experiment.id, name }));
}

/** The experiment's report: one self-contained HTML file (spec, environment, figures, tables, CIs). */
export async function exportReport(experiment: ExperimentSummary): Promise<void> {
  await run('Report failed', () =>
    saveExport({
      what: 'report',
      id: experiment.id,
      fileName: `${safeFileName(experiment.name)}.report.html`,
    }),
  );
}

export async function deleteExperiment(experiment: ExperimentSummary): Promise<void> {
  const sure = await dialogs.confirm(
    'Delete experiment',
    `Delete “${experiment.name}” with its ${experiment.modelCount} models and their jobs? This cannot be undone.`,
    'Delete',
    true,
  );
  if (sure) await run('Delete failed', () => api.deleteExperiment({ id: experiment.id }));
}

export async function renameModel(model: ModelSummary): Promise<void> {
  const name = await dialogs.prompt('Rename model', model.name, { validate: nameCheck });
  if (name !== null && name.trim() !== model.name)
    await run('Rename failed', () => api.renameModel({ id: model.id, name }));
}

export async function editModelTags(model: ModelSummary): Promise<void> {
  const text = await dialogs.prompt('Tags', model.tags.join(', '), {
    message: 'Comma-separated, e.g. “baseline, sparse”.',
    validate: (value) => {
      const tags = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (new Set(tags).size !== tags.length) return 'a tag appears twice';
      return tags.some((t) => t.length > 100) ? 'a tag has more than 100 characters' : null;
    },
  });
  if (text === null) return;
  const tags = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  await run('Saving tags failed', () => api.setModelTags({ id: model.id, tags }));
}

export async function editModelNotes(model: ModelSummary): Promise<void> {
  const notes = await dialogs.prompt(`Notes · ${model.name}`, model.notes, { multiline: true });
  if (notes !== null)
    await run('Saving notes failed', () => api.setModelNotes({ id: model.id, notes }));
}

export async function deleteModel(model: ModelSummary): Promise<boolean> {
  const sure = await dialogs.confirm(
    'Delete model',
    `Delete “${model.name}” and its checkpoints and measurements?`,
    'Delete',
    true,
  );
  return sure && (await run('Delete failed', () => api.deleteModel({ id: model.id }))) !== null;
}

/** A model bundle, or one checkpoint's Model JSON, written by the lab (see exportProject). */
export async function exportModel(model: ModelSummary, iteration?: number): Promise<void> {
  const slug = safeFileName(model.name);
  await run('Export failed', () =>
    saveExport({
      what: 'model',
      id: model.id,
      ...(iteration !== undefined ? { iteration } : {}),
      fileName:
        iteration !== undefined
          ? `${slug}.iter${iteration}.mbh-model.json`
          : `${slug}.mbh-bundle.json`,
    }),
  );
}

/** One checkpoint (the last when `iteration` is absent) as an ONNX or safetensors file. */
export async function exportModelAs(
  model: ModelSummary,
  format: 'onnx' | 'safetensors',
  iteration?: number,
): Promise<void> {
  const file = await run('Export failed', () =>
    api.exportModelFile({
      id: model.id,
      format,
      ...(iteration !== undefined ? { iteration } : {}),
    }),
  );
  if (file) {
    const bytes = new Uint8Array(file.bytes);
    downloadBlob(new Blob([bytes], { type: 'application/octet-stream' }), file.fileName);
  }
}

/** Opens the browser's file picker (several files with `multiple`) and hands them on. */
export function pickFiles(accept: string, then: (files: File[]) => void): void {
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = accept;
  input.multiple = true;
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    if (files.length > 0) then(files);
  });
  input.click();
}

/** Opens the browser's file picker and hands the chosen file on. */
export function pickFile(accept: string, then: (file: File) => void): void {
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = accept;
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) then(file);
  });
  input.click();
}
