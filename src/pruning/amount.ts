/**
 * How much to prune, in the convention of PyTorch's `torch/nn/utils/prune.py`: an integer >= 1 is a
 * count of weights (or units), a number in [0, 1) is a fraction of them. JavaScript has no separate
 * float type, so `1` always means "one weight", never "100%".
 */

/**
 * Checks a pruning amount on its own, before the number of candidates is known.
 *
 * @example checkAmount(0.5); checkAmount(3); // fine
 * @param amount A fraction in [0, 1) or an integer count >= 1.
 * @param name Name used in the error message.
 * @throws TypeError when the amount is not a number.
 * @throws RangeError when it is neither a fraction in [0, 1) nor an integer >= 1.
 */
export function checkAmount(amount: unknown, name = 'amount'): asserts amount is number {
  if (typeof amount !== 'number') {
    throw new TypeError(`${name} must be a number, got ${typeof amount}`);
  }
  const isFraction = amount >= 0 && amount < 1;
  const isCount = Number.isInteger(amount) && amount >= 1;
  if (!isFraction && !isCount) {
    throw new RangeError(`${name} must be a fraction in [0, 1) or an integer count >= 1, got ${amount}`);
  }
}

/**
 * Rounds half to even, as Python's `round` does, so that fractions turn into the same counts as
 * in prune.py (`round(0.5 * 5) == 2`).
 *
 * @example roundHalfEven(2.5) // 2
 * @param x A finite number.
 * @returns The nearest integer, ties to the even one.
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Turns an amount into a number of items to prune out of `size` candidates.
 *
 * @example amountToCount(0.25, 8) // 2
 * @param amount A fraction in [0, 1) or an integer count >= 1.
 * @param size Number of candidates (weights or units still unpruned).
 * @param name Name used in the error message.
 * @param what What is counted, used in the error message.
 * @returns The count, `round(amount * size)` for a fraction (ties to even).
 * @throws TypeError / RangeError as {@link checkAmount}; RangeError when a count exceeds `size`.
 */
export function amountToCount(amount: unknown, size: number, name = 'amount', what = 'unpruned weights'): number {
  checkAmount(amount, name);
  if (amount >= 1) {
    if (amount > size) {
      throw new RangeError(`${name} must not exceed the number of ${what} (${size}), got ${amount}`);
    }
    return amount;
  }
  return roundHalfEven(amount * size);
}
