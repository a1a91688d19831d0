/**
 * Shutdown while a recovery pass writes what it found and the link to PostgreSQL has gone silent (a NAT or
 * firewall dropping the flow: no answer, no error, no close). Aborting the pass does not help a store call
 * already sent: the write waited for the store's query timeout (10 s), then the lock's release for its
 * grace (2 s) — longer than the shutdown timeout (10 s by default: the process exited 1). Now, once the
 * shutdown has begun, recovery's store calls get the store's close grace (2 s): the write is given up, the
 * pass ends as any pass a shutdown stops (one line; nothing recorded, the watermark stays), and the store's
 * close cuts the connections at once instead of waiting for them again.
 *
 * Nothing is lost: the next start reads the same window again and stores the order.
 *
 * The sandbox over HTTP (in this process), a receiver whose PostgreSQL is reached through a fault proxy this
 * test owns (`stall` right as the pass sends its write), real PostgreSQL with a schema of its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { PgStore } from '../store/postgres/pg-store.js';
import type { IngestResult } from '../store/store.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import {
  type RecoveryScenario,
  SECRET,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

const schema = testSchemas('srhooks_rec_silent')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
let scenario: RecoveryScenario;
const stores: PgStore[] = [];

/** A store whose link to PostgreSQL falls silent the moment a write of recovered events is sent. */
class SilencedOnWrite extends PgStore {
  writesSent = 0;
  override ingest(...args: Parameters<PgStore['ingest']>): Promise<IngestResult> {
    this.writesSent += 1;
    proxy.stall();
    return super.ingest(...args);
  }
}

beforeAll(async () => {
  scenario = await startRecoveryScenario({ rateLimit: false });
  await proxy.start();
});
afterAll(async () => {
  for (const store of stores) await store.close().catch(() => {});
  await proxy.stop();
  await scenario.close();
});

function receiverConfig(databaseUrl: string) {
  return defineReceiverConfig({
    secrets: [SECRET],
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    databaseSchema: schema,
    logLevel: 'info',
    recoveryIntervalMinutes: 0,
    shops: [scenario.shop()],
    handlers: { log: { type: 'log' } },
  });
}

it('a pass whose write meets a silent link is given up within moments of the shutdown; the next start recovers the order', async () => {
  // An order the receiver never heard of (nothing subscribed): only recovery can store it.
  const { order } = await scenario.sandbox.simulator.placeOrder(SHOP);
  await scenario.sandbox.simulator.waitForIdle();

  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(proxy.port);
  const store = new SilencedOnWrite({ url: viaProxy.toString(), schema });
  const lines: string[] = [];
  const app = await buildReceiver(receiverConfig(viaProxy.toString()), {
    defaultMetrics: false,
    store,
    processing: { logWrite: () => {} },
    recovery: { schedule: true },
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  await app.ready();
  await waitUntil('the pass to send its write', async () => store.writesSent > 0);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the write is on its way into the silent link

  const closing = Date.now();
  await app.close();
  const took = Date.now() - closing;
  // Before: 17.9 s (the write's query timeout, the lock's release, the store's close grace twice), past
  // the shutdown timeout.
  // Now: the grace (2 s) from the shutdown's start, then the store's close at once.
  // (about 2.1 s on an idle machine; room for a loaded one, under the default shutdown timeout of 10 s)
  expect(took).toBeLessThan(8000);
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; level: number });
  expect(logged.filter((line) => line.msg.startsWith('recovery pass stopped by shutdown'))).toEqual([
    expect.objectContaining({
      msg: 'recovery pass stopped by shutdown, its store write given up (PostgreSQL did not answer); the next start reads the same window again',
    }),
  ]);
  expect(logged.filter((line) => line.msg === 'recovery pass failed')).toEqual([]);

  // The link comes back as a new one: the hung connections end (the server ends those sessions, the shop's
  // recovery lock with them; a real silent cut off leaves that to the lock's idle limit, 60 s).
  await proxy.stop();
  // Nothing recorded for the pass (no failure, no watermark), nothing stored; the next start recovers it.
  const direct = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
  stores.push(direct);
  const state = await direct.getRecoveryState(SHOP);
  expect(state?.watermark ?? null).toBeNull();
  expect(state?.lastPass ?? null).toBeNull();
  const next = await buildReceiver(receiverConfig(TEST_DATABASE_URL), {
    defaultMetrics: false,
    processing: { logWrite: () => {} },
    recovery: { schedule: true },
    logDestination: { write: () => {} },
  });
  try {
    await next.ready();
    const recovered = await waitUntil('the order recovered', async () => {
      const page = await direct.listEvents({ limit: 50 });
      return page.items.find((event) => event.subjectId === String(order.innerId));
    });
    expect(recovered.source).toBe('recovery');
  } finally {
    await next.close();
  }
}, 60_000);
