import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Each file packs, installs or deploys whole packages and starts real servers: one file at a
    // time keeps them from fighting over the 2 cores (and npm's cache).
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
