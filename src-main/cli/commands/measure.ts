/**
 * `mbh-lab measure`: the specialization s of a model on one or more planes, for every
 * phenomenon × cP. The data's decision patterns and the greedy maximal patterns are found
 * once; each plane then costs one partition and one blanket pass.
 */
import { parseArgs } from 'node:util';
import type { Network } from '../../../src-shared/model/network.ts';
import type { Plane } from '../../../src-shared/mbh/plane.ts';
import { partitionPlane, type Partition } from '../../../src-shared/mbh/partition.ts';
import { decisionPatterns, type Scope } from '../../../src-shared/mbh/patterns.ts';
import {
  DEFAULT_CPS,
  measureWithPlan,
  parsePhenomena,
  planMeasure,
  summarize,
  type MeasureResult,
  type Phenomenon,
} from '../../../src-shared/mbh/specialization.ts';
import {
  classCountOf,
  loadDataFile,
  loadModelFile,
  loadPlaneFile,
  type LoadedData,
} from '../engine-files.ts';
import { failure, parseBox, parseCps, type Io } from '../engine-io.ts';
import type { BinarySolver } from '../../../src-shared/mbh/exact-pattern.ts';
import { measureExact, planExact, type ExactCell } from '../../../src-shared/mbh/exact-measure.ts';
import { loadBinarySolver } from '../../analyses/highs-solver.ts';
import { parseTimeLimit } from '../../analyses/exact-flags.ts';
import { parseMaxRegions } from './partition.ts';

export const usage = `mbh-lab measure --model M.json --plane P.json [--plane P2.json …] --data D.json|D.csv
                [--classes all|0,3|5+7+9] [--cp 0.75,0.8,…] [--scope last|all|<layer>]
                [--clip [--box LOW,HIGH]] [--exact [--exact-time-limit 5]] [--max-regions N] [--json]

Specialization s = 1 − area(minimal blanket) / area(domain) per plane, phenomenon and
minimum coverage cP, and the mean over phenomena and planes per cP. --classes "0,3" makes
classes 0 and 3 separate phenomena, "5+7+9" one phenomenon of three classes.
--exact also finds the exact maximal pattern (appendix C.1, an integer program solved by
HiGHS, at most --exact-time-limit seconds per pass) and adds to each result row
"exact": {"constraints", "coverage", "s", "optimal"}, and to each summary row "sExact".
The model may be Model JSON, ONNX, safetensors, a PyTorch .pt/.pth state_dict or a
TensorFlow.js model.json (see docs/model-formats.md).`;

export interface ExactSummary {
  constraints: number;
  coverage: number;
  s: number;
  optimal: boolean;
}

export interface MeasureReport {
  results: (MeasureResult & { exact?: ExactSummary })[];
  summary: { cp: number; s: number; sExact?: number }[];
  regions: number[];
}

export interface MeasureSettings {
  phenomena: Phenomenon[];
  cps: readonly number[];
  scope: Scope;
  /** Also the exact maximal patterns, with this solver and time limit (seconds per pass). */
  exact?: { solve: BinarySolver; timeLimit: number };
  /** The region budget of each plane (default: the engine's). */
  maxRegions?: number;
}

function exactSummary(cell: ExactCell): ExactSummary {
  return {
    constraints: cell.constraints,
    coverage: cell.coverage,
    s: cell.s,
    optimal: cell.optimal,
  };
}

/** `--scope last|all|<layer index>`. */
export function parseScope(text: string): Scope {
  if (text === 'last') return { kind: 'last' };
  if (text === 'all') return { kind: 'all' };
  if (/^\d+$/.test(text)) return { kind: 'layer', index: Number(text) };
  throw new Error(`--scope: expected last, all or a hidden layer index, got "${text}"`);
}

/** Measures a network on planes with data already in memory (the core of the command). */
export function measureNetwork(
  network: Network,
  planes: readonly Plane[],
  data: LoadedData,
  settings: MeasureSettings,
): MeasureReport {
  const patterns = decisionPatterns(network, data.x, data.count, settings.scope);
  const plan = planMeasure(patterns, data.labels, {
    phenomena: settings.phenomena,
    cps: settings.cps,
  });
  const exactPatterns = settings.exact
    ? planExact(patterns, data.labels, plan, settings.exact.solve, {
        timeLimit: settings.exact.timeLimit,
      })
    : null;
  const results: MeasureReport['results'] = [];
  const regions: number[] = [];
  // Each partition is dropped after measuring, so the next one reuses its memory.
  let previous: Partition | undefined;
  planes.forEach((plane, index) => {
    const partition = partitionPlane(network, plane, {
      recycle: previous,
      ...(settings.maxRegions === undefined ? {} : { maxRegions: settings.maxRegions }),
    });
    previous = partition;
    regions.push(partition.regionCount);
    const rows: MeasureReport['results'] = measureWithPlan(partition, plan, index);
    if (exactPatterns) {
      // Both lists are phenomenon-major over the same phenomena and cPs.
      const cells = measureExact(partition, exactPatterns, plan.neurons);
      rows.forEach((row, k) => (row.exact = exactSummary(cells[k])));
    }
    results.push(...rows);
  });
  const summary: MeasureReport['summary'] = summarize(results);
  if (exactPatterns) {
    const exactRows = results.map((row) => ({ ...row, s: row.exact!.s }));
    summarize(exactRows).forEach((row, c) => (summary[c].sExact = row.s));
  }
  return { results, summary, regions };
}

