import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
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
