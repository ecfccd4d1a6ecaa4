/**
 * A small runtime validator for api payloads. Every message that crosses a boundary
 * (IPC, WebSocket, CLI) is checked against a schema built from these combinators; a
 * failure names the field (`params.spec.seeds[2]: must be an integer ≥ 0`).
 */

export class ValidationError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ValidationError';
  }
}

export interface Schema<T> {
  /** Returns the value (possibly normalised, e.g. trimmed) or throws ValidationError. */
  parse(value: unknown, path?: string): T;
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Characters of a bad value an error message quotes at most. */
export const QUOTE_LIMIT = 80;

/**
 * A value of the caller's as an error message quotes it: JSON, cut to QUOTE_LIMIT
 * characters (a 1 M-character id must not make a 1 MB error), the full length said.
 */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= QUOTE_LIMIT) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, QUOTE_LIMIT))}… (${text.length} characters)`;
}

/** A field name inside a path: as it is when it is a short identifier, else quoted. */
export function fieldName(key: string): string {
  return /^[A-Za-z_$][\w$]{0,79}$/.test(key) ? key : `[${quote(key)}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (the field is missing)';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${quote(value)}`;
  if (typeof value === 'number') return `number ${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function')
    return typeof value;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export interface StringOptions {
  min?: number;
  max?: number;
  pattern?: RegExp;
  patternHint?: string;
  trim?: boolean;
}

export function string(options: StringOptions = {}): Schema<string> {
  const { min = 0, max = 10_000, pattern, patternHint, trim = true } = options;
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'string')
        throw new ValidationError(path, `must be text, got ${describe(value)}`);
      const text = trim ? value.trim() : value;
      if (text.length < min) {
        throw new ValidationError(
          path,
          min === 1 ? 'must not be empty' : `must have at least ${min} characters`,
        );
      }
      if (text.length > max) throw new ValidationError(path, `must have at most ${max} characters`);
      if (pattern && !pattern.test(text))
        throw new ValidationError(path, patternHint ?? `must match ${pattern}`);
      return text;
    },
  };
}

export interface NumberOptions {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

export function number(options: NumberOptions = {}): Schema<number> {
  const { min, max, above, integer = false } = options;
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ValidationError(path, `must be a finite number, got ${describe(value)}`);
      }
      if (integer && !Number.isInteger(value))
        throw new ValidationError(path, `must be an integer, got ${value}`);
      if (above !== undefined && !(value > above)) {
        throw new ValidationError(path, `must be greater than ${above}, got ${value}`);
      }
      if (min !== undefined && value < min)
        throw new ValidationError(path, `must be at least ${min}, got ${value}`);
      if (max !== undefined && value > max)
        throw new ValidationError(path, `must be at most ${max}, got ${value}`);
      return value;
    },
  };
}

export const integer = (options: Omit<NumberOptions, 'integer'> = {}): Schema<number> =>
  number({ ...options, integer: true });

/** A database id: a positive integer. */
export const id = (): Schema<number> => integer({ min: 1 });

export function boolean(): Schema<boolean> {
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'boolean')
        throw new ValidationError(path, `must be true or false, got ${describe(value)}`);
      return value;
    },
  };
}

export function literal<const T extends string | number | boolean>(expected: T): Schema<T> {
  return {
    parse(value, path = 'value') {
      if (value !== expected)
        throw new ValidationError(path, `must be ${JSON.stringify(expected)}`);
      return expected;
    },
  };
}

export function oneOf<const T extends readonly string[]>(choices: T): Schema<T[number]> {
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'string' || !choices.includes(value)) {
        throw new ValidationError(
          path,
          `must be one of ${choices.join(', ')}, got ${describe(value)}`,
        );
      }
      return value as T[number];
    },
  };
}

export interface ArrayOptions {
  min?: number;
  max?: number;
  unique?: boolean;
}

export function array<T>(item: Schema<T>, options: ArrayOptions = {}): Schema<T[]> {
  const { min = 0, max = 1_000_000, unique = false } = options;
  return {
    parse(value, path = 'value') {
      if (!Array.isArray(value))
        throw new ValidationError(path, `must be a list, got ${describe(value)}`);
      if (value.length < min) {
        throw new ValidationError(
          path,
          min === 1 ? 'must not be empty' : `must have at least ${min} items`,
        );
      }
      if (value.length > max) throw new ValidationError(path, `must have at most ${max} items`);
      const out = value.map((entry, index) => item.parse(entry, `${path}[${index}]`));
      if (unique) {
        const seen = new Set<string>();
        out.forEach((entry, index) => {
          const key = JSON.stringify(entry);
          if (seen.has(key))
            throw new ValidationError(`${path}[${index}]`, `repeats ${quoteJson(key)}`);
          seen.add(key);
        });
      }
      return out;
    },
  };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    optional: true,
    parse(value, path = 'value') {
      return value === undefined || value === null ? undefined : inner.parse(value, path);
    },
  };
}

export function withDefault<T>(inner: Schema<T>, fallback: T): Schema<T> {
  return {
    optional: true,
    parse(value, path = 'value') {
      return value === undefined || value === null ? fallback : inner.parse(value, path);
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: undefined extends Infer<S[K]> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

/** A plain object with exactly these fields; unknown fields are refused (they are typos). */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ValidationError(path, `must be an object, got ${describe(value)}`);
      }
      const record = value as Record<string, unknown>;
      // Own properties only: '__proto__' (an own key of JSON.parse's objects),
      // 'constructor' and 'toString' are unknown fields like any other.
      for (const key of Object.keys(record)) {
        if (!Object.hasOwn(shape, key)) {
          const place = fieldName(key);
          throw new ValidationError(
            place.startsWith('[') ? `${path}${place}` : `${path}.${place}`,
            'is not a known field',
          );
        }
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const field = Object.hasOwn(record, key) ? record[key] : undefined;
        const parsed = schema.parse(field, `${path}.${key}`);
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** JSON text of a value in a message, cut like quote() when long. */
function quoteJson(json: string): string {
  return json.length <= QUOTE_LIMIT
    ? json
    : `${json.slice(0, QUOTE_LIMIT)}… (${json.length} characters)`;
}

/** Any value; for payloads validated elsewhere (e.g. a model JSON by its own validator). */
export function unknownValue(): Schema<unknown> {
  return { parse: (value) => value };
}
