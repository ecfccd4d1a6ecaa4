/**
 * `mbh-lab zoo`: the models in the zoo. ls, show, export (one checkpoint's model JSON, ONNX
 * or safetensors, the last or --iteration's; a bundle with every checkpoint with --bundle),
 * import (either, or another framework's model file: zoo-files.ts), rm.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { ValidationError } from '../../../src-shared/api/validate.ts';
import type { Io } from '../engine-io.ts';
import { exportFormat, exportModelFile, importModelFile } from './zoo-files.ts';
import {
  COMMON_HELP,
  nonNegativeInteger,
  openLab,
  parseFlags,
  positiveInteger,
  UsageError,
} from '../lab-cli.ts';

export const usage = `mbh-lab zoo ls [--project NAME] [--tag TAG] [--search TEXT] [--json]
mbh-lab zoo show ID [--json]
mbh-lab zoo export ID --out FILE [--iteration N | --bundle] [--format json|onnx|safetensors]
mbh-lab zoo import FILE [--project NAME] [--name NAME] [--dataset ID] [--mask-zeros] [--json]
mbh-lab zoo rm ID

export writes the model JSON of the last checkpoint (of --iteration N's), which
partition and measure read; --format onnx (Gemm and Relu nodes, opset 13) or safetensors
(a PyTorch state_dict, layers.0.weight …, F32) writes that format instead (default: by
--out's extension); --bundle writes a model bundle (every checkpoint as model JSON, with
metrics and metadata). import takes either, or an ONNX, safetensors, PyTorch (.pt/.pth
state_dict) or TensorFlow.js (model.json, shards beside it) file of a feed-forward ReLU
network; --dataset names its dataset unless its shape matches one; --mask-zeros declares
the exact zeros of its hidden layers a mask (pruned networks).

${COMMON_HELP}`;

/** Writes a file completely or not at all: a temporary file renamed into place. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    const code = (error as { code?: string }).code;
    const reason =
      code === 'ENOENT'
        ? 'no such folder'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (error as Error).message.replaceAll(temporary, path);
    throw new UsageError(`--out: cannot write ${path}: ${reason}`);
  }
}

function modelId(text: string | undefined, action: string): number {
  const id = positiveInteger(text, `zoo ${action} ID`);
  if (id === undefined) throw new UsageError(`zoo ${action}: give the model id`);
  return id;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      out: { type: 'string' },
      iteration: { type: 'string' },
      project: { type: 'string' },
      name: { type: 'string' },
      dataset: { type: 'string' },
      tag: { type: 'string' },
      search: { type: 'string' },
      bundle: { type: 'boolean', default: false },
      format: { type: 'string' },
      'mask-zeros': { type: 'boolean', default: false },
    },
    true,
  );
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const [action, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!['ls', 'show', 'export', 'import', 'rm'].includes(action ?? '')) {
    throw new UsageError(
      `zoo: expected ls, show, export, import or rm${action ? `, got "${action}"` : ''}`,
    );
  }
  // Listing only looks: beside another writer, without taking the zoo's lock.
  const lab = await openLab(values, { readOnly: action === 'ls', io });
  try {
    switch (action) {
      case 'ls': {
        let projectId: number | undefined;
        if (values.project !== undefined) {
          const project = (await lab.listProjects({})).find((p) => p.name === values.project);
          if (!project) throw new UsageError(`--project: no project named "${values.project}"`);
          projectId = project.id;
        }
        const models = await lab.listModels({
          ...(projectId !== undefined ? { projectId } : {}),
          ...(values.tag !== undefined ? { tag: values.tag } : {}),
          ...(values.search !== undefined ? { search: values.search } : {}),
        });
        if (values.json) io.stdout(`${JSON.stringify(models)}\n`);
        else if (models.length === 0) io.stdout('the zoo has no models\n');
        else {
          // A model without a training job was imported: its checkpoints came with it.
          const trained = new Set(
            (await lab.listJobs({})).filter((j) => j.kind === 'train').map((j) => j.modelId),
          );
          const status = (m: (typeof models)[number]) => {
            const accuracy = m.accuracy === null ? null : `${(m.accuracy * 100).toFixed(2)}%`;
            if (!trained.has(m.id)) return accuracy === null ? 'imported' : `imported, ${accuracy}`;
            return accuracy ?? 'untrained';
          };
          io.stdout(
            `${models
              .map(
                (m) =>
                  `${String(m.id).padStart(5)}  ${m.name}  ${status(m)}  ${m.checkpointCount} checkpoint${m.checkpointCount === 1 ? '' : 's'}${m.tags.length ? `  [${m.tags.join(', ')}]` : ''}`,
              )
              .join('\n')}\n`,
          );
        }
        return 0;
      }
      case 'show': {
        const model = await lab.getModel({ id: modelId(target, 'show') });
        const source = await lab.getModelSource({ id: model.id });
        if (values.json) io.stdout(`${JSON.stringify({ ...model, source })}\n`);
        else {
          io.stdout(
            [
              `model ${model.id}: ${model.name}`,
              `  ${model.family} hidden ${model.hidden.join(',')} · density ${model.density} · ${model.hnps} HNPs · seed ${model.seed}`,
              `  dataset ${model.datasetId} · backend ${model.backend ?? '–'} · pruning ${model.pruning.kind}`,
              `  accuracy ${model.accuracy === null ? '–' : `${(model.accuracy * 100).toFixed(2)}%`} · loss ${model.loss?.toFixed(4) ?? '–'}`,
              `  checkpoints at ${model.checkpoints.map((c) => c.iteration).join(', ') || 'none'}`,
              `  ${model.measurements.length} measurements, ${model.regionCounts.length} region counts`,
              ...(source
                ? [`  imported from ${source.fileName} (${source.format}, sha256 ${source.sha256})`]
                : []),
              '',
            ].join('\n'),
          );
        }
        return 0;
      }
      case 'export': {
        const id = modelId(target, 'export');
        if (values.out === undefined) throw new UsageError('zoo export: give --out FILE');
        let iteration = nonNegativeInteger(values.iteration, '--iteration');
        if (values.bundle && iteration !== undefined) {
          throw new UsageError('zoo export: give --iteration N or --bundle, not both');
        }
        const format = exportFormat(values.format, values.out);
        if (values.bundle && format !== 'json') {
          throw new UsageError(
            `zoo export: a --bundle is JSON; --format ${format} writes one checkpoint`,
          );
        }
        if (format !== 'json') {
          const bytes = await exportModelFile(lab, id, iteration, format);
          writeFileAtomic(values.out, bytes);
          if (values.json) {
            io.stdout(
              `${JSON.stringify({ model: id, out: values.out, format, bytes: bytes.byteLength })}\n`,
            );
          } else io.stdout(`model ${id} written to ${values.out} (${format})\n`);
          return 0;
        }
        if (!values.bundle && iteration === undefined) {
          // The contract: without --iteration, the model JSON of the last checkpoint.
          const { checkpoints } = await lab.getModel({ id });
          if (checkpoints.length === 0) throw new UsageError(`model ${id} has no checkpoint yet`);
          iteration = Math.max(...checkpoints.map((checkpoint) => checkpoint.iteration));
        }
        const file = await lab
          .exportModel({ id, ...(iteration !== undefined ? { iteration } : {}) })
          .catch((error: unknown) => {
            if (error instanceof ValidationError)
              throw new UsageError(error.message.replace('params.', '--'));
            throw error;
          });
        writeFileAtomic(values.out, file.content);
        if (values.json)
          io.stdout(
            `${JSON.stringify({ model: id, out: values.out, bytes: Buffer.byteLength(file.content) })}\n`,
          );
        else io.stdout(`model ${id} written to ${values.out}\n`);
        return 0;
      }
      case 'import': {
        if (target === undefined) throw new UsageError('zoo import: give the FILE to import');
        await importModelFile(
          lab,
          target,
          {
            ...(values.project !== undefined ? { project: values.project } : {}),
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(values.dataset !== undefined ? { dataset: values.dataset } : {}),
            maskZeros: values['mask-zeros'],
            json: values.json,
          },
          io,
        );
        return 0;
      }
      case 'rm': {
        const id = modelId(target, 'rm');
        await lab.deleteModel({ id });
        io.stdout(values.json ? `${JSON.stringify({ deleted: id })}\n` : `model ${id} deleted\n`);
        return 0;
      }
    }
    return 2;
  } finally {
    await lab.close({ pauseRunning: true });
  }
}
