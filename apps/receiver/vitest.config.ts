import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // These suites run real servers, databases and processes on a small shared machine (and, in
    // CI, beside other packages' suites): generous limits keep a slow moment from failing a test.
    // Waits inside tests have their own deadlines and say what did not happen.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
