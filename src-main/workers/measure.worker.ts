/**
 * The measure worker: partitions planes and measures specialization off the main thread.
 * It loads the dataset itself (from the lab's cache), computes the data's decision
 * patterns once per checkpoint and scope, and answers each plane with typed arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError, type PartitionControl } from '../../src-shared/mbh/budget.ts';
import { partitionPlane, type Partition } from '../../src-shared/mbh/partition.ts';
import { partitionWithClasses } from '../../src-shared/mbh/region-classes.ts';
import {
  decisionPatterns,
  type SamplePatterns,
  type Scope,
} from '../../src-shared/mbh/patterns.ts';
import type { Plane } from '../../src-shared/mbh/plane.ts';
import {
  blanketMask,
  planMeasure,
  measureWithPlan,
  type Phenomenon,
} from '../../src-shared/mbh/specialization.ts';
import type { ScopeName } from '../../src-shared/api/dto.ts';
import { DatasetRegistry } from '../data/registry.ts';
import type { Dataset } from '../data/dataset.ts';
import { drawPlanes } from '../lab/plane-sets.ts';
import { parsePlaneRuleText } from '../../src-shared/model/plane-rule.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { unpackNetwork } from '../zoo/checkpoints.ts';
import { exactBlankets, exactPlaneCells, solveExactPatterns } from '../analyses/exact-worker.ts';
import { runAnalysis } from '../analyses/analysis-worker.ts';
import type {
  BlanketResult,
  ImagesResult,
  MeasureRequest,
  MeasureResponse,
  NetworkMessage,
  PartitionMessage,
  PartitionResult,
  PlaneMessage,
  PlaneResult,
  WorkerData,
} from './measure-protocol.ts';

const port = parentPort!;
const registry = new DatasetRegistry((workerData as WorkerData).home);
const PATTERN_CACHE_SIZE = 4;
const patternCache = new Map<string, SamplePatterns>();

export function parseScope(name: ScopeName): Scope {
  if (name === 'last' || name === 'all') return { kind: name };
  return { kind: 'layer', index: Number(name.slice('layer:'.length)) };
}

function toPlane(message: PlaneMessage): Plane {
  return {
    dim: message.origin.length,
    origin: message.origin,
    u: message.u,
    v: message.v,
    domain: message.domain,
    points: message.points,
  };
}

function classPhenomena(dataset: Dataset): Phenomenon[] {
  return dataset.classNames.map((name, label) => ({ name, labels: [label] }));
}

/** The test split's decision patterns for a checkpoint, computed once per key. */
function samplePatterns(key: string, network: NetworkMessage, dataset: Dataset, scope: ScopeName) {
  const cacheKey = `${key}|${dataset.id}|${scope}`;
  let patterns = patternCache.get(cacheKey);
  if (patterns) {
    patternCache.delete(cacheKey);
  } else {
    const net = unpackNetwork(network.widths, network);
    patterns = decisionPatterns(net, dataset.test.x, dataset.test.count, parseScope(scope));
    if (patternCache.size >= PATTERN_CACHE_SIZE) {
      patternCache.delete(patternCache.keys().next().value as string);
    }
  }
  patternCache.set(cacheKey, patterns);
  return patterns;
}

function partitionMessage(partition: Partition): PartitionMessage {
  return {
    regionCount: partition.regionCount,
    vertexOffsets: partition.vertexOffsets,
    vertices: partition.vertices,
    areas: partition.areas,
    patternWords: partition.patternWords,
    patterns: partition.patterns,
    neuronCount: partition.neuronCount,
    layerSizes: partition.layerSizes,
    regionsPerLayer: partition.regionsPerLayer,
    domainArea: partition.domainArea,
    ms: partition.timings.totalMs,
  };
}

function loadDataset(id: string, inputDim: number | null): Dataset {
  const dataset = registry.load(id);
  if (inputDim !== null && dataset.inputDim !== inputDim) {
    throw new Error(`dataset ${id} has ${dataset.inputDim} inputs, the network takes ${inputDim}`);
  }
  return dataset;
}

/** The engine's budget controls for one request: its cancel flag and progress messages. */
function control(request: MeasureRequest): PartitionControl {
  const flag = request.cancel;
  return {
    ...(flag ? { cancelled: () => Atomics.load(flag, 0) !== 0 } : {}),
    onProgress: (regions) =>
      port.postMessage({ type: 'progress', id: request.id, regions } satisfies MeasureResponse),
  };
}

