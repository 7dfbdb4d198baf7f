/**
 * JSON values as cache keys and cached results: a check that names the first value JSON cannot
 * hold faithfully, and a canonical text (sorted keys) so that equal values hash equally.
 */

/** A value JSON represents exactly. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Options of {@link checkJson}. */
export interface CheckJsonOptions {
  /**
   * Accept NaN and ±Infinity, which JSON text cannot hold but a result may (the caller stores
   * them apart).
   * @default false
   */
  allowNonFinite?: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default: {
      const name = (value as object).constructor?.name ?? 'object';
      return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
    }
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that a value is JSON: plain objects, arrays, finite numbers, strings, booleans and null,
 * nested in any way but without cycles. Typed arrays, dates, maps, class instances, undefined,
 * functions, NaN and ±Infinity are refused, because `JSON.stringify` would change or drop them
 * silently and two different values would then share a cache key.
 *
 * @example checkJson({ sparsity: 0.5, seeds: [1, 2, 3] }, 'config'); // passes
 * @example checkJson({ sparsity: NaN }, 'config'); // TypeError: config.sparsity must be JSON (...), got NaN
 * @param value The value.
 * @param name How messages name the value, e.g. `config`.
 * @param options See {@link CheckJsonOptions}.
 * @throws TypeError naming the path of the first bad value, e.g. `config.layers[1].units`.
 */
export function checkJson(value: unknown, name: string, options: CheckJsonOptions = {}): asserts value is JsonValue {
  const allowNonFinite = options.allowNonFinite === true;
  const rule = `JSON (a ${allowNonFinite ? '' : 'finite '}number, string, boolean, null, array or plain object)`;
  // Only the containers on the current path: a shared (not cyclic) sub-object is fine.
  const open = new Set<object>();
  const visit = (v: unknown, at: string): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (Number.isFinite(v) || allowNonFinite) return;
      throw new TypeError(`${at} must be ${rule}, got ${describe(v)}`);
    }
    if (typeof v !== 'object' || !(Array.isArray(v) || isPlainObject(v))) throw new TypeError(`${at} must be ${rule}, got ${describe(v)}`);
    if (open.has(v)) throw new TypeError(`${at} must be ${rule}, got a cycle (a reference to an object that contains it)`);
    open.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) throw new TypeError(`${childPath(at, i)} must be ${rule}, got an empty array slot`);
        visit(v[i], childPath(at, i));
      }
    } else {
      for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key], childPath(at, key));
    }
    open.delete(v);
  };
  visit(value, name);
}

function write(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    // Default sort compares UTF-16 code units: the same order on every machine and locale.
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${write(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The canonical JSON text of a value: object keys sorted, no spaces, so that values equal as
 * data give the same text whatever order their keys were written in.
 *
 * @example canonicalJson({ b: 1, a: [2, { d: null, c: true }] }) // '{"a":[2,{"c":true,"d":null}],"b":1}'
 * @param value A JSON value (see {@link checkJson}).
 * @returns The text.
 * @throws TypeError naming the path of the first value that is not JSON.
 */
export function canonicalJson(value: unknown): string {
  checkJson(value, 'value');
  return write(value);
}
