/**
 * Shutdown while a retention run waits on PostgreSQL and the link has gone silent (a NAT or firewall
 * dropping the flow: no answer, no error, no close). The shutdown stops a run between chunks, but a store
 * call already sent waited for the query timeout (10 s), and the store's close then for its grace twice —
 * past the shutdown timeout (10 s by default: exit 1). Now the run's store call is given up 2 s into the
 * shutdown (Store.forBackgroundWork), said in one line, and the store's close cuts the connections at once.
 *
 * Nothing is left held: once the link is back, a prune takes the store's prune lock at once.
 *
 * A receiver whose PostgreSQL is reached through a fault proxy this test owns (`stall` right as the run
 * starts), real PostgreSQL with a schema of its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { PgStore } from '../store/postgres/pg-store.js';
import type { PruneCounts, PruneOptions } from '../store/store.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';

const schema = testSchemas('srhooks_ret_silent')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const stores: PgStore[] = [];

/** A store whose link to PostgreSQL falls silent the moment a prune starts. */
class SilencedOnPrune extends PgStore {
  prunes = 0;
  override prune(options: PruneOptions): Promise<PruneCounts> {
    this.prunes += 1;
    proxy.stall();
    return super.prune(options);
  }
}

beforeAll(async () => {
  await proxy.start();
});
afterAll(async () => {
  for (const store of stores) await store.close().catch(() => {});
  await proxy.stop();
});

it('a run waiting on a silent link is given up within moments of the shutdown, and leaves no lock held', async () => {
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(proxy.port);
  const store = new SilencedOnPrune({ url: viaProxy.toString(), schema });
  const lines: string[] = [];
  const app = await buildReceiver(
    defineReceiverConfig({
      secrets: ['retention-silent-secret-0123456789'],
      databaseUrl: viaProxy.toString(),
      databaseSchema: schema,
      retentionDays: 1,
      logLevel: 'info',
    }),
    {
      defaultMetrics: false,
      store,
      retention: { firstRunMs: 0 },
      logDestination: { write: (line: string) => void lines.push(line) },
    },
  );
  await store.ping(); // a pooled connection open and idle: the run's first query goes out on it at once
  await app.ready();
  const deadline = Date.now() + 10_000;
  while (store.prunes === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(store.prunes).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 100)); // its first query is on its way into the silence

  const closing = Date.now();
  await app.close();
  // Before: the query timeout (10 s), then the store's close grace twice. Now: the grace (2 s) from the
  // shutdown's start, then the close at once (room for a loaded machine, under the 10 s shutdown timeout).
  expect(Date.now() - closing).toBeLessThan(8000);
  const logged = lines.map((line) => JSON.parse(line) as { msg: string });
  expect(logged.filter((line) => line.msg.startsWith('retention run'))).toEqual([
    expect.objectContaining({
      msg: 'retention run stopped by shutdown, its store call given up (PostgreSQL did not answer); the next start prunes again',
    }),
  ]);

  // The hung connections end (the server ends those sessions); a prune now runs, not PruneInProgressError.
  await proxy.stop();
  const direct = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
  stores.push(direct);
  await expect(direct.prune({ before: new Date() })).resolves.toMatchObject({ deliveries: 0 });
}, 60_000);
