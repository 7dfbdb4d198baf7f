/**
 * Argument checks shared by the builders and the training loop. Each throws `TypeError` for a
 * value of the wrong kind and `RangeError` for a value out of range, with the rule and the value
 * in the message, before anything is created or changed.
 */

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

/**
 * Checks that a value is an integer >= 1.
 * @example checkPositiveInteger('batchSize', 0) // throws RangeError 'batchSize must be a positive integer, got 0'
 * @param name Name used in the message.
 * @param value The value to check.
 * @throws TypeError when the value is not a number; RangeError when it is not a positive integer.
 */
export function checkPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value} ${show(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/**
 * Checks that a value is an integer >= 0.
 * @example checkNonNegativeInteger('embeddingDim', 0) // passes
 * @param name Name used in the message.
 * @param value The value to check.
 * @throws TypeError when the value is not a number; RangeError when it is negative or fractional.
 */
export function checkNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value} ${show(value)}`);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/**
 * Checks that a value is a finite number > 0.
 * @example checkPositiveNumber('learningRate', 1e-3) // passes
 * @param name Name used in the message.
 * @param value The value to check.
 * @throws TypeError when the value is not a number; RangeError when it is not finite and positive.
 */
export function checkPositiveNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value} ${show(value)}`);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
}

/**
 * Checks that a value is an integer seed.
 * @example checkSeed('seed', 1.5) // throws RangeError 'seed must be an integer, got 1.5'
 * @param name Name used in the message.
 * @param value The value to check.
 * @throws TypeError when the value is not a number; RangeError when it is not an integer.
 */
export function checkSeed(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value} ${show(value)}`);
  if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
}

/**
 * Checks that a value is one of a list of strings.
 * @example checkOneOf('cell', 'GRU', CELL_TYPES) // passes
 * @param name Name used in the message.
 * @param value The value to check.
 * @param allowed The accepted values.
 * @throws TypeError when the value is not a string; RangeError when it is not one of `allowed`.
 */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, one of ${allowed.join(', ')}, got ${typeof value} ${show(value)}`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${show(value)}`);
  }
}

/**
 * Normalises `units` to a non-empty list of positive integers, one per stacked recurrent layer.
 * @example unitsList(64) // [64]; unitsList([64, 32]) // [64, 32]
 * @param units A width, or one width per layer.
 * @returns The widths as an array (a copy).
 * @throws TypeError when units is neither a number nor an array; RangeError for an empty list or
 *   a width that is not a positive integer.
 */
export function unitsList(units: unknown): number[] {
  if (Array.isArray(units)) {
    if (units.length === 0) throw new RangeError('units must list at least one layer width, got []');
    units.forEach((u, i) => checkPositiveInteger(`units[${i}]`, u));
    return [...(units as number[])];
  }
  if (typeof units !== 'number') throw new TypeError(`units must be a positive integer or an array of them, got ${typeof units} ${show(units)}`);
  checkPositiveInteger('units', units);
  return [units];
}
