// Benchmark: 100 concurrent API calls through one client against the sandbox enforcing
// 3 requests/second. The client request window spaces them out: expect ≈ 100/3 s and 0 × 429.
// Takes about 36 s, so it is not part of `pnpm bench`; run `node bench/burst-bench.mjs`.
// Prints a human line, then JSON on the last line.
import { existsSync } from 'node:fs';

const CALLS = 100;

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error(
    'packages/client is not built: run `npx tsc -p tsconfig.build.json` in packages/client first',
  );
  process.exit(1);
}
const { createShopRenterClient } = await import('@srhooks/client');
const { DEMO_CLIENT, startSandbox } = await import('@srhooks/sandbox');

const sandbox = await startSandbox({ logger: false, rateLimit: { perSecond: 3 } });
try {
  const client = createShopRenterClient({
    shop: 'demo',
    auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
    apiUrl: sandbox.apiUrlTemplate,
    tokenUrl: sandbox.tokenUrlTemplate,
  });
  await client.getToken();
  const started = performance.now();
  await Promise.all(Array.from({ length: CALLS }, () => client.webhooks.list({ limit: 1 })));
  const wallMs = Math.round(performance.now() - started);
  const counts = sandbox.requestCount('demo');
  const result = {
    benchmark: 'client-burst-100',
    calls: CALLS,
    wallMs,
    idealMs: Math.round((CALLS / 3) * 1000),
    status429: counts.byStatus[429] ?? 0,
    pass: (counts.byStatus[429] ?? 0) === 0,
  };
  console.log(
    `${CALLS} concurrent calls at 3 req/s: ${wallMs} ms wall (ideal ${result.idealMs} ms), ${result.status429} × 429`,
  );
  console.log(JSON.stringify(result));
} finally {
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
}
