/**
 * `bench/recovery-bench.mjs` (part of `pnpm bench`) still runs against the current receiver: a small
 * run recovers every order and prints its JSON result line. Nothing here checks its speed (that is
 * what the benchmark reports); it failed once on a change to what a recovery pass accepts, unnoticed
 * because benchmarks do not run in CI.
 */
import { describe, expect, it } from 'vitest';
import { lastJsonLine, runBenchScript } from './test-support/bench-script.js';

describe('bench/recovery-bench.mjs', () => {
  it('recovers every order of a small shop and prints its JSON result', async () => {
    const { code, stdout, stderr } = await runBenchScript('recovery-bench.mjs', {
      BENCH_RECOVERY_ORDERS: '12',
    });
    expect(code, stderr).toBe(0);
    const result = lastJsonLine(stdout);
    expect(result).toMatchObject({ bench: 'receiver-recovery', orders: 12, recovered: 12, status429: 0 });
  });
});
