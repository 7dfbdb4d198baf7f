/**
 * Placeholder until the fast transposed-matmul kernel lands: reports the fix as inactive.
 * @param enable Whether to enable the fix.
 * @returns Whether the fix is active.
 */
export function installFastWasmMatMul(enable: boolean): boolean {
  void enable;
  return false;
}
