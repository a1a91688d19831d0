import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // One worker process runs the files one after another and keeps its module cache: each file no
    // longer re-imports fastify, zod, the store drivers … in a fresh process (isolate: true spent
    // more CPU importing than testing on 2 cores). Files must not leak state: env changes are
    // restored, servers closed, globals namespaced per file.
    isolate: false,
    testTimeout: 30_000,
    // Type-level tests (`*.test-d.ts`) tie the zod schemas to the types generated from
    // openapi/shoprenter.yaml; `vitest run` type-checks them with tsc and fails on drift.
    typecheck: {
      enabled: true,
      include: ['src/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
