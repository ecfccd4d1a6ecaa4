/**
 * `mbh-lab measure --model ID`: measures a zoo model on a stored plane set (made once per
 * dataset, count, seed and rule, and shared with every model measured on it), in a measure job.
 */
import { ValidationError } from '../../../src-shared/api/validate.ts';
import {
  DEFAULT_PLANE_RULE_TEXT,
  parsePlaneRuleText,
  planeRuleSchema,
  planeRuleWords,
} from '../../../src-shared/model/plane-rule.ts';
import type { Io } from '../engine-io.ts';
import { parseTimeLimit } from '../../analyses/exact-flags.ts';
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
                [--plane-rule random-classes] [--all-checkpoints]
                [--exact [--exact-time-limit 5]] [--zoo PATH] [--json]

Measures a zoo model (its last checkpoint, or all with --all-checkpoints) on the plane
set of --planes planes drawn with --plane-seed from the dataset's test images: every
phenomenon (class) at every cP. --plane-rule says how each plane's three spanning images
are chosen: random-classes (three random classes, as the thesis), classes:0,1,9 (a
random image of each given class) or samples:12,40,7 (exactly those test images; one
plane, so --planes 1). --dataset defaults to the model's own. --json prints
{"model", "planeSetId", "planeRule", "sByCp": [{"cp", "s"}], "regions", "training": [...]}.
--exact also solves each phenomenon's exact maximal pattern at each cP (appendix C.1,
HiGHS, at most --exact-time-limit seconds per solver pass; stored, so solved once per
checkpoint) and adds to each sByCp row "exact": {"constraints", "coverage", "s",
"optimal"}: means over phenomena (and planes for s); optimal when every one is proven.
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
    'plane-rule': { type: 'string', default: DEFAULT_PLANE_RULE_TEXT },
    'all-checkpoints': { type: 'boolean', default: false },
    exact: { type: 'boolean', default: false },
    'exact-time-limit': { type: 'string' },
  });
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const modelId = positiveInteger(values.model, '--model');
  if (modelId === undefined) throw new UsageError('--model: give a zoo model id');
  const count = positiveInteger(values.planes, '--planes')!;
  const seed = nonNegativeInteger(values['plane-seed'], '--plane-seed')!;
  let rule: string;
  try {
    rule = planeRuleSchema().parse(values['plane-rule'], '--plane-rule');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values['exact-time-limit'] !== undefined && !values.exact) {
    throw new UsageError('--exact-time-limit applies to --exact: add --exact');
  }
  let timeLimit: number;
  try {
    timeLimit = parseTimeLimit(values['exact-time-limit']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const lab = await openLab(values, { io });
  let closed = false;
  try {
    const model = await lab.getModel({ id: modelId });
    const datasetId = values.dataset ?? model.datasetId;
    if (datasetId !== model.datasetId) {
      throw new UsageError(
        `--dataset: model ${modelId} was trained on ${model.datasetId}, not ${datasetId}`,
      );
    }
    const planeSet = await lab
      .createPlaneSet({ datasetId, count, seed, clip: false, rule })
      .catch((error: unknown) => {
        // In-process a ValidationError, from a running lab an ApiError of that name.
        if (error instanceof Error && error.name === 'ValidationError')
          throw new UsageError(
            error.message
              .replace('params.rule', '--plane-rule')
              .replace('params.count', '--planes'),
          );
        throw error;
      });
    const jobs = await lab
      .measureModel({
        modelId,
        planeSetId: planeSet.id,
        allCheckpoints: values['all-checkpoints'],
        ...(values.exact ? { exact: true, exactTimeLimit: timeLimit } : {}),
      })
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
    const exactRows = values.exact
      ? (await lab.exactComparison({ modelIds: [modelId], planeSetId: planeSet.id }))[0].byCp
      : [];
    const sByCp = row.sByCp.map((entry) => {
      const exact = exactRows.find((candidate) => candidate.cp === entry.cp);
      if (!values.exact) return entry;
      if (!exact) throw new Error(`no exact result at cP ${entry.cp}: the measure job stored none`);
      return {
        ...entry,
        exact: {
          constraints: exact.constraintsExact,
          coverage: exact.coverageExact,
          s: exact.sExact,
          optimal: exact.optimal === 1,
        },
      };
    });
    const result = {
      model: modelId,
      planeSetId: planeSet.id,
      planeRule: planeSet.rule,
      sByCp,
      regions: row.regions,
      training: row.training.filter((point) => point.s !== null),
    };
    if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
    else {
      io.stdout(
        `model ${modelId} on plane set ${planeSet.id} (${count} planes of ${datasetId}, ${planeRuleWords(parsePlaneRuleText(planeSet.rule))}): ${row.regions?.toFixed(0) ?? '–'} regions per plane\n` +
          sByCp
            .map(
              (entry) =>
                `  cP ${entry.cp}: s = ${entry.s.toFixed(4)}` +
                ('exact' in entry
                  ? `, exact s = ${entry.exact.s.toFixed(4)} (${entry.exact.constraints.toFixed(1)} constraints${entry.exact.optimal ? ', optimal' : ', best found'})`
                  : ''),
            )
            .join('\n') +
          '\n',
      );
    }
    return 0;
  } finally {
    if (!closed) await lab.close({ pauseRunning: true });
  }
}
