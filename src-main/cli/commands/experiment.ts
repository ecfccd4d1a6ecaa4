/**
 * `mbh-lab experiment`: runs a sweep (setups × seeds × datasets), then measures every
 * trained model on one shared plane set per dataset; or plans one (setups, job counts,
 * estimated time). A spec is a JSON file or the name of a preset in resources/presets.
 */
import { existsSync } from 'node:fs';
import { readTextBounded } from '../../data/read-bounded.ts';
import { availableParallelism } from 'node:os';
import { loadPreset, presetNames, specOfFile } from '../../lab/presets.ts';
import { ValidationError } from '../../../src-shared/api/validate.ts';
import type { CompareRow } from '../../../src-shared/api/dto.ts';
import { duration } from '../../../src-shared/format/duration.ts';
import type { Io } from '../engine-io.ts';
import { COMMON_HELP, inCliProject, openLab, parseFlags, runJobs, UsageError } from '../lab-cli.ts';

export const usage = `mbh-lab experiment run SPEC.json|PRESET [--workers N] [--project NAME] [--json]
mbh-lab experiment plan SPEC.json|PRESET [--json]
mbh-lab experiment presets

\`run\` trains every setup × seed × dataset of the spec in worker threads, one network
per thread and by default one thread per core, then measures each trained model on the
spec's shared plane set. Progress goes to stderr, with --json too: a bar per job and the
sweep's progress and ETA on a terminal, plain lines otherwise. --json prints
{"experiment", "planeSetId", "models": [compare rows], "failedJobs"}. \`plan\` prints the
setups, the training path and predicted ms per step of each, job counts and the
estimated time on this machine for the same pool (it calibrates both training paths
once, with short quiet runs). A spec file holds a bare spec or a preset
({"label", "description", "spec"}). Presets: ${presetNames().join(', ')}.

${COMMON_HELP}`;

/**
 * A spec from a file path or a preset name; the spec itself is validated by the lab. A
 * file holds a bare spec or a preset (`{label, description, spec}`).
 */
export function loadSpec(source: string): { spec: unknown; label: string } {
  if (!existsSync(source)) {
    if (!presetNames().includes(source)) {
      throw new UsageError(
        `"${source}" is neither a spec file nor a preset (${presetNames().join(', ')})`,
      );
    }
    return { spec: loadPreset(source).spec, label: `preset ${source}` };
  }
  let text: string;
  try {
    text = readTextBounded(source);
  } catch (error) {
    throw new UsageError(`${source}: cannot read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${source}: not valid JSON: ${(error as Error).message}`);
  }
  try {
    return { spec: specOfFile(parsed, 'preset'), label: source };
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
}

function renameSpecErrors<T>(label: string, work: () => Promise<T>): Promise<T> {
  return work().catch((error: unknown) => {
    if (error instanceof ValidationError && error.path.startsWith('params.spec')) {
      throw new UsageError(
        `${label}: ${error.path.replace(/^params\.spec\.?/, '') || 'spec'}: ${error.problem}`,
      );
    }
    throw error;
  });
}

function summaryTable(rows: CompareRow[]): string {
  const groups = new Map<string, CompareRow[]>();
  for (const row of rows) groups.set(row.setup, [...(groups.get(row.setup) ?? []), row]);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  const lines = ['setup                                   models  accuracy   s@0.8  regions'];
  for (const [setup, members] of groups) {
    const accuracy = members
      .map((row) => row.accuracy)
      .filter((value): value is number => value !== null);
    const s = members
      .map((row) => row.sByCp.find((entry) => entry.cp === 0.8)?.s)
      .filter((value): value is number => value !== undefined);
    const regions = members
      .map((row) => row.regions)
      .filter((value): value is number => value !== null);
    lines.push(
      `${setup.padEnd(40)}${String(members.length).padStart(6)}  ${accuracy.length ? `${(mean(accuracy) * 100).toFixed(2)}%`.padStart(8) : '       –'}  ${s.length ? mean(s).toFixed(4) : '     –'}  ${regions.length ? mean(regions).toFixed(0).padStart(7) : '      –'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(args, { project: { type: 'string' } }, true);
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const [action, source, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (action === 'presets') {
    io.stdout(values.json ? `${JSON.stringify(presetNames())}\n` : `${presetNames().join('\n')}\n`);
    return 0;
  }
  if (action !== 'run' && action !== 'plan') {
    throw new UsageError(
      `experiment: expected run, plan or presets${action ? `, got "${action}"` : ''}`,
    );
  }
  if (source === undefined)
    throw new UsageError(`experiment ${action}: give a spec file or a preset name`);
  const { spec, label } = loadSpec(source);
  // A sweep uses every core: one training per worker thread (the desktop keeps one for its UI).
  // The plan assumes the pool `run` would have.
  const lab = await openLab(values, {
    // A plan only looks: beside another writer, read-only (its calibration is then not kept).
    readOnly: action === 'plan' ? 'if-busy' : false,
    defaultWorkers: availableParallelism(),
    io,
  });
  let closed = false;
  try {
    if (action === 'plan') {
      const plan = await renameSpecErrors(label, () => lab.planExperiment({ spec } as never));
      if (values.json) io.stdout(`${JSON.stringify(plan)}\n`);
      else {
        io.stdout(
          `${plan.setups.length} setups, ${plan.trainJobs} trainings + ${plan.measureJobs} measurements; about ${duration(plan.estimatedSeconds)} on this machine with ${plan.workers} worker${plan.workers === 1 ? '' : 's'} (training ${duration(plan.trainSeconds)}, measuring ${duration(plan.measureSeconds)} of work)\n` +
            plan.setups
              .map(
                (setup) =>
                  `  ${setup.family}(${setup.hidden.join(',')}) density ${setup.density} · ${setup.hnps} HNPs · ${setup.datasetId} · ${setup.trainer} ${setup.msPerIteration.toFixed(2)} ms/step`,
              )
              .join('\n') +
            '\n',
        );
      }
      return 0;
    }
    const created = await renameSpecErrors(label, () =>
      inCliProject(lab, values.project, (projectId) =>
        lab.createExperiment({ projectId, spec, launch: true } as never),
      ),
    );
    const experimentId = created.experiment.id;
    if (!values.json) {
      io.stderr(
        `experiment ${experimentId}: ${created.jobs.length} trainings, then a measurement of each model\n`,
      );
    }
    // Progress goes to stderr even with --json (stdout keeps the result): a sweep is long.
    const completed = await runJobs(lab, io, false, undefined, { experimentId });
    if (!completed) {
      closed = true;
      return 130;
    }
    const jobs = await lab.listJobs({ experimentId });
    const failed = jobs.filter((job) => job.state === 'failed');
    const rows = await lab.compare({ experimentIds: [experimentId] });
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ experiment: experimentId, planeSetId: created.experiment.planeSetId, models: rows, failedJobs: failed.map((job) => job.id) })}\n`,
      );
    } else {
      io.stdout(summaryTable(rows));
      for (const job of failed) io.stderr(`job ${job.id} failed: ${job.error}\n`);
    }
    return failed.length > 0 ? 1 : 0;
  } finally {
    if (!closed) await lab.close({ pauseRunning: true });
  }
}
