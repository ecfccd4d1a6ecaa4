/**
 * What the lab service's modules share: its version, the partition cache's sizing, the
 * caller-error helper, and small helpers of the domains (moved from service.ts unchanged).
 */
import { readFileSync } from 'node:fs';
import type { Backend, PartitionView } from '../../src-shared/api/dto.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { type DatasetEntry } from '../data/registry.ts';
import { startTraining } from '../jobs/train-job.ts';
import type { PartitionMessage } from '../workers/measure-protocol.ts';

/** The lab's version, from the package.json above this file (sources or a bundle). */
export const VERSION = ((): string => {
  for (let url = new URL('.', import.meta.url); ; url = new URL('..', url)) {
    try {
      const found = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (found.name === 'mbh-lab' && found.version) return found.version;
    } catch {
      // No package.json here: look one folder up.
    }
    if (url.pathname === '/' || url.pathname.endsWith(':/')) return 'unknown';
  }
})();

/** Bytes of recent partitions kept in memory for the plane viewer. */
export const PARTITION_CACHE_BYTES = 256 * 1024 * 1024;

export function partitionBytes(view: PartitionView): number {
  return (
    view.vertexOffsets.byteLength +
    view.vertices.byteLength +
    view.areas.byteLength +
    view.patterns.byteLength +
    view.predictedClasses.byteLength +
    view.mixedOffsets.byteLength +
    view.mixedClasses.byteLength +
    view.mixedShares.byteLength +
    view.domain.byteLength +
    256
  );
}

/** Errors of the caller's making: bad references, wrong states. Their messages name the field. */
export function invalid(path: string, problem: string): never {
  throw new ValidationError(path, problem);
}

export function fileSlug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'export';
}

export function formatDensity(density: number): string {
  return density === 1 ? '1' : String(Number(density.toPrecision(4)));
}

export function guessDataset(
  entries: DatasetEntry[],
  inputDim: number,
  classCount: number,
): string {
  const match = entries.find(
    (entry) => entry.inputDim === inputDim && entry.classCount === classCount,
  );
  if (!match) {
    invalid(
      'params.datasetId',
      `no dataset of the lab has ${inputDim} inputs and ${classCount} classes: name the model's dataset`,
    );
  }
  return match.id;
}

export function backendNote(backend: Backend, skipped: readonly string[]): string {
  if (skipped.length === 0) return `${backend} is the best backend available`;
  return `using ${backend}; ${skipped.join('; ')}`;
}

/**
 * Which training backend loads on this machine: the training worker picks one when it
 * starts, so a one-step run on the XOR toy tells (no extra worker entry to bundle).
 */
export async function probeBackend(home: string): Promise<{ backend: Backend; note: string }> {
  try {
    const run = startTraining(
      {
        type: 'start',
        spec: { hidden: [2], seed: 0, dataset: 'xor', iterations: 1, checkpoints: [] },
        dataDirectory: home,
        snapshotEvery: 0,
      },
      () => {},
    );
    const { backend } = await run.done;
    return { backend: backend.name, note: backendNote(backend.name, backend.skipped) };
  } catch (error) {
    return {
      backend: 'cpu',
      note: `no training backend could be loaded: ${(error as Error).message}`,
    };
  }
}

export function partitionMessageOf(partition: PartitionView): PartitionMessage {
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
    ms: partition.ms,
  };
}
