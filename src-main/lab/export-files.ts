/**
 * Exports written by the lab to a file rather than returned as a string: a download the
 * browser-mode server streams (GET /download/<id>, then removed), or a path given by an
 * in-process caller (Electron's save dialog). A file at a path appears whole or not at
 * all (written beside it, then renamed over it).
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import type { ExportTarget, SavedExport } from '../../src-shared/api/file-source.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { createDownload } from './transfers.ts';

export async function writeExport(
  home: string,
  target: ExportTarget,
  fileName: string,
  content: string,
): Promise<SavedExport> {
  if (target === 'download') {
    const { id, bytes } = await createDownload(home, fileName, (path) =>
      writeFile(path, content, { mode: 0o600 }),
    );
    return { fileName, bytes, download: id };
  }
  const partial = `${target.path}.${process.pid}.part`;
  try {
    await writeFile(partial, content);
    await rename(partial, target.path);
  } catch (error) {
    await rm(partial, { force: true });
    throw new ValidationError(
      'params.to.path',
      `cannot write ${target.path}: ${(error as Error).message}`,
    );
  }
  return { fileName, bytes: Buffer.byteLength(content), path: target.path };
}
