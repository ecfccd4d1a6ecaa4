/**
 * `mbh-lab measure --model ID`: measures a zoo model on a stored plane set (made once per
 * dataset, count and seed, and shared with every model measured on it), in a measure job.
 */
import { ValidationError } from '../../../src-shared/api/validate.ts';
import type { Io } from '../engine-io.ts';
import {
  COMMON_HELP,
  nonNegativeInteger,
  openLab,
  parseFlags,
  positiveInteger,
  runJobs,
  UsageError,
} from '../lab-cli.ts';

export const usage = `mbh-lab measure --model ID [--dataset ID] [--planes 10] [--plane-seed 0]
                [--all-checkpoints] [--zoo PATH] [--json]

Measures a zoo model (its last checkpoint, or all with --all-checkpoints) on the plane
set of --planes planes drawn with --plane-seed from the dataset's test images: every
phenomenon (class) at every cP. --dataset defaults to the model's own. --json prints
{"model", "planeSetId", "sByCp": [{"cp", "s"}], "regions", "training": [...]}.
(With --model FILE.json this is the file-based engine command: see its --help.)

${COMMON_HELP}`;

export async function run(args: string[], io: Io): Promise<number> {
  if (args.some((arg) => arg === '--plane' || arg.startsWith('--plane='))) {
    throw new UsageError(
      '--plane P.json applies to a model file (--model M.json); a zoo model (--model ID) is measured on a stored plane set: give --planes N and --plane-seed S',
    );
  }
  const { values } = parseFlags(args, {
    model: { type: 'string' },
    dataset: { type: 'string' },
    planes: { type: 'string', default: '10' },
    'plane-seed': { type: 'string', default: '0' },
    'all-checkpoints': { type: 'boolean', default: false },
  });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const modelId = positiveInteger(values.model, '--model');
  if (modelId === undefined) throw new UsageError('--model: give a zoo model id');
  const count = positiveInteger(values.planes, '--planes')!;
  const seed = nonNegativeInteger(values['plane-seed'], '--plane-seed')!;
  const lab = await openLab(values);
  let closed = false;
  try {
    const model = await lab.getModel({ id: modelId });
    const datasetId = values.dataset ?? model.datasetId;
    if (datasetId !== model.datasetId) {
      throw new UsageError(
        `--dataset: model ${modelId} was trained on ${model.datasetId}, not ${datasetId}`,
      );
    }
    const planeSet = await lab.createPlaneSet({ datasetId, count, seed, clip: false });
    const jobs = await lab
      .measureModel({ modelId, planeSetId: planeSet.id, allCheckpoints: values['all-checkpoints'] })
      .catch((error: unknown) => {
        if (error instanceof ValidationError)
          throw new UsageError(error.message.replace('params.', '--'));
        throw error;
      });
    const completed = await runJobs(
      lab,
      io,
      values.json,
      jobs.map((job) => job.id),
    );
    if (!completed) {
      closed = true;
      return 130;
    }
    const [job] = (await lab.listJobs({})).filter((candidate) => candidate.id === jobs[0].id);
    if (job.state !== 'done') {
      io.stderr(
        `mbh-lab measure: job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}\n`,
      );
      return 1;
    }
    const [row] = await lab.compare({ modelIds: [modelId], planeSetId: planeSet.id });
    const result = {
      model: modelId,
      planeSetId: planeSet.id,
      sByCp: row.sByCp,
      regions: row.regions,
      training: row.training.filter((point) => point.s !== null),
    };
    if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
    else {
      io.stdout(
        `model ${modelId} on plane set ${planeSet.id} (${count} planes of ${datasetId}): ${row.regions?.toFixed(0) ?? '–'} regions per plane\n` +
          row.sByCp.map((entry) => `  cP ${entry.cp}: s = ${entry.s.toFixed(4)}`).join('\n') +
          '\n',
      );
    }
    return 0;
  } finally {
    if (!closed) await lab.close({ pauseRunning: true });
  }
}