function measure(request: Extract<MeasureRequest, { type: 'measure' }>): void {
  const dataset = loadDataset(request.datasetId, request.network.widths[0]);
  const network = unpackNetwork(request.network.widths, request.network);
  const patterns = samplePatterns(request.patternKey, request.network, dataset, request.scope);
  const plan = planMeasure(patterns, dataset.test.y, {
    phenomena: request.phenomena ?? classPhenomena(dataset),
    cps: request.cps,
  });
  const cells = plan.phenomena.length * plan.cps.length;
  for (const planeMessage of request.planes) {
    const started = performance.now();
    const partition = partitionPlane(network, toPlane(planeMessage), {
      ...control(request),
      ...(request.maxRegions !== undefined ? { maxRegions: request.maxRegions } : {}),
    });
    const results = measureWithPlan(partition, plan, planeMessage.index);
    const out: PlaneResult = {
      type: 'plane',
      id: request.id,
      plane: planeMessage.index,
      regions: partition.regionCount,
      domainArea: partition.domainArea,
      ms: performance.now() - started,
      phenomena: plan.phenomena.map((p) => p.name),
      cps: plan.cps,
      s: new Float64Array(cells),
      blanketArea: new Float64Array(cells),
      constraints: new Int32Array(cells),
      coverage: new Float64Array(cells),
    };
    results.forEach((result, k) => {
      out.s[k] = result.s;
      out.blanketArea[k] = result.blanketArea;
      out.constraints[k] = result.constraints;
      out.coverage[k] = result.coverage;
    });
    if (request.exact) out.exact = exactPlaneCells(partition, request.exact, plan);
    const exactArrays = out.exact ? Object.values(out.exact) : [];
    port.postMessage(
      out satisfies MeasureResponse,
      buffers(out.s, out.blanketArea, out.constraints, out.coverage, ...exactArrays),
    );
  }
  reply(request.id, null);
}

/** Blankets of one cached partition for every phenomenon × cP (phenomenon-major), in one pass. */
function blanketCells(
  request: Extract<MeasureRequest, { type: 'blanket' | 'blankets' }>,
  phenomena: Phenomenon[],
  cps: number[],
): BlanketResult[] {
  const dataset = loadDataset(request.datasetId, request.network.widths[0]);
  const patterns = samplePatterns(request.patternKey, request.network, dataset, request.scope);
  const plan = planMeasure(patterns, dataset.test.y, { phenomena, cps });
  const partition: Partition = {
    ...request.partition,
    timings: { perLayerMs: [], totalMs: request.partition.ms },
  };
  // Greedy patterns once; each cell is then measured on its own one-cell plan, so its
  // numbers are bit for bit those of a single blanket request (the summation order
  // depends on the cPs measured together).
  const cells: BlanketResult[] = [];
  plan.phenomena.forEach((phenomenon, p) => {
    const greedy = plan.greedy[p];
    plan.cps.forEach((cp, c) => {
      const count = plan.lengths[p][c];
      const [result] = measureWithPlan(
        partition,
        {
          neurons: plan.neurons,
          phenomena: [phenomenon],
          cps: [cp],
          greedy: [greedy],
          lengths: [Int32Array.of(count)],
        },
        0,
      );
      cells.push({
        regions: blanketMask(
          partition,
          { neurons: greedy.neurons, states: greedy.states, count },
          plan.neurons,
        ),
        s: result.s,
        blanketArea: result.blanketArea,
        domainArea: result.domainArea,
        constraints: result.constraints,
        coverage: result.coverage,
      });
    });
  });
  if (request.type === 'blankets' && request.exact) {
    exactBlankets(partition, request.exact, plan).forEach((exact, k) => (cells[k].exact = exact));
  }
  return cells;
}

function images(request: Extract<MeasureRequest, { type: 'images' }>): void {
  const dataset = loadDataset(request.datasetId, null);
  const value: ImagesResult = {
    inputDim: dataset.inputDim,
    images: request.samples.map((index) => {
      if (!Number.isInteger(index) || index < 0 || index >= dataset.test.count) {
        throw new Error(`sample ${index} is not in the test split of ${dataset.id}`);
      }
      return dataset.test.x.slice(index * dataset.inputDim, (index + 1) * dataset.inputDim);
    }),
    labels: request.samples.map((index) => dataset.test.y[index]),
  };
  reply(request.id, value);
}

