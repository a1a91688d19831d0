// Benchmark: declarative sync of 200 webhook subscriptions into an empty shop, against the
// sandbox enforcing ShopRenter's documented 3 requests/second. Batching is what makes it fast.
// Run with `pnpm bench` in packages/client after building client and sandbox (root `pnpm bench`
// builds first). Prints a human line, then JSON on the last line; also writes bench/results/sync.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const SUBSCRIPTIONS = 200;
const TARGET_WALL_MS = 5_000;

const clientDist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(clientDist)) {
  console.error(
    'packages/client is not built: run `npx tsc -p tsconfig.build.json` in packages/client (and apps/sandbox) first',
  );
  process.exit(1);
}
const { createShopRenterClient } = await import('@srhooks/client');
const { DEMO_CLIENT, startSandbox } = await import('@srhooks/sandbox');

const EVENTS = ['order_confirm', 'order_status_change', 'abandoned_cart', 'newsletter_subscribe'];
const desired = Array.from({ length: SUBSCRIPTIONS }, (_, i) => {
  const event = EVENTS[i % EVENTS.length];
  return { event, url: `https://hooks.example.com/hooks/demo/${event}/bench-${i}`, label: `bench ${i}` };
});

const sandbox = await startSandbox({ logger: false, rateLimit: { perSecond: 3 } });
try {
  const started = performance.now();
  const client = createShopRenterClient({
    shop: 'demo',
    auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
    apiUrl: sandbox.apiUrlTemplate,
    tokenUrl: sandbox.tokenUrlTemplate,
  });
  const report = await client.sync(desired);
  const wallMs = Math.round(performance.now() - started);
  const counts = sandbox.requestCount('demo');
  const present = (await client.webhooks.all()).length;

  const result = {
    benchmark: 'client-sync-200',
    subscriptions: SUBSCRIPTIONS,
    wallMs,
    requests: counts.total,
    status429: counts.byStatus[429] ?? 0,
    created: report.summary.created,
    failed: report.summary.failed,
    presentAfterSync: present,
    sandboxRateLimitPerSecond: 3,
    targetWallMs: TARGET_WALL_MS,
    pass: wallMs <= TARGET_WALL_MS && (counts.byStatus[429] ?? 0) === 0 && present === SUBSCRIPTIONS,
  };
  console.log(
    `sync ${SUBSCRIPTIONS} subscriptions from empty: ${wallMs} ms wall, ${result.requests} requests (token + list + batch), ${result.status429} × 429, ${present} present afterwards — ${result.pass ? 'PASS' : 'FAIL'} (target ≤ ${TARGET_WALL_MS} ms, 0 × 429)`,
  );
  const resultsDir = new URL('./results/', import.meta.url);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(new URL('sync.json', resultsDir), `${JSON.stringify(result, null, 2)}\n`);
  // The JSON line is the result (a missed target shows as `pass: false`, not as a failed run).
  console.log(JSON.stringify(result));
} finally {
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
}
