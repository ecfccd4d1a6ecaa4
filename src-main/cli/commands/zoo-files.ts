/**
 * `zoo import FILE` and `zoo export --format onnx|safetensors`: model files of other
 * frameworks in and out of the zoo. Import reads the file (and a tfjs model.json's weight
 * shards beside it) and hands the bytes to the lab service, which detects the format;
 * export writes the service's bytes completely or not at all.
 */
import { basename, dirname, join } from 'node:path';
import { MAX_MODEL_FILE_BYTES } from '../../../src-shared/api/model-files.ts';
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

function readOrFail(path: string, what: string): Uint8Array {
  try {
    return readFileBytes(path, MAX_MODEL_FILE_BYTES);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`zoo import: cannot read ${what}${path}: ${reason}`);
  }
}

/** The weight shards a tfjs model.json names, read from its folder. */
function tfjsCompanions(
  path: string,
  bytes: Uint8Array,
): { fileName: string; bytes: Uint8Array }[] {
  if (bytes[0] !== 0x7b && !path.toLowerCase().endsWith('.json')) return [];
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return []; // the service reports bad JSON with the file's name
  }
  if (!isTfjsModelJson(value)) return [];
  let groups;
  try {
    groups = tfjsManifest(value);
  } catch (error) {
    if (error instanceof FormatError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
  return groups
    .flatMap((group) => group.paths)
    .map((shard) => ({
      fileName: shard,
      bytes: readOrFail(join(dirname(path), shard), 'weight file '),
    }));
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
  const bytes = readOrFail(path, '');
  const companions = tfjsCompanions(path, bytes);
  const result = await inCliProject(lab, flags.project, (projectId) =>
    lab.importModelFile({
      projectId,
      fileName: basename(path),
      bytes,
      ...(companions.length > 0 ? { companions } : {}),
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      ...(flags.dataset !== undefined ? { datasetId: flags.dataset } : {}),
      maskZeros: flags.maskZeros,
    }),
  ).catch((error: unknown) => {
    if (error instanceof ValidationError) {
      if (error.path === 'params.datasetId') throw new UsageError(`--dataset: ${error.problem}`);
      if (error.path === 'params.maskZeros') throw new UsageError(`--mask-zeros: ${error.problem}`);
      if (error.path === 'params.bytes') throw new UsageError(`${path}: ${error.problem}`);
      throw new UsageError(
        `${path}: ${error.path.replace(/^params\.json\.?/, '') || 'file'}: ${error.problem}`,
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
