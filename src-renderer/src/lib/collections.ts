/** Immutable updates for collections kept in $state.raw: each returns a new object. */

export function withEntries<K, V>(map: ReadonlyMap<K, V>, entries: Iterable<[K, V]>): Map<K, V> {
  const next = new Map(map);
  for (const [key, value] of entries) next.set(key, value);
  return next;
}

export function mapBy<K, V>(items: Iterable<V>, key: (item: V) => K): Map<K, V> {
  const map = new Map<K, V>();
  for (const item of items) map.set(key(item), item);
  return map;
}

/** The list with `item` present or absent, order kept. */
export function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
