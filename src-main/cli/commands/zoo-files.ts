/**
 * `zoo import FILE` and `zoo export --format onnx|safetensors`: model files of other
 * frameworks in and out of the zoo. Import names the file (and a tfjs model.json's weight
 * shards beside it) by path: the lab, in this process or the hub beside it on this
 * machine, reads and parses them in a worker and detects the format; export writes the
 * service's bytes completely or not at all.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ModelFileReference } from '../../../src-shared/api/model-files.ts';
import { ValidationError } from '../../../src-shared/api/validate.ts';
import { tfjsManifest, isTfjsModelJson } from '../../../src-shared/model/formats/tfjs.ts';
import { FormatError } from '../../../src-shared/model/format.ts';
import type { LabConnection } from '../lab-connection.ts';
import { readFileBytes } from '../../model-files/read.ts';
import type { Io } from '../engine-io.ts';
import { inCliProject, UsageError } from '../lab-cli.ts';

export type ExportFormat = 'json' | 'onnx' | 'safetensors';

/** --format, or the format --out's extension names (.onnx, .safetensors; else JSON). */
export function exportFormat(format: string | undefined, out: string): ExportFormat {
  if (format !== undefined) {
    if (format !== 'json' && format !== 'onnx' && format !== 'safetensors') {
      throw new UsageError(`--format: expected json, onnx or safetensors, got "${format}"`);
    }
    return format;
  }
  const lower = out.toLowerCase();
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.safetensors')) return 'safetensors';
  return 'json';
}

function readOrFail(path: string, what: string, limit: number): Uint8Array {
  try {
    return readFileBytes(path, limit);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`zoo import: cannot read ${what}${path}: ${reason}`);
  }
}

/** A file's size if it is there (its content is the lab's to check), or a usage error. */
function checkFile(path: string, what: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`zoo import: cannot read ${what}${path}: ${reason}`);
  }
  if (stat.isDirectory())
    throw new UsageError(`zoo import: cannot read ${what}${path}: it is a folder`);
  return stat.size;
}

/**
 * Bytes of a .json file this command reads itself to see whether it is a tfjs model.json
 * naming shards; larger JSON is a Model JSON or bundle (a tfjs model.json is small: its
 * weights are in the shards), which only the lab reads.
 */
const MODEL_JSON_BYTES = 16 * 1024 * 1024;

/**
 * The files of an import: FILE, and when it is a tfjs model.json the weight shards its
 * manifest names, beside it (each checked to exist here, so a missing one is named by
 * its path). Only a .json file is read here; the lab reads every file again itself.
 */
function importFiles(path: string): { files: ModelFileReference[]; paths: string[] } {
  const paths = [resolve(path)];
  const size = checkFile(path, '');
  if (path.toLowerCase().endsWith('.json') && size <= MODEL_JSON_BYTES) {
    const bytes = readOrFail(path, '', MODEL_JSON_BYTES);
    let value: unknown = null;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      // The lab reports bad JSON with the file's name.
    }
    if (isTfjsModelJson(value)) {
      let groups;
      try {
        groups = tfjsManifest(value);
      } catch (error) {
        if (error instanceof FormatError) throw new UsageError(`${path}: ${error.message}`);
        throw error;
      }
      for (const shard of groups.flatMap((group) => group.paths)) {
        const shardPath = join(dirname(resolve(path)), shard);
        checkFile(shardPath, 'weight file ');
        paths.push(shardPath);
      }
    }
  }
  return { files: paths.map((file) => ({ name: basename(file), source: { path: file } })), paths };
}

export interface ImportFlags {
  project?: string;
  name?: string;
  dataset?: string;
  maskZeros: boolean;
  json: boolean;
}

/** `zoo import FILE`: any model format (or a bundle); prints the model and its source. */
export async function importModelFile(
  lab: LabConnection,
  path: string,
  flags: ImportFlags,
  io: Io,
): Promise<void> {
  const { files, paths } = importFiles(path);
  const result = await inCliProject(lab, flags.project, (projectId) =>
    lab.importModelFile({
      projectId,
      files,
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      ...(flags.dataset !== undefined ? { datasetId: flags.dataset } : {}),
      maskZeros: flags.maskZeros,
    }),
  ).catch((error: unknown) => {
    if (error instanceof ValidationError) {
      if (error.path === 'params.datasetId') throw new UsageError(`--dataset: ${error.problem}`);
      if (error.path === 'params.maskZeros') throw new UsageError(`--mask-zeros: ${error.problem}`);
      // `params.files[i]: NAME: problem` names the file as the lab was given it; say its path.
      const file = /^params\.files\[(\d+)\]/.exec(error.path);
      const index = file ? Number(file[1]) : 0;
      const named = files[index] ? `${files[index].name}: ` : '';
      const problem = error.problem.startsWith(named)
        ? error.problem.slice(named.length)
        : error.problem;
      const place = file
        ? error.path.slice(file[0].length).replace(/^\.(source\.)?/, '')
        : error.path.replace(/^params\.(files\b)?\.?/, '');
      throw new UsageError(
        `${paths[index] === resolve(path) ? path : (paths[index] ?? path)}: ${place ? `${place}: ` : ''}${problem}`,
      );
    }
    throw error;
  });
  const { model, source } = result;
  if (flags.json) {
    io.stdout(`${JSON.stringify({ ...model, source })}\n`);
    return;
  }
  const lines = [
    `imported model ${model.id}: ${model.name} (${source.format}, ${model.checkpointCount} checkpoint${model.checkpointCount === 1 ? '' : 's'})`,
    `  sha256 ${source.sha256}`,
    ...source.notes.map((note) => `  note: ${note}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}

/** `zoo export ID --format onnx|safetensors`: one checkpoint's bytes. */
export async function exportModelFile(
  lab: LabConnection,
  id: number,
  iteration: number | undefined,
  format: 'onnx' | 'safetensors',
): Promise<Uint8Array> {
  const file = await lab
    .exportModelFile({ id, format, ...(iteration !== undefined ? { iteration } : {}) })
    .catch((error: unknown) => {
      if (error instanceof ValidationError) {
        throw new UsageError(error.message.replace('params.', '--').replace('--id: ', ''));
      }
      throw error;
    });
  return file.bytes;
}
