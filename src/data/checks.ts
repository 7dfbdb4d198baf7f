/**
 * Argument checks shared by the loaders, so that every option is rejected with the same wording
 * (`<name> must be <rule>, got <value>`) before any file is read.
 */

function checkNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
}

/**
 * Checks that a value is an integer >= 0.
 *
 * @example checkNonNegativeInteger('trainSize', 100)
 * @param name Option name used in the message.
 * @param value The value to check.
 * @returns Nothing.
 * @throws TypeError when the value is not a number; RangeError when it is not an integer >= 0.
 */
export function checkNonNegativeInteger(name: string, value: unknown): asserts value is number {
  checkNumber(name, value);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/**
 * Checks that a value is an integer >= 1.
 *
 * @example checkPositiveInteger('seqLength', 64)
 * @param name Option name used in the message.
 * @param value The value to check.
 * @returns Nothing.
 * @throws TypeError when the value is not a number; RangeError when it is not an integer >= 1.
 */
export function checkPositiveInteger(name: string, value: unknown): asserts value is number {
  checkNumber(name, value);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/**
 * Checks that a value lies in the open interval (0, 1).
 *
 * @example checkOpenFraction('trainFraction', 0.7)
 * @param name Option name used in the message.
 * @param value The value to check.
 * @returns Nothing.
 * @throws TypeError when the value is not a number; RangeError when it is outside (0, 1).
 */
export function checkOpenFraction(name: string, value: unknown): asserts value is number {
  checkNumber(name, value);
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
}

/**
 * Checks that a seed is an integer.
 *
 * @example checkSeed(42)
 * @param value The seed.
 * @returns Nothing.
 * @throws TypeError when it is not a number; RangeError when it is not an integer.
 */
export function checkSeed(value: unknown): asserts value is number {
  checkNumber('seed', value);
  if (!Number.isInteger(value)) throw new RangeError(`seed must be an integer, got ${value}`);
}

/**
 * Checks that a value is a non-empty string (a path or a name).
 *
 * @example checkString('dataDir', '/tmp/mnist')
 * @param name Option name used in the message.
 * @param value The value to check.
 * @returns Nothing.
 * @throws TypeError when the value is not a string; RangeError when it is empty.
 */
export function checkString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${typeof value}`);
  if (value.length === 0) throw new RangeError(`${name} must be a non-empty string, got ""`);
}

/**
 * Checks that a value is a boolean.
 *
 * @example checkBoolean('lowerCase', false)
 * @param name Option name used in the message.
 * @param value The value to check.
 * @returns Nothing.
 * @throws TypeError when the value is not a boolean.
 */
export function checkBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${typeof value}`);
}
