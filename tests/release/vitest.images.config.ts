import { defineConfig } from 'vitest/config';

// `pnpm test:images`: builds and runs the container images (see images/images.test.ts).
export default defineConfig({
  test: {
    include: ['images/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 1_800_000,
  },
});
