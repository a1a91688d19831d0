/**
 * Several receivers on one PostgreSQL store: a receiver whose scheduled turn found the shop's recovery lock
 * taken (another instance's pass running) skipped it and waited a whole interval (10 min by default; with
 * interval 0, for ever) before trying again — even when that other pass then failed, so the orders it was
 * to read waited too. The skipped turn now tries again after a short delay while the lock stays taken, and
 * runs once it gets the lock unless a pass completed ok meanwhile; never two passes at once (the lock).
 *
 * Two real receivers on one real PostgreSQL schema, the sandbox as the shop; the interval is a minute,
 * longer than the test waits.
 */
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';

const SHOP = 'demo';
const INTERVAL_MS = 60_000;
const BUSY_RETRY_MS = 200;
const nextSchema = testSchemas('srhooks_rbusy');

interface LogLine {
  time: number;
  msg: string;
}

async function until<T>(
  what: string,
  check: () => Promise<T | null> | T | null,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a recovery turn skipped while another receiver held the shop', () => {
  let sandbox: RunningSandbox;
  const receivers: FastifyInstance[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ logger: false, rateLimit: false });
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    sandbox.app.server.closeAllConnections();
    await sandbox.close();
  });

  async function startReceiver(schema: string, lines: LogLine[]): Promise<FastifyInstance> {
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
      processing: { enabled: false },
      recovery: { schedule: true, intervalMs: INTERVAL_MS, busyRetryMs: BUSY_RETRY_MS },
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    });
    receivers.push(app);
    await app.ready();
    return app;
  }

  it("tries again soon when the other receiver's pass fails, and recovers the order then", async () => {
    const schema = nextSchema();
    await sandbox.simulator.placeOrder(SHOP);
    // A's start-up pass holds the shop (its API answers slowly) and fails (500 on every request).
    sandbox.setFaults(SHOP, { latencyMs: 1500, errorRate: 1, errorStatus: 500 });
    const aLines: LogLine[] = [];
    const bLines: LogLine[] = [];
    try {
      const before = sandbox.requestCount(SHOP).total;
      const a = await startReceiver(schema, aLines);
      await until(
        'A to read the shop',
        () => (sandbox.requestCount(SHOP).total > before ? true : null),
        10_000,
      );
      const b = await startReceiver(schema, bLines);
      await until(
        "B's turn skipped",
        () =>
          bLines.find((line) =>
            line.msg.startsWith('recovery turn skipped: a pass for this shop is running'),
          ) ?? null,
        10_000,
      );
      const failed = await until(
        "A's pass to fail",
        async () => {
          const state = await a.store.getRecoveryState(SHOP);
          return state?.lastPass?.outcome === 'failed' ? state.lastPass : null;
        },
        30_000,
      );
      sandbox.setFaults(SHOP, {}); // the shop answers again (before B's request's answer: 1.5 s latency)
      expect(bLines.some((line) => line.msg.startsWith('recovery pass'))).toBe(false);

      // B tries again by itself, long before its interval (a minute) is over, and recovers the order.
      const found = await until(
        "B's pass",
        () => bLines.find((line) => line.msg.startsWith('recovery pass found')) ?? null,
        15_000,
      );
      expect(found.msg).toBe('recovery pass found 1 missed event(s)');
      expect(found.time - failed.finishedAt.getTime()).toBeLessThan(INTERVAL_MS / 4);
      const state = await b.store.getRecoveryState(SHOP);
      expect(state?.lastPass?.outcome).toBe('ok');
      expect(state?.consecutiveFailures).toBe(0);
      // One pass at a time: B's began after A's had ended.
      expect(state?.lastPass?.startedAt.getTime()).toBeGreaterThanOrEqual(failed.finishedAt.getTime());
      // The skip is logged once at info, however many times B found the lock still taken.
      expect(
        bLines.filter((line) =>
          line.msg.startsWith('recovery turn skipped: a pass for this shop is running'),
        ),
      ).toHaveLength(1);
    } finally {
      sandbox.setFaults(SHOP, {});
      for (const receiver of receivers) await receiver.close();
      receivers.length = 0;
    }
  }, 60_000);
});
