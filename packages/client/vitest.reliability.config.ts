import { defineConfig } from 'vitest/config';

/**
 * The client's reliability suite (`pnpm test:reliability`): sync against a faulty sandbox. Only
 * `reliability/**\/*.reliability.ts`; the normal `vitest run` never matches them.
 */
export default defineConfig({
  test: {
    include: ['reliability/**/*.reliability.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
