/**
 * Files between this window and the lab without one giant string on any transport. In
 * browser mode a file is uploaded to the server (POST /upload, streamed to disk there)
 * and an import names it by its upload id; an export is written by the lab and fetched
 * as a download. In the desktop app the main process's dialogs give paths (the bridge's
 * openFile/openFiles/saveFile), and a dropped file its path (the bridge's pathForFile).
 */
import type { FileReference, FileSource } from '../../../src-shared/api/file-source.ts';
import { INLINE_CONTENT_CHARACTERS } from '../../../src-shared/api/file-source.ts';
import { api } from './index.ts';

const MIB = 1024 * 1024;

function bridge() {
  return window.mbhLab;
}

/** Streams a file to the browser-mode server (POST /upload); an import then names the id. */
async function uploadFile(file: File): Promise<{ upload: string }> {
  const response = await fetch('/upload', {
    method: 'POST',
    body: file,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (!response.ok) {
    const reason = (await response.text()).slice(0, 200);
    throw new Error(`uploading ${file.name} failed: ${reason || response.statusText}`);
  }
  const answer = (await response.json()) as { upload: string };
  return { upload: answer.upload };
}

/**
 * A dropped or picked file as a reference an import reads: an upload in browser mode,
 * its path in the desktop app (no file's bytes cross the transport).
 */
export async function fileReferenceOf(file: File): Promise<FileReference> {
  const desktop = bridge();
  if (!desktop) return uploadFile(file);
  const path = (await desktop.pathForFile?.(file)) ?? null;
  if (path === null) {
    throw new Error(`${file.name} has no path on this computer: choose it with the Import button`);
  }
  return { path };
}

/** A dropped or picked file as an import call's file: an upload, a path, or inline in the desktop app. */
export async function fileSourceOf(file: File): Promise<FileSource> {
  const desktop = bridge();
  if (!desktop) return uploadFile(file);
  const path = (await desktop.pathForFile?.(file)) ?? null;
  if (path !== null) return { path };
  if (file.size > INLINE_CONTENT_CHARACTERS) {
    throw new Error(
      `${file.name} has ${(file.size / MIB).toFixed(1)} MiB: choose it with the Import button (files dropped on the window may have at most ${INLINE_CONTENT_CHARACTERS / MIB} MiB)`,
    );
  }
  return file.text();
}

/**
 * In the desktop app, the main process's open dialog: the chosen file as `{ path }` with
 * its name, or null when cancelled. Undefined in browser mode (use the page's picker).
 */
export async function chooseFileByDialog(
  filters: { name: string; extensions: string[] }[],
): Promise<{ source: FileSource; name: string } | null | undefined> {
  const desktop = bridge();
  if (!desktop?.openFile) return undefined;
  const path = await desktop.openFile({ filters });
  if (path === null) return null;
  return { source: { path }, name: path.split(/[\\/]/).pop() ?? path };
}

/**
 * In the desktop app, the open dialog choosing several files: each as `{ path }` with its
 * name, or null when cancelled. Undefined in browser mode (use the page's picker).
 */
export async function chooseFilesByDialog(
  filters: { name: string; extensions: string[] }[],
): Promise<{ source: FileReference; name: string }[] | null | undefined> {
  const desktop = bridge();
  if (!desktop?.openFiles) return undefined;
  const paths = await desktop.openFiles({ filters });
  if (paths === null) return null;
  return paths.map((path) => ({ source: { path }, name: path.split(/[\\/]/).pop() ?? path }));
}

/**
 * Saves an export: the desktop app asks where (save dialog) and the lab writes there; in
 * browser mode the lab writes a download that the browser fetches. False when cancelled.
 */
export async function saveExport(request: {
  what: 'project' | 'model' | 'report';
  id: number;
  iteration?: number;
  fileName: string;
}): Promise<boolean> {
  const { fileName, ...what } = request;
  const desktop = bridge();
  if (desktop?.saveFile) {
    const path = await desktop.saveFile({ defaultName: fileName });
    if (path === null) return false;
    await api.exportToFile({ ...what, to: { path } });
    return true;
  }
  const saved = await api.exportToFile({ ...what, to: 'download' });
  const link = document.createElement('a');
  link.href = `/download/${saved.download}`;
  link.download = saved.fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  return true;
}