/** The distinct buffers under some arrays, to transfer rather than copy. */
function buffers(...arrays: ArrayBufferView[]): ArrayBuffer[] {
  return [...new Set(arrays.map((array) => array.buffer as ArrayBuffer))];
}

function reply(id: number, value: unknown, transfer: ArrayBuffer[] = []): void {
  port.postMessage({ type: 'result', id, value } satisfies MeasureResponse, transfer);
}

port.on('message', (request: MeasureRequest) => {
  try {
    // Cancelled while it waited in the queue: no work at all.
    if (request.cancel && Atomics.load(request.cancel, 0) !== 0) {
      throw new CancelledError('the request was cancelled');
    }
    switch (request.type) {
      case 'measure':
        measure(request);
        break;
      case 'partition': {
        const network = unpackNetwork(request.network.widths, request.network);
        // The viewer's partition: with each region's predicted class (for its hover).
        const computed = partitionWithClasses(network, toPlane(request.plane), {
          ...control(request),
          ...(request.maxRegions !== undefined ? { maxRegions: request.maxRegions } : {}),
        });
        const partition: PartitionResult = {
          ...partitionMessage(computed),
          predictedClasses: computed.predictedClasses,
          mixedOffsets: computed.mixedOffsets,
          mixedClasses: computed.mixedClasses,
          mixedShares: computed.mixedShares,
        };
        reply(
          request.id,
          partition,
          buffers(
            partition.vertexOffsets,
            partition.vertices,
            partition.areas,
            partition.patterns,
            partition.predictedClasses,
            partition.mixedOffsets,
            partition.mixedClasses,
            partition.mixedShares,
          ),
        );
        break;
      }
      case 'blanket': {
        const [value] = blanketCells(request, [request.phenomenon], [request.cp]);
        reply(request.id, value, buffers(value.regions));
        break;
      }
      case 'blankets': {
        const value = blanketCells(request, request.phenomena, request.cps);
        reply(request.id, value, buffers(...value.map((cell) => cell.regions)));
        break;
      }
      case 'planes': {
        const dataset = loadDataset(request.datasetId, null);
        const planes = drawPlanes(
          {
            inputDim: dataset.inputDim,
            classCount: dataset.classCount,
            x: dataset.test.x,
            y: dataset.test.y,
            count: dataset.test.count,
            inputBox: dataset.inputBox,
          },
          request.count,
          request.seed,
          request.clip,
          parsePlaneRuleText(request.rule, request.paths.rule),
          request.paths,
        );
        reply(request.id, { planes, inputBox: dataset.inputBox });
        break;
      }
      case 'images':
        images(request);
        break;
      case 'exactBlankets': {
        const dataset = loadDataset(request.datasetId, request.network.widths[0]);
        const patterns = samplePatterns(
          request.patternKey,
          request.network,
          dataset,
          request.scope,
        );
        const plan = planMeasure(patterns, dataset.test.y, {
          phenomena: request.phenomena,
          cps: request.cps,
        });
        const partition: Partition = {
          ...request.partition,
          timings: { perLayerMs: [], totalMs: request.partition.ms },
        };
        const value = exactBlankets(partition, request.exact, plan);
        reply(request.id, value, buffers(...value.map((cell) => cell.regions)));
        break;
      }
      case 'analysis': {
        const dataset = loadDataset(request.datasetId, request.network.widths[0]);
        const network = unpackNetwork(request.network.widths, request.network);
        reply(request.id, runAnalysis(request, dataset, network, parseScope(request.scope)));
        break;
      }
      case 'exactPatterns': {
        // Asynchronous only while HiGHS loads (once per worker); the solves are synchronous.
        const dataset = loadDataset(request.datasetId, request.network.widths[0]);
        const patterns = samplePatterns(
          request.patternKey,
          request.network,
          dataset,
          request.scope,
        );
        const plan = planMeasure(patterns, dataset.test.y, {
          phenomena: request.phenomena ?? classPhenomena(dataset),
          cps: request.cps,
        });
        solveExactPatterns(patterns, dataset.test.y, plan, request.timeLimit).then(
          (value) => reply(request.id, value),
          (error: unknown) =>
            port.postMessage({
              type: 'error',
              id: request.id,
              message: error instanceof Error ? error.message : String(error),
            } satisfies MeasureResponse),
        );
        break;
      }
    }
  } catch (error) {
    port.postMessage({
      type: 'error',
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error ? { name: error.name } : {}),
      ...(error instanceof ValidationError ? { path: error.path } : {}),
    } satisfies MeasureResponse);
  }
});
