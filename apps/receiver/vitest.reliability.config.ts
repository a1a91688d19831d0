import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (`pnpm test:reliability`): crash, store outage, hostile input and forward
 * outage scenarios against the built receiver (`dist/main.js`) as a child process. Only
 * `reliability/**\/*.reliability.ts` files; the normal `vitest run` never matches them. Files run one
 * after another (every scenario loads both cores on purpose).
 */
export default defineConfig({
  test: {
    include: ['reliability/**/*.reliability.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
