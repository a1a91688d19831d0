/**
 * Several receivers on one PostgreSQL store (docs/subscriptions-and-recovery.md, Recovery › When): one pass per shop and interval in
 * all, not one per receiver. Two real receivers on one real PostgreSQL schema, the sandbox as the shop,
 * the recovery schedule on with a short interval: a receiver whose turn comes right after the other
 * completed a pass skips it (the pass time is read from the shared store under the per-shop lock), so the
 * shop's API sees one pass's requests per interval; an on-demand pass still runs.
 * (SQLite is one process per file: its lock and state are that process's, nothing to share.)
 */
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';

const SHOP = 'demo';
const INTERVAL_MS = 1500;
const nextSchema = testSchemas('srhooks_rs');

interface LogLine {
  time: number;
  msg: string;
}

describe('recovery with several receivers on one PostgreSQL store', () => {
  let sandbox: RunningSandbox;
  const receivers: FastifyInstance[] = [];
  const logs: LogLine[][] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ logger: false, rateLimit: false });
    await sandbox.simulator.placeOrder(SHOP);
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    sandbox.app.server.closeAllConnections();
    await sandbox.close();
  });

  async function startReceiver(schema: string, schedule = true): Promise<FastifyInstance> {
    const lines: LogLine[] = [];
    logs.push(lines);
    const config = defineReceiverConfig({
      secrets: ['recovery-secret-0123456789abcdef'],
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      logLevel: 'info',
      shops: [
        {
          name: SHOP,
          clientId: DEMO_CLIENT.clientId,
          clientSecret: DEMO_CLIENT.clientSecret,
          apiUrl: sandbox.apiUrlTemplate.replace('{shop}', SHOP),
          tokenUrl: sandbox.tokenUrlTemplate.replace('{shop}', SHOP),
          events: ['order_confirm'],
        },
      ],
    });
    const app = await buildReceiver(config, {
      defaultMetrics: false,
      processing: { logWrite: () => {} },
      recovery: { schedule, intervalMs: INTERVAL_MS },
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    });
    receivers.push(app);
    await app.ready();
    return app;
  }

  /** An on-demand pass; retried while a scheduled one holds the lock (409 busy). */
  async function onDemand(app: FastifyInstance) {
    for (;;) {
      try {
        return await app.recovery.recover(SHOP);
      } catch (error) {
        if ((error as { code?: string }).code !== 'busy') throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  function countLines(prefix: string): number {
    return logs.flat().filter((line) => line.msg.startsWith(prefix)).length;
  }

  it('runs one pass per interval across both receivers; the other skips its turn; on demand still runs', async () => {
    const schema = nextSchema();
    const [a, b] = await Promise.all([startReceiver(schema), startReceiver(schema)]);
    // Both schedules run until they have taken several turns between them: at least 3 scheduled passes
    // and 2 skipped turns (two receivers take about two turns per interval, and at most one pass per
    // interval runs, so skips come once both schedules are going). Waiting for the count, not for a fixed
    // time, keeps a slow, loaded machine from failing it; the deadline only stops a hang.
    const deadline = Date.now() + 60_000;
    while (
      (countLines('recovery pass found') < 4 || countLines('recovery turn skipped') < 2) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const before = sandbox.requestCount(SHOP).total;
    // On demand: runs though a pass just completed.
    const report = await onDemand(b as FastifyInstance);
    expect(report.ordersRead).toBe(1);
    expect(sandbox.requestCount(SHOP).total).toBeGreaterThan(before);
    for (const receiver of [a, b]) await (receiver as FastifyInstance).close();
    receivers.length = 0;

    const passes = logs
      .flat()
      .filter((line) => line.msg.startsWith('recovery pass found'))
      .map((line) => line.time)
      .sort((x, y) => x - y);
    const skipped = logs.flat().filter((line) => line.msg.startsWith('recovery turn skipped'));
    // Start-up, then about one per interval; the on-demand pass is the last.
    expect(passes.length).toBeGreaterThanOrEqual(4);
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    // Each receiver's first pass is its start-up pass, which a pass the other one ran before it took the shop
    // does not cover (docs: receivers started together each run one): only the passes after them are spaced.
    const startUp = new Set(
      logs.map((lines) => lines.find((line) => line.msg.startsWith('recovery pass found'))?.time),
    );
    const scheduled = passes.slice(0, -1).filter((time) => !startUp.has(time));
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < scheduled.length; i++) {
      // Before the fix the second receiver's pass followed the first's within milliseconds.
      expect((scheduled[i] as number) - (scheduled[i - 1] as number)).toBeGreaterThan(INTERVAL_MS / 2);
    }
    // The shop's API saw one pass's requests per pass: GET /orders and one POST /batch (one order), plus
    // a token for each receiver that ran a pass, and for the one pass that stored the order its products
    // (one POST /batch) and its currency (one GET).
    const withToken = logs.filter((lines) =>
      lines.some((l) => l.msg.startsWith('recovery pass found')),
    ).length;
    // A scheduled turn that began as the receivers closed is aborted without a log line (Recovery ›
    // shutdown): its requests, up to one pass's and a token, are the only ones allowed beyond that.
    const extra = sandbox.requestCount(SHOP).total - (passes.length * 2 + withToken + 2);
    expect(extra).toBeGreaterThanOrEqual(0);
    expect(extra).toBeLessThanOrEqual(3);
  }, 90_000);

  it("says why a scheduled turn did not run when another receiver's pass holds the shop", async () => {
    const schema = nextSchema();
    const a = await startReceiver(schema, false);
    sandbox.setFaults(SHOP, { latencyMs: 1500 });
    try {
      // a's on-demand pass holds the shop (its API answers slowly) while b starts with its schedule on
      const running = a.recovery.recover(SHOP);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const b = await startReceiver(schema);
      const bLines = logs.at(-1) as LogLine[];
      const deadline = Date.now() + 10_000;
      while (!bLines.some((line) => line.msg.startsWith('recovery turn skipped')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(bLines.map((line) => line.msg)).toContain(
        'recovery turn skipped: a pass for this shop is running (an on-demand pass, or another instance on this store)',
      );
      await running;
      for (const receiver of [a, b]) await receiver.close();
      receivers.length = 0;
    } finally {
      sandbox.setFaults(SHOP, {});
    }
  });

  it("every receiver's srhooks_recovery_lag_seconds follows the store's watermark, whichever receiver ran the pass", async () => {
    const schema = nextSchema();
    const [a, b] = await Promise.all([startReceiver(schema, false), startReceiver(schema, false)]);
    const lag = async (app: FastifyInstance): Promise<number | null> => {
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const value = /^srhooks_recovery_lag_seconds\{shop="demo"\} (\S+)$/m.exec(metrics)?.[1];
      return value === undefined ? null : Number(value);
    };
    try {
      // b never ran a pass: it still reports the lag of the pass a ran (the shop's recovery is up to date).
      await onDemand(a);
      expect(await lag(b)).not.toBeNull();
      expect(await lag(b)).toBeLessThan(5);
      // b's own pass, then a's 2 s later: b reports the newer watermark, not the age of its own pass.
      const c = await startReceiver(schema, false);
      await onDemand(c);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await onDemand(a);
      const after = await lag(c);
      expect(after).not.toBeNull();
      expect(after).toBeLessThan(1.5);
    } finally {
      for (const receiver of receivers) await receiver.close();
      receivers.length = 0;
    }
  });
});
