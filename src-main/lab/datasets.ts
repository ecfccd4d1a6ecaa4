/**
 * Removing an imported dataset, and what a listing tells about its files. A dataset is
 * removed only when no model is filed under it (the refusal names them); the zoo row and
 * the plane sets drawn from it go first, in one transaction, then the cache file, so a
 * failure never leaves a row that points at no data.
 */
import { rmSync, statSync } from 'node:fs';
import { quote, ValidationError } from '../../src-shared/api/validate.ts';
import { BUILT_IN_DATASET_IDS, type DatasetRegistry } from '../data/registry.ts';
import type { Zoo } from '../zoo/zoo.ts';

/** Models named in a refusal; the rest are counted. */
const NAMED_USERS = 5;

/** Bytes of a dataset's cache file on disk (0 while it has none, as XOR never has). */
export function datasetBytes(registry: DatasetRegistry, id: string): number {
  try {
    return statSync(registry.cachePath(id)).size;
  } catch {
    return 0;
  }
}

/**
 * Removes the imported dataset `id` (its row, its plane sets, then its cache file).
 * Refuses a built-in dataset, an unknown one, one being imported and one that models use.
 */
export function removeUserDataset(
  zoo: Zoo,
  registry: DatasetRegistry,
  id: string,
  importing: ReadonlySet<string>,
): void {
  const path = 'params.id';
  if ((BUILT_IN_DATASET_IDS as readonly string[]).includes(id)) {
    throw new ValidationError(
      path,
      `${id} is a built-in dataset; only imported ones can be removed`,
    );
  }
  const hasRow = zoo.datasets.list().some((row) => row.id === id);
  if (!hasRow && !registry.has(id)) {
    const imported = registry
      .list()
      .filter((entry) => !entry.builtIn)
      .map((entry) => entry.id);
    throw new ValidationError(
      path,
      `no imported dataset ${quote(id)} (imported: ${imported.join(', ') || 'none'})`,
    );
  }
  if (importing.has(id)) {
    throw new ValidationError(path, `dataset ${id} is being imported; wait for it to finish`);
  }
  const users = zoo.datasets.users(id);
  if (users.length > 0) {
    const named = users
      .slice(0, NAMED_USERS)
      .map((model) => `${model.id} ${quote(model.name)}`)
      .join(', ');
    const more = users.length > NAMED_USERS ? ` and ${users.length - NAMED_USERS} more` : '';
    throw new ValidationError(
      path,
      `dataset ${id} is used by ${users.length} model${users.length === 1 ? '' : 's'} (${named}${more}); delete ${users.length === 1 ? 'it' : 'them'} first`,
    );
  }
  zoo.transaction(() => zoo.datasets.delete(id));
  rmSync(registry.cachePath(id), { force: true });
  registry.forget(id);
}