export interface MeasureFileArgs {
  model: string;
  planes: string[];
  data: string;
  classes?: string;
  cp?: string;
  scope?: string;
  clip?: boolean;
  box?: string;
  exact?: { solve: BinarySolver; timeLimit: number };
  maxRegions?: number | undefined;
}

/** The file-based form: reads and validates every input, then measures. */
export function measureFiles(args: MeasureFileArgs): MeasureReport {
  const network = loadModelFile(args.model);
  if (network.layers.length < 2) throw new Error(`${args.model}: the model has no hidden layer`);
  const box = args.box === undefined ? undefined : parseBox(args.box);
  const planes = args.planes.map((path) =>
    loadPlaneFile(path, network, args.clip || box !== undefined, box),
  );
  const classCount = classCountOf(network);
  const data = loadDataFile(args.data, network.inputDim, classCount);
  const settings: MeasureSettings = {
    phenomena: parsePhenomena(args.classes ?? 'all', classCount),
    cps: args.cp === undefined ? DEFAULT_CPS : parseCps(args.cp),
    scope: parseScope(args.scope ?? 'last'),
    exact: args.exact,
    ...(args.maxRegions === undefined ? {} : { maxRegions: args.maxRegions }),
  };
  // A phenomenon without samples has no pattern (s = 0, coverage 0): refuse it rather than
  // average a meaningless 0 into the summary.
  for (const phenomenon of settings.phenomena) {
    let members = 0;
    for (let i = 0; i < data.count; i++) if (phenomenon.labels.includes(data.labels[i])) members++;
    if (members === 0) {
      throw new Error(
        `${args.data}: no sample of phenomenon "${phenomenon.name}" (choose others with --classes)`,
      );
    }
  }
  return measureNetwork(network, planes, data, settings);
}

function table(report: MeasureReport): string {
  const exact = report.results.some((r) => r.exact);
  const lines = [
    'plane  phenomenon  cP      s         constraints  coverage' +
      (exact ? '   exact s   constraints  coverage  optimal' : ''),
  ];
  for (const r of report.results) {
    lines.push(
      `${String(r.plane).padEnd(7)}${r.phenomenon.padEnd(12)}${String(r.cp).padEnd(8)}` +
        `${r.s.toFixed(6).padEnd(10)}${String(r.constraints).padEnd(13)}${(100 * r.coverage).toFixed(1)} %` +
        (r.exact
          ? `    ${r.exact.s.toFixed(6).padEnd(10)}${String(r.exact.constraints).padEnd(13)}` +
            `${`${(100 * r.exact.coverage).toFixed(1)} %`.padEnd(10)}${r.exact.optimal ? 'yes' : 'no'}`
          : ''),
    );
  }
  lines.push('', exact ? 'cP      mean s    mean exact s' : 'cP      mean s');
  for (const row of report.summary) {
    lines.push(
      `${String(row.cp).padEnd(8)}${row.s.toFixed(6)}` +
        (row.sExact === undefined ? '' : `  ${row.sExact.toFixed(6)}`),
    );
  }
  lines.push('', `regions per plane: ${report.regions.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], io: Io): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        plane: { type: 'string', multiple: true },
        data: { type: 'string' },
        classes: { type: 'string' },
        cp: { type: 'string' },
        scope: { type: 'string' },
        clip: { type: 'boolean', default: false },
        box: { type: 'string' },
        exact: { type: 'boolean', default: false },
        'exact-time-limit': { type: 'string' },
        'max-regions': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    if (!values.model) throw new Error('--model M.json is required');
    if (!values.plane || values.plane.length === 0) throw new Error('--plane P.json is required');
    if (!values.data) throw new Error('--data D.json|D.csv is required');
    if (values['exact-time-limit'] !== undefined && !values.exact) {
      throw new Error('--exact-time-limit applies to --exact: add --exact');
    }
    const timeLimit = parseTimeLimit(values['exact-time-limit']);
    const report = measureFiles({
      model: values.model,
      planes: values.plane,
      data: values.data,
      classes: values.classes,
      cp: values.cp,
      scope: values.scope,
      clip: values.clip,
      box: values.box,
      exact: values.exact ? { solve: await loadBinarySolver(), timeLimit } : undefined,
      maxRegions: parseMaxRegions(values['max-regions']),
    });
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : table(report));
    return 0;
  } catch (error) {
    return failure('measure', error, io);
  }
}
