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

export const usage = `mbh-lab measure --model M.json --plane P.json [--plane P2.json …] --data D.json|D.csv
                [--classes all|0,3|5+7+9] [--cp 0.75,0.8,…] [--scope last|all|<layer>]
                [--clip [--box LOW,HIGH]] [--json]

Specialization s = 1 − area(minimal blanket) / area(domain) per plane, phenomenon and
minimum coverage cP, and the mean over phenomena and planes per cP. --classes "0,3" makes
classes 0 and 3 separate phenomena, "5+7+9" one phenomenon of three classes.`;

export interface MeasureReport {
  results: MeasureResult[];
  summary: { cp: number; s: number }[];
  regions: number[];
}

export interface MeasureSettings {
  phenomena: Phenomenon[];
  cps: readonly number[];
  scope: Scope;
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
  const results: MeasureResult[] = [];
  const regions: number[] = [];
  // Each partition is dropped after measuring, so the next one reuses its memory.
  let previous: Partition | undefined;
  planes.forEach((plane, index) => {
    const partition = partitionPlane(network, plane, { recycle: previous });
    previous = partition;
    regions.push(partition.regionCount);
    results.push(...measureWithPlan(partition, plan, index));
  });
  return { results, summary: summarize(results), regions };
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
  const lines = ['plane  phenomenon  cP      s         constraints  coverage'];
  for (const r of report.results) {
    lines.push(
      `${String(r.plane).padEnd(7)}${r.phenomenon.padEnd(12)}${String(r.cp).padEnd(8)}` +
        `${r.s.toFixed(6).padEnd(10)}${String(r.constraints).padEnd(13)}${(100 * r.coverage).toFixed(1)} %`,
    );
  }
  lines.push('', 'cP      mean s');
  for (const row of report.summary) lines.push(`${String(row.cp).padEnd(8)}${row.s.toFixed(6)}`);
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
    const report = measureFiles({
      model: values.model,
      planes: values.plane,
      data: values.data,
      classes: values.classes,
      cp: values.cp,
      scope: values.scope,
      clip: values.clip,
      box: values.box,
    });
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : table(report));
    return 0;
  } catch (error) {
    return failure('measure', error, io);
  }
}
