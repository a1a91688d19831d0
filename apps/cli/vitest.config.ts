import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { name: string };

export default defineConfig({
  // what tsup.config.ts defines for the bundle, for tests that import src/ (cli-invocation.ts)
  define: { __SRHOOKS_PACKAGE_NAME__: JSON.stringify(pkg.name) },
  test: {
    include: ['src/**/*.test.ts'],
    // the tests spawn the bundled CLI (dist/cli.js); the global setup builds it when stale
    globalSetup: ['./src/test-support/build-cli.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
