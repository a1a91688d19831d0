import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

export default defineConfig({
  // what tsup.config.ts defines for the bundle, for tests that import src/ (cli-invocation.ts, program.ts)
  define: {
    __SRHOOKS_PACKAGE_NAME__: JSON.stringify(pkg.name),
    __SRHOOKS_VERSION__: JSON.stringify(pkg.version),
  },
  test: {
    include: ['src/**/*.test.ts'],
    // One worker process runs the files one after another and keeps its module cache: each file no
    // longer re-imports fastify, zod, the store drivers … in a fresh process (isolate: true spent
    // more CPU importing than testing on 2 cores). Files must not leak state: env changes are
    // restored, servers closed, globals namespaced per file.
    isolate: false,
    // Three such workers, whatever the core count (vitest's default is cores - 1: one on 2 cores). Much
    // of the suite waits on the CLI processes it spawns and the servers they talk to: 258 s wall for
    // 205 CPU s with one worker, 166 s wall for 204 CPU s with three.
    maxWorkers: 3,
    // the tests spawn the bundled CLI (dist/cli.js); the global setup builds it when stale
    globalSetup: ['./src/test-support/build-cli.global-setup.ts'],
    // empties what one file collects (seenOutput) before the next file: the files share a module cache
    setupFiles: ['./src/test-support/per-file.setup.ts'],
    // Generous limits for a slow machine: one CI machine ran the same commit 2.8 times slower than a
    // quiet one, and 30 s limits failed tests that were only slow (a limit is for a test that hangs).
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // expect.poll waits for something to happen: 45 s unless a test says otherwise (vitest's default is 1 s)
    expect: { poll: { timeout: 45_000 } },
  },
});
