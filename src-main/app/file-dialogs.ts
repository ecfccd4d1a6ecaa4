/**
 * The desktop app's file dialogs, run by the main process: the window gets the path the
 * user chose, and the lab reads or writes that file itself (an import's `{ path }`,
 * exportToFile's `to: { path }`), so no file's content crosses IPC as one string. The
 * window may name only paths its dialogs gave it, or of files the user dropped on it (the
 * preload reads a dropped File's path with webUtils; a page can hand it only File
 * objects): any other path in a call is refused, so a compromised page cannot make the
 * lab read or overwrite files the user never chose.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathSources } from '../../src-shared/api/file-source.ts';
import {
  DROPPED_FILE_CHANNEL,
  OPEN_FILE_CHANNEL,
  OPEN_FILES_CHANNEL,
  SAVE_FILE_CHANNEL,
} from './bridge.ts';
import type { IpcMainLike } from './ipc.ts';

export interface FileFilter {
  name: string;
  extensions: string[];
}

/** What is used of Electron's `dialog`. */
export interface DialogsLike {
  showOpenDialog(options: {
    properties: ('openFile' | 'multiSelections')[];
    filters: FileFilter[];
  }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: {
    defaultPath: string;
  }): Promise<{ canceled: boolean; filePath?: string }>;
}

/** Paths the dialogs handed out, which calls may then name. */
export class PathGrants {
  private readonly paths = new Set<string>();

  grant(path: string): string {
    this.paths.add(path);
    return path;
  }

  /** The first field (`json`, `files[1].source`) naming a path no dialog gave, or null. */
  ungranted(params: unknown): string | null {
    return pathSources(params).find((source) => !this.paths.has(source.path))?.field ?? null;
  }
}

function filters(value: unknown): FileFilter[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (entry): entry is FileFilter =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as FileFilter).name === 'string' &&
        Array.isArray((entry as FileFilter).extensions) &&
        (entry as FileFilter).extensions.every((extension) => /^[\w*]{1,20}$/.test(extension)),
    )
    .slice(0, 10)
    .map((entry) => ({
      name: entry.name.slice(0, 100),
      extensions: entry.extensions.slice(0, 20),
    }));
}

export function bindFileDialogs(options: {
  ipcMain: IpcMainLike;
  dialogs: DialogsLike;
  grants: PathGrants;
  isTrustedSender(senderFrame: unknown): boolean;
}): () => void {
  const { ipcMain, dialogs, grants, isTrustedSender } = options;
  ipcMain.handle(OPEN_FILE_CHANNEL, async (event, request) => {
    if (!isTrustedSender(event.senderFrame)) return null;
    const chosen = await dialogs.showOpenDialog({
      properties: ['openFile'],
      filters: filters((request as { filters?: unknown } | null)?.filters),
    });
    const path = chosen.filePaths[0];
    return chosen.canceled || path === undefined ? null : grants.grant(path);
  });
  ipcMain.handle(OPEN_FILES_CHANNEL, async (event, request) => {
    if (!isTrustedSender(event.senderFrame)) return null;
    const chosen = await dialogs.showOpenDialog({
      properties: ['openFile', 'multiSelections'],
      filters: filters((request as { filters?: unknown } | null)?.filters),
    });
    if (chosen.canceled || chosen.filePaths.length === 0) return null;
    return chosen.filePaths.map((path) => grants.grant(path));
  });
  // The preload's webUtils.getPathForFile of a dropped File: granted if it is a file.
  ipcMain.handle(DROPPED_FILE_CHANNEL, (event, path) => {
    if (!isTrustedSender(event.senderFrame)) return null;
    if (typeof path !== 'string' || path.length > 4096 || !isAbsolute(path)) return null;
    try {
      if (!statSync(path).isFile()) return null;
    } catch {
      return null;
    }
    return grants.grant(path);
  });
  ipcMain.handle(SAVE_FILE_CHANNEL, async (event, request) => {
    if (!isTrustedSender(event.senderFrame)) return null;
    const name = (request as { defaultName?: unknown } | null)?.defaultName;
    const chosen = await dialogs.showSaveDialog({
      defaultPath: typeof name === 'string' ? name.slice(0, 200) : 'export.json',
    });
    return chosen.canceled || !chosen.filePath ? null : grants.grant(chosen.filePath);
  });
  return () => {
    ipcMain.removeHandler(OPEN_FILE_CHANNEL);
    ipcMain.removeHandler(OPEN_FILES_CHANNEL);
    ipcMain.removeHandler(SAVE_FILE_CHANNEL);
    ipcMain.removeHandler(DROPPED_FILE_CHANNEL);
  };
}
