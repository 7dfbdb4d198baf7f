// Types for scripts/api-docs.mjs, so that main.ts (TypeScript) can import it; the JSDoc is there.
export declare function buildApiReference(
  outDir: string,
  options?: { quiet?: boolean },
): Promise<{ file: string; warnings: number }>;
