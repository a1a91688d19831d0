import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Each file packs, installs or deploys whole packages and starts real servers: one file at a
    // time keeps them from fighting over the 2 cores (and npm's cache).
    fileParallelism: false,
    // A limit is for a hang: one CI machine ran the same commit 2.8 times slower than a quiet one, and a
    // 60 s limit failed a type-check of the packed packages that was only slow.
    testTimeout: 240_000,
    hookTimeout: 1_200_000,
  },
});
