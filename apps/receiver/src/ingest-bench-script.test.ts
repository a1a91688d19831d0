/**
 * `bench/ingest-bench.mjs` (part of `pnpm bench`) still runs against the current receiver: a short run of
 * the SQLite receiver and its floor taking turns prints their pooled results, each round's figures and
 * the ratios' spread, and the hostile round's settled RSS. Nothing here checks speed (that is what the
 * benchmark reports); benchmarks do not run in CI, so without this a change could break them unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { lastJsonLine, runBenchScript } from './test-support/bench-script.js';

interface ServerResult {
  error?: string;
  ok: number;
  errors: number;
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  betweenRoundsCpuMs: number;
  settledRssAfterHostileMb?: number;
  rounds: Array<{ requestsPerSecond: number; cpuMicrosPerRequest: number }>;
}

/** The parts of the benchmark's JSON line this test reads. */
interface IngestBenchJson {
  rounds: number;
  results: Record<string, ServerResult>;
  roundSpread: { sqliteVsFloor: [number, number] };
  ratios: { sqliteVsFloor: number };
}

describe('bench/ingest-bench.mjs', () => {
  it('runs the SQLite receiver and its floor in turns and prints pooled results with each round', {
    // about 20 s on a quiet machine; more than 120 s at load 18 (a limit for a hang, not a speed check)
    timeout: 300_000,
  }, async () => {
    const { code, stdout, stderr } = await runBenchScript('ingest-bench.mjs', {
      BENCH_ONLY: 'sqlite,floor',
      BENCH_DURATION: '2',
      BENCH_ROUNDS: '2',
      BENCH_WARM_UP: '0.5',
      BENCH_CONNECTIONS: '4',
      BENCH_HOSTILE_ROUNDS: '1',
      BENCH_SETTLE_MS: '200',
    });
    expect(code, stderr).toBe(0);
    const result = lastJsonLine<IngestBenchJson>(stdout);
    expect(result.rounds).toBe(2);
    for (const name of ['sqlite', 'floor']) {
      const run = result.results[name] as ServerResult;
      expect(run.error, `${name}: ${run.error}`).toBeUndefined();
      expect(run.ok).toBeGreaterThan(0);
      expect(run.errors).toBe(0);
      expect(run.rounds).toHaveLength(2);
      // The pooled figure is the rounds' answers over their seconds: between the slowest and fastest round.
      const rates = run.rounds.map((r) => r.requestsPerSecond);
      expect(run.requestsPerSecond).toBeGreaterThanOrEqual(Math.min(...rates) - 1);
      expect(run.requestsPerSecond).toBeLessThanOrEqual(Math.max(...rates) + 1);
      expect(run.cpuMicrosPerRequest).toBeGreaterThan(0);
      expect(typeof run.betweenRoundsCpuMs).toBe('number');
    }
    expect(result.results.sqlite?.settledRssAfterHostileMb).toBeGreaterThan(0);
    const [lowest, highest] = result.roundSpread.sqliteVsFloor;
    expect(lowest).toBeLessThanOrEqual(highest);
    expect(result.ratios.sqliteVsFloor).toBeGreaterThan(0);
    expect(stdout).toMatch(/SQLite \d+(\.\d+)? \[\d+(\.\d+)?–\d+(\.\d+)?\] \(target ≥ 0\.9\)/);
  });
});
