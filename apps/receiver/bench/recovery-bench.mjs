#!/usr/bin/env node
/**
 * Recovery benchmark (issue 16): the sandbox holds 10,000 orders whose deliveries never arrived; the
 * receiver (SQLite, this process) recovers them with one pass from its API at ShopRenter's
 * 3 requests/second. The physical limit is the rate limit itself: N requests in a sliding one-second
 * window of 3 cannot finish sooner than floor((N − 1) / 3) seconds after the first. The result is the
 * pass's wall time ÷ that minimum, both measured in this run (target ≤ 1.2), plus the 429 count.
 * Needs `pnpm --filter @srhooks/receiver build` first (imports dist/).
 * Env: BENCH_RECOVERY_ORDERS (default 10000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CLIENT, startSandbox } from '@srhooks/sandbox';
import { buildReceiver, defineReceiverConfig } from '../dist/index.js';

const ORDERS = Number(process.env.BENCH_RECOVERY_ORDERS ?? 10_000);
const PER_SECOND = 3;
const TARGET_RATIO = 1.2;
const SHOP = 'demo';

const sandbox = await startSandbox({ logger: false, rateLimit: { perSecond: PER_SECOND } });
const dir = mkdtempSync(join(tmpdir(), 'srhooks-recovery-bench-'));
let app;
try {
  for (let i = 0; i < ORDERS; i++) await sandbox.simulator.placeOrder(SHOP);
  app = await buildReceiver(
    defineReceiverConfig({
      secrets: ['recovery-bench-secret-0123456789'],
      db: join(dir, 'srhooks.db'),
      logLevel: 'warn',
      recoveryIntervalMinutes: 0,
      shops: [
        {
          name: SHOP,
          clientId: DEMO_CLIENT.clientId,
          clientSecret: DEMO_CLIENT.clientSecret,
          apiUrl: sandbox.apiUrlTemplate.replace('{shop}', SHOP),
          tokenUrl: sandbox.tokenUrlTemplate.replace('{shop}', SHOP),
          events: ['order_confirm', 'order_status_change', 'abandoned_cart'],
        },
      ],
    }),
    { defaultMetrics: false, processing: { enabled: false }, logDestination: { write: () => {} } },
  );
  await app.ready();
  // Warm-up: the access token and an (almost) empty page — a window starting now; a since in the
  // future is refused (bad_since) — then let the shop's one-second window empty.
  await app.recovery.recover(SHOP, { since: new Date(), dryRun: true });
  await new Promise((resolve) => setTimeout(resolve, 1200));

  const before = sandbox.requestCount(SHOP);
  const started = performance.now();
  const report = await app.recovery.recover(SHOP, { since: new Date(Date.now() - 86_400_000) });
  const wallMs = performance.now() - started;
  const after = sandbox.requestCount(SHOP);
  const requests = after.total - before.total;
  const status429 = (after.byStatus[429] ?? 0) - (before.byStatus[429] ?? 0);
  const minimumMs = Math.floor((requests - 1) / PER_SECOND) * 1000;
  const ratio = minimumMs > 0 ? wallMs / minimumMs : Number.NaN;
  const recovered = Object.values(report.recovered).reduce((a, b) => a + b, 0);
  process.stderr.write(
    `recovered ${recovered} of ${ORDERS} orders with ${requests} requests in ${(wallMs / 1000).toFixed(1)} s; ` +
      `the rate limit's minimum for ${requests} requests is ${(minimumMs / 1000).toFixed(0)} s: ratio ${ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}); 429s: ${status429}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: 'receiver-recovery',
      orders: ORDERS,
      recovered,
      requests,
      requestsPerSecondLimit: PER_SECOND,
      wallMs: Math.round(wallMs),
      minimumMs,
      ratio: Number(ratio.toFixed(3)),
      targetRatio: TARGET_RATIO,
      status429,
      pass: recovered === ORDERS && status429 === 0 && ratio <= TARGET_RATIO,
    })}\n`,
  );
} finally {
  await app?.close();
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
