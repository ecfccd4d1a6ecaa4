/**
 * Malformed payloads for the fuzz tests, drawn from a seeded generator: a valid example
 * is taken apart at a random place (a field of any depth) and given a wrong type, a
 * missing value, an extra field ('__proto__', 'constructor', 'toString' among them), a
 * huge string, NaN / ±Infinity / -0, deep nesting or a huge array. The same seed gives
 * the same cases on every run.
 */
import { Random } from '../../src-shared/model/random.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A place in a value: the keys and indices from its root. */
export type PathStep = string | number;

function nested(depth: number, leaf: unknown, kind: 'array' | 'object'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

/** Wrong values for any field: each is invalid for most schemas. */
export function badValues(): { label: string; value: unknown }[] {
  return [
    { label: 'empty text', value: '' },
    { label: 'text', value: 'x' },
    { label: 'huge text', value: 'z'.repeat(1_000_000) },
    { label: 'zero', value: 0 },
    { label: '-1', value: -1 },
    { label: '-0', value: -0 },
    { label: 'fraction', value: 1.5 },
    { label: '2^53', value: 2 ** 53 },
    { label: 'NaN', value: Number.NaN },
    { label: 'Infinity', value: Number.POSITIVE_INFINITY },
    { label: '-Infinity', value: Number.NEGATIVE_INFINITY },
    { label: 'true', value: true },
    { label: 'false', value: false },
    { label: 'empty list', value: [] },
    { label: 'empty object', value: {} },
    { label: 'deep list', value: nested(1_000, 1, 'array') },
    { label: 'deep object', value: nested(500, 1, 'object') },
    { label: 'huge list', value: new Array<number>(200_000).fill(7) },
    { label: 'list of huge texts', value: ['q'.repeat(100_000), 'r'.repeat(100_000)] },
  ];
}

/** Every path to a value inside `root` (objects and arrays), up to `depth` steps. */
export function paths(root: unknown, depth = 4): PathStep[][] {
  const found: PathStep[][] = [];
  const walk = (value: unknown, path: PathStep[]) => {
    if (path.length > 0) found.push(path);
    if (path.length >= depth) return;
    if (Array.isArray(value)) {
      // A few items of a long list are enough.
      for (let i = 0; i < Math.min(value.length, 3); i++) walk(value[i], [...path, i]);
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value))
        walk((value as Record<string, unknown>)[key], [...path, key]);
    }
  };
  walk(root, []);
  return found;
}

/** Objects inside `root` (paths to them; [] is the root itself when it is one). */
export function objectPaths(root: unknown, depth = 4): PathStep[][] {
  const isObject = (value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  return [[], ...paths(root, depth)].filter((path) => isObject(at(root, path)));
}

export function at(root: unknown, path: readonly PathStep[]): unknown {
  let value = root;
  for (const step of path) value = (value as Record<PathStep, unknown>)[step];
  return value;
}

/** A deep copy (structuredClone keeps NaN, -0 and own '__proto__' keys made by defineProperty). */
function copy<T>(value: T): T {
  return structuredClone(value);
}

function setAt(root: unknown, path: readonly PathStep[], value: unknown): unknown {
  if (path.length === 0) return value;
  const out = copy(root);
  const parent = at(out, path.slice(0, -1)) as Record<PathStep, unknown>;
  parent[path[path.length - 1]] = value;
  return out;
}

function deleteAt(root: unknown, path: readonly PathStep[]): unknown {
  const out = copy(root);
  const parent = at(out, path.slice(0, -1)) as Record<PathStep, unknown> | unknown[];
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else delete (parent as Record<PathStep, unknown>)[last];
  return out;
}

/** An own property, also for '__proto__' (a plain assignment would set the prototype). */
function addField(root: unknown, path: readonly PathStep[], key: string, value: unknown): unknown {
  const out = copy(root);
  const target = at(out, path) as object;
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return out;
}

export const EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'extra',
  'k'.repeat(100_000),
];

export interface Mutation {
  /** What was done, for the failure message of a test. */
  label: string;
  value: unknown;
}

/** One random malformation of `base`. */
export function mutate(random: Random, base: unknown): Mutation {
  const bads = badValues();
  const choice = random.nextInt(10);
  const all = paths(base);
  if (choice === 0 || all.length === 0) {
    const bad = bads[random.nextInt(bads.length)];
    return { label: `whole value → ${bad.label}`, value: bad.value };
  }
  if (choice <= 2) {
    const objects = objectPaths(base);
    if (objects.length > 0) {
      const path = objects[random.nextInt(objects.length)];
      const key = EXTRA_KEYS[random.nextInt(EXTRA_KEYS.length)];
      return {
        label: `extra field ${key.slice(0, 20)} at ${path.join('.') || 'root'}`,
        value: addField(base, path, key, { polluted: true }),
      };
    }
  }
  const path = all[random.nextInt(all.length)];
  if (choice === 3) return { label: `delete ${path.join('.')}`, value: deleteAt(base, path) };
  const bad = bads[random.nextInt(bads.length)];
  return { label: `${path.join('.')} → ${bad.label}`, value: setAt(base, path, bad.value) };
}

/** A seeded generator of the fuzz tests (one stream per purpose). */
export function fuzzRandom(stream: string): Random {
  return Random.create(20_261_201, stream);
}
