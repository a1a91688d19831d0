import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // One worker process runs the files one after another and keeps its module cache: each file no
    // longer re-imports fastify, zod, the store drivers … in a fresh process (isolate: true spent
    // more CPU importing than testing on 2 cores). Files must not leak state: env changes are
    // restored, servers closed, globals namespaced per file.
    isolate: false,
    // Three such workers, whatever the core count (vitest's default is cores - 1: one on 2 cores). The
    // suite mostly waits (retries, backoff, rate limits): 44 s wall for 14 CPU s with one worker, 20 s
    // wall for 16 CPU s with three, which frees its turbo slot for the receiver's and CLI's suites sooner.
    maxWorkers: 3,
    // These suites run real servers, databases and processes on a small shared machine (and, in
    // CI, beside other packages' suites): generous limits keep a slow moment from failing a test (one
    // CI machine ran the same commit 2.8 times slower than a quiet one, and 30 s limits failed tests
    // that were only slow: a limit is for a test that hangs).
    // Waits inside tests have their own deadlines and say what did not happen.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // expect.poll waits for something to happen: 45 s unless a test says otherwise (vitest's default is 1 s)
    expect: { poll: { timeout: 45_000 } },
  },
});
