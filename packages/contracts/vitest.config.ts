import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // One worker process runs the files one after another and keeps its module cache: each file no
    // longer re-imports fastify, zod, the store drivers … in a fresh process (isolate: true spent
    // more CPU importing than testing on 2 cores). Files must not leak state: env changes are
    // restored, servers closed, globals namespaced per file.
    isolate: false,
    // Generous limits for a slow machine: one CI machine ran the same commit 2.8 times slower than a
    // quiet one, and 30 s limits failed tests that were only slow (a limit is for a test that hangs).
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // expect.poll waits for something to happen: 45 s unless a test says otherwise (vitest's default is 1 s)
    expect: { poll: { timeout: 45_000 } },
    // Type-level tests (`*.test-d.ts`) tie the zod schemas to the types generated from
    // openapi/shoprenter.yaml; `vitest run` type-checks them with tsc and fails on drift.
    typecheck: {
      enabled: true,
      include: ['src/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
