/**
 * `bench/spool-drain-bench.mjs` still runs against the current receiver: a tiny run (a few deliveries,
 * SQLite and, where it answers, PostgreSQL) spools them with the real writer, drains them with the real
 * drainer, and prints drained/s with its ratio to the store's direct ingest of the same deliveries.
 * Nothing here checks speed (that is what the benchmark reports); benchmarks do not run in CI, so
 * without this a change could break it unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { lastJsonLine, runBenchScript } from './test-support/bench-script.js';

interface EngineResult {
  error?: string;
  deliveries: number;
  directIngestPerSecond: number;
  directIngestSpread: [number, number];
  spooledPerSecond: number;
  drainedPerSecond: number;
  drainRounds: number;
  drainVsDirectIngest: number;
}

interface SpoolDrainBenchJson {
  bench: string;
  results: Record<string, EngineResult>;
}

describe('bench/spool-drain-bench.mjs', () => {
  it('spools, drains and ingests the same deliveries directly, and prints the drain against that floor', {
    timeout: 120_000,
  }, async () => {
    const { code, stdout, stderr } = await runBenchScript('spool-drain-bench.mjs', {
      BENCH_SPOOL_DELIVERIES: '40',
      BENCH_SPOOL_CONCURRENCY: '4',
    });
    expect(code, stderr).toBe(0);
    const result = lastJsonLine<SpoolDrainBenchJson>(stdout);
    expect(result.bench).toBe('receiver-spool-drain');
    const engines = Object.keys(result.results);
    expect(engines).toContain('sqlite');
    for (const name of engines) {
      const run = result.results[name] as EngineResult;
      expect(run.error, `${name}: ${run.error}`).toBeUndefined();
      expect(run.deliveries).toBe(40);
      expect(run.drainedPerSecond).toBeGreaterThan(0);
      expect(run.spooledPerSecond).toBeGreaterThan(0);
      const [lowest, highest] = run.directIngestSpread;
      expect(lowest).toBeLessThanOrEqual(highest);
      expect(run.directIngestPerSecond).toBeGreaterThanOrEqual(lowest - 0.1);
      expect(run.directIngestPerSecond).toBeLessThanOrEqual(highest + 0.1);
      expect(run.drainVsDirectIngest).toBeCloseTo(run.drainedPerSecond / run.directIngestPerSecond, 1);
      expect(stderr).toMatch(new RegExp(`${name}: 40 deliveries .* drain ÷ direct ingest \\d`));
    }
  });
});
