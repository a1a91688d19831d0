import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // the tests spawn the bundled CLI (dist/cli.js); the global setup builds it when stale
    globalSetup: ['./src/test-support/build-cli.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
