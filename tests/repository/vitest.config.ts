import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // the clean-clone test installs, builds and runs the demo in a fresh clone
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
