/**
 * An operator pauses a handler (POST /admin/api/handlers/:name/disable, the target's maintenance
 * window): its jobs wait (not attempted, not dead-lettered, not lost), new events still get jobs for it,
 * and enable runs them again. With PostgreSQL two receivers share the store and the work: the disable
 * sent to one stops the other too, including the jobs it had already claimed (prefetched) and not
 * started. Real receivers and workers, real HTTP deliveries and target, both engines.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  bearer,
  order,
  orderDelivery,
  postDelivery,
} from '../admin/test-support/admin-test-receiver.js';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { waitFor } from './test-support/wait-for.js';

const TARGET_LATENCY_MS = 1200;
const POLL_MS = 100;
const newSchema = testSchemas('rcv_opdisable');

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A forward target that answers 200 after TARGET_LATENCY_MS and records each order it was sent. */
async function startSlowTarget(): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      setTimeout(() => res.end('ok'), TARGET_LATENCY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<[string, number, () => Partial<ReceiverConfigInput>]>([
  ['SQLite, one receiver', 1, () => ({})],
  [
    'PostgreSQL, two receivers on one store',
    2,
    () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() }),
  ],
])('a handler disabled by an operator on %s', (_engine, instances, storeConfig) => {
  it('does not attempt its jobs (claimed ones included), keeps new ones, and runs them all after enable', async () => {
    const target = await startSlowTarget();
    closers.push(() => target.close());
    const config: Partial<ReceiverConfigInput> = {
      ...storeConfig(),
      adminToken: ADMIN_TOKEN,
      logLevel: 'silent',
      handlers: {
        erp: {
          type: 'forward',
          url: `${target.url}/hooks/erp`,
          secret: `whsec_${randomBytes(32).toString('base64')}`,
          allowPrivateTargets: true,
          // One running job per receiver; the next one is claimed ahead (prefetched) and waits.
          concurrency: 1,
        },
      },
      shops: [{ name: 'demo', handlers: ['erp'] }],
    };
    const receivers: TestReceiver[] = [];
    for (let i = 0; i < instances; i++) {
      const receiver = await startTestReceiver(config, { processing: { pollIntervalMs: POLL_MS } });
      closers.push(() => receiver.close());
      receivers.push(receiver);
    }
    const [first, last] = [receivers[0] as TestReceiver, receivers.at(-1) as TestReceiver];
    const store = first.app.store;
    const admin = (receiver: TestReceiver, path: string) =>
      fetch(`${receiver.baseUrl}/admin/api${path}`, { method: 'POST', headers: bearer() });
    const erpJobs = async () => {
      const counts = { pending: 0, running: 0, succeeded: 0, dead: 0 } as Record<string, number>;
      for (const summary of (await store.listEvents({ limit: 100 })).items) {
        for (const job of (await store.getEvent(summary.id))?.jobs ?? []) {
          counts[job.status] = (counts[job.status] ?? 0) + 1;
        }
      }
      return counts;
    };

    expect((await postDelivery(first, orderDelivery([1, 2, 3, 4, 5, 6].map((n) => order(n))))).status).toBe(
      200,
    );
    // Every receiver runs one job and holds the next one claimed.
    await waitFor(async () => target.received.length >= instances, 'each receiver to start a job');
    const disable = await admin(last, '/handlers/erp/disable');
    expect(disable.status).toBe(200);
    expect(await disable.json()).toMatchObject({ alreadyDisabled: false, disabledBy: 'operator' });
    const startedBeforeDisable = target.received.length;

    // Well past the running attempts' end (the slots free up) and many poll intervals: nothing starts.
    await sleep(TARGET_LATENCY_MS + 10 * POLL_MS);
    await waitFor(async () => (await erpJobs()).running === 0, 'the running attempts to finish');
    await sleep(5 * POLL_MS);
    expect(target.received.length).toBe(startedBeforeDisable);
    // A new event still gets a job for the paused handler; it waits too.
    expect((await postDelivery(first, orderDelivery([order(7)]))).status).toBe(200);
    await sleep(5 * POLL_MS);
    expect(target.received.length).toBe(startedBeforeDisable);
    expect(await erpJobs()).toMatchObject({
      succeeded: startedBeforeDisable,
      pending: 7 - startedBeforeDisable,
      running: 0,
      dead: 0,
    });
    const listed = await fetch(`${first.baseUrl}/admin/api/handlers`, { headers: bearer() });
    expect(((await listed.json()) as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ name: 'erp', disabled: true, disabledBy: 'operator' }),
    ]);

    expect((await admin(first, '/handlers/erp/enable')).status).toBe(200);
    await waitFor(async () => (await erpJobs()).succeeded === 7, 'every job to run after enable');
    // Each job reached the target exactly once: the waiting ones were not attempted while disabled.
    expect(target.received).toHaveLength(7);
    expect(await erpJobs()).toMatchObject({ succeeded: 7, pending: 0, dead: 0 });
  });
});
