/**
 * The desktop transport names files by path only when the main process's dialogs gave
 * that path to the window, or the user dropped that file on it: a chosen file reaches the
 * lab as `{ path }` (also inside a list, as a model import's `files[i].source`), any other
 * path is refused with one error naming the field, and a cancelled dialog grants nothing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CALL_CHANNEL,
  createBridge,
  DROPPED_FILE_CHANNEL,
  OPEN_FILE_CHANNEL,
  OPEN_FILES_CHANNEL,
  SAVE_FILE_CHANNEL,
} from '../../src-main/app/bridge.ts';
import { bindFileDialogs, PathGrants, type DialogsLike } from '../../src-main/app/file-dialogs.ts';
import { bindLabIpc, type IpcMainLike } from '../../src-main/app/ipc.ts';
import type { LabEndpoint } from '../../src-main/lab/dispatch.ts';
import type { ResultMessage } from '../../src-shared/api/wire.ts';

type Handler = (
  event: { senderFrame: unknown; sender?: { id: number } },
  ...args: unknown[]
) => unknown;

function setup(answers: { open: string | null; save: string | null; openMany?: string[] }) {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle: (channel, handler) => void handlers.set(channel, handler),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const received: unknown[] = [];
  const service = {
    importProject: async (params: unknown) => {
      received.push(params);
      return { id: 1, name: 'imported' };
    },
    importModelFile: async (params: unknown) => {
      received.push(params);
      return { model: { id: 2 }, source: { format: 'tfjs' } };
    },
    exportToFile: async (params: unknown) => {
      received.push(params);
      return { fileName: 'p.json', bytes: 2 };
    },
    on: () => {},
    off: () => {},
  } as unknown as LabEndpoint;
  const dialogs: DialogsLike = {
    showOpenDialog: async (options) =>
      options.properties.includes('multiSelections')
        ? { canceled: answers.openMany === undefined, filePaths: answers.openMany ?? [] }
        : answers.open === null
          ? { canceled: true, filePaths: [] }
          : { canceled: false, filePaths: [answers.open] },
    showSaveDialog: async () =>
      answers.save === null ? { canceled: true } : { canceled: false, filePath: answers.save },
  };
  const grants = new PathGrants();
  const trusted = { ours: true };
  const isTrustedSender = (frame: unknown) => frame === trusted;
  bindLabIpc({ service, ipcMain, isTrustedSender, grants });
  bindFileDialogs({ ipcMain, dialogs, grants, isTrustedSender });
  const invoke = (channel: string, ...args: unknown[]) =>
    handlers.get(channel)!({ senderFrame: trusted, sender: { id: 1 } }, ...args);
  const call = (method: string, params: unknown) =>
    invoke(CALL_CHANNEL, method, params) as Promise<ResultMessage>;
  return { invoke, call, received, handlers, trusted };
}

describe('paths over the desktop transport', () => {
  it('lets a call name the file the open dialog gave, and nothing else', async () => {
    const lab = setup({ open: '/home/user/spirals.json', save: null });
    const refused = await lab.call('importProject', { json: { path: '/etc/passwd' } });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        name: 'ValidationError',
        path: 'params.json.path',
        message:
          'params.json.path: only a file chosen in the open or save dialog may be named by path',
      },
    });
    expect(lab.received).toEqual([]);
    expect(await lab.invoke(OPEN_FILE_CHANNEL, { filters: [] })).toBe('/home/user/spirals.json');
    const result = await lab.call('importProject', { json: { path: '/home/user/spirals.json' } });
    expect(result).toMatchObject({ ok: true, value: { name: 'imported' } });
    expect(lab.received).toEqual([{ json: { path: '/home/user/spirals.json' } }]);
  });

  it('grants the save dialog’s path to an export, and nothing when a dialog is cancelled', async () => {
    const lab = setup({ open: null, save: '/home/user/out.json' });
    expect(await lab.invoke(OPEN_FILE_CHANNEL, { filters: [] })).toBeNull();
    expect(await lab.invoke(SAVE_FILE_CHANNEL, { defaultName: 'Spirals.mbh-project.json' })).toBe(
      '/home/user/out.json',
    );
    const saved = await lab.call('exportToFile', {
      what: 'project',
      id: 3,
      to: { path: '/home/user/out.json' },
    });
    expect(saved).toMatchObject({ ok: true, value: { fileName: 'p.json' } });
    const elsewhere = await lab.call('exportToFile', {
      what: 'project',
      id: 3,
      to: { path: '/home/user/.bashrc' },
    });
    expect(elsewhere).toMatchObject({ ok: false, error: { path: 'params.to.path' } });
  });

  it('answers a dialog request from a foreign frame with nothing, without opening a dialog', async () => {
    const lab = setup({ open: '/home/user/spirals.json', save: null });
    const handler = lab.handlers.get(OPEN_FILE_CHANNEL)!;
    expect(await handler({ senderFrame: { foreign: true } }, { filters: [] })).toBeNull();
    const refused = await lab.call('importProject', { json: { path: '/home/user/spirals.json' } });
    expect(refused).toMatchObject({ ok: false, error: { path: 'params.json.path' } });
  });
});

const FORMATS = join(import.meta.dirname, '..', 'fixtures', 'formats', 'tfjs-dense-relu');
const modelJson = join(FORMATS, 'model.json');
const shard = join(FORMATS, 'group1-shard1of1.bin');
const modelImport = (paths: string[]) => ({
  projectId: 1,
  files: paths.map((path) => ({ name: path.split('/').pop(), source: { path } })),
  maskZeros: false,
});

describe('model files over the desktop transport', () => {
  it('lets an import name the files the multiple-choice dialog gave, each of them', async () => {
    const lab = setup({ open: null, save: null, openMany: [modelJson, shard] });
    const early = await lab.call('importModelFile', modelImport([modelJson, shard]));
    expect(early).toMatchObject({
      ok: false,
      error: {
        path: 'params.files[0].source.path',
        message:
          'params.files[0].source.path: only a file chosen in the open or save dialog may be named by path',
      },
    });
    expect(await lab.invoke(OPEN_FILES_CHANNEL, { filters: [] })).toEqual([modelJson, shard]);
    expect(await lab.call('importModelFile', modelImport([modelJson, shard]))).toMatchObject({
      ok: true,
    });
    // A granted model.json does not carry an ungranted file beside it.
    const other = join(FORMATS, '..', 'lab-export.onnx');
    expect(await lab.call('importModelFile', modelImport([modelJson, other]))).toMatchObject({
      ok: false,
      error: { path: 'params.files[1].source.path' },
    });
    expect(lab.received).toEqual([modelImport([modelJson, shard])]);
  });

  it('grants a dropped file that exists, and nothing else', async () => {
    const lab = setup({ open: null, save: null });
    expect(await lab.invoke(DROPPED_FILE_CHANNEL, 'relative/model.json')).toBeNull();
    expect(await lab.invoke(DROPPED_FILE_CHANNEL, join(FORMATS, 'missing.bin'))).toBeNull();
    expect(await lab.invoke(DROPPED_FILE_CHANNEL, FORMATS)).toBeNull(); // a folder
    expect(await lab.invoke(DROPPED_FILE_CHANNEL, 42)).toBeNull();
    const handler = lab.handlers.get(DROPPED_FILE_CHANNEL)!;
    expect(await handler({ senderFrame: { foreign: true } }, shard)).toBeNull();
    expect(await lab.call('importModelFile', modelImport([shard]))).toMatchObject({ ok: false });
    expect(await lab.invoke(DROPPED_FILE_CHANNEL, shard)).toBe(shard);
    expect(await lab.call('importModelFile', modelImport([shard]))).toMatchObject({ ok: true });
  });

  it("the preload asks webUtils for a File's path and the main process to grant it", async () => {
    const invoked: unknown[][] = [];
    const ipcRenderer = {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return args[1];
      },
      on: () => undefined,
      removeListener: () => undefined,
    };
    const dropped = { name: 'model.json' };
    const bridge = createBridge(ipcRenderer, {
      getPathForFile: ((file: unknown) => {
        if (file === dropped) return modelJson;
        if (typeof file !== 'object') throw new TypeError('not a File');
        return '';
      }) as (file: never) => string,
    });
    expect(await bridge.pathForFile(dropped)).toBe(modelJson);
    expect(await bridge.pathForFile({ name: 'made-by-the-page.json' })).toBeNull();
    expect(await bridge.pathForFile('/etc/passwd')).toBeNull();
    expect(invoked).toEqual([[DROPPED_FILE_CHANNEL, modelJson]]);
    // Without webUtils (an older preload) no file has a path.
    expect(await createBridge(ipcRenderer).pathForFile(dropped)).toBeNull();
  });
});
