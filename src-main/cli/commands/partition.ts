/**
 * `mbh-lab partition`: the exact activation regions of a model on a plane; prints their
 * count per layer, the domain area and the sum of region areas (a self-check).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  checkRegionBudget,
  groupDigits,
  MAX_REGION_BUDGET,
} from '../../../src-shared/mbh/budget.ts';
import { partitionPlane } from '../../../src-shared/mbh/partition.ts';
import { partitionToSvg } from '../../../src-shared/mbh/svg.ts';
import { loadModelFile, loadPlaneFile } from '../engine-files.ts';
import { failure, parseBox, type Io } from '../engine-io.ts';

export const usage = `mbh-lab partition --model M.json --plane P.json [--clip [--box LOW,HIGH]] [--json] [--svg FILE [--points]]
                  [--max-regions N]

Partitions the plane's domain into the model's exact activation regions. --clip
intersects the domain with the input box (the model's inputBox, or --box). --svg draws the
regions; --points marks the three spanning points ○ □ △. The model may be Model JSON, ONNX
(.onnx), safetensors or a PyTorch state_dict (.pt/.pth) of nn.Linear layers, or a
TensorFlow.js model.json (its weight files beside it): see docs/model-formats.md.
--max-regions stops a plane with more regions than N (default 200,000) with an error,
before it fills the memory; raise it for a large network, or zoom into a smaller domain.`;

/** --max-regions N: the region budget, an integer from 1 to MAX_REGION_BUDGET. */
export function parseMaxRegions(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text.trim())) {
    throw new Error(
      `--max-regions must be an integer from 1 to ${groupDigits(MAX_REGION_BUDGET)}, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return checkRegionBudget(Number(text), '--max-regions');
}

/** Compensated (Neumaier) sum: the self-check must not add its own round-off. */
export function compensatedSum(values: ArrayLike<number>): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const t = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - t + value : value - t + sum;
    sum = t;
  }
  return sum + compensation;
}

export async function run(args: string[], io: Io): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        plane: { type: 'string' },
        clip: { type: 'boolean', default: false },
        box: { type: 'string' },
        json: { type: 'boolean', default: false },
        svg: { type: 'string' },
        points: { type: 'boolean', default: false },
        'max-regions': { type: 'string' },
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
    if (!values.plane) throw new Error('--plane P.json is required');
    if (values.points && !values.svg) {
      throw new Error(
        "--points marks the plane's points on the --svg drawing: give --svg FILE too",
      );
    }
    const maxRegions = parseMaxRegions(values['max-regions']);
    const network = loadModelFile(values.model);
    const box = values.box === undefined ? undefined : parseBox(values.box);
    const plane = loadPlaneFile(values.plane, network, values.clip || box !== undefined, box);
    if (values.points && !plane.points) {
      throw new Error(
        `--points: ${values.plane} gives no points (origin, u, v form); use a {"points": [p0, p1, p2]} plane`,
      );
    }
    const partition = partitionPlane(
      network,
      plane,
      maxRegions === undefined ? {} : { maxRegions },
    );
    const result = {
      regions: partition.regionCount,
      regionsPerLayer: partition.regionsPerLayer,
      domainArea: partition.domainArea,
      areaSum: compensatedSum(partition.areas),
      ms: Math.round(partition.timings.totalMs * 1000) / 1000,
    };
    if (values.svg) {
      const svg = partitionToSvg(partition, {
        points: values.points ? (plane.points ?? null) : null,
      });
      writeFileSync(values.svg, svg);
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(result)}\n`);
    } else {
      io.stdout(
        `regions          ${result.regions}\n` +
          `per layer        ${result.regionsPerLayer.join(', ')}\n` +
          `domain area      ${result.domainArea}\n` +
          `sum of areas     ${result.areaSum}\n` +
          `time             ${result.ms} ms\n`,
      );
    }
    return 0;
  } catch (error) {
    return failure('partition', error, io);
  }
}
