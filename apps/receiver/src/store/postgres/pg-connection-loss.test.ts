/**
 * PostgreSQL connections lost under load (issue #14 §1): a receiver with a `forward` handler and its
 * job worker running takes concurrent deliveries while this test terminates its backends again and
 * again (`pg_terminate_backend`, only the backends of this run: the connection string names them with
 * an application_name of their own), and, separately, cuts its connections through a TCP proxy.
 * An 'error' event without a listener on any pg client (a checked-out client between two queries of
 * a job transaction, the LISTEN connection) would end the test process; so would leaking it.
 * Afterwards: readiness is back by itself, every acknowledged order is stored, every job finished.
 */
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTarget, startTarget } from '../../processing/test-support/webhook-target.js';
import {
  dropSchema,
  TEST_DATABASE_URL,
  uniqueSchemaName,
  withTestDatabase,
} from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const SHOP = 'loss-shop';
const FORWARD_SECRET = `whsec_${Buffer.from('connection-loss-test-secret-0123').toString('base64')}`;

function orderBody(innerId: number): { contentType: string; body: Buffer } {
  const order = { ...sampleOrder(innerId), storeName: SHOP, innerId: String(innerId) };
  return encodeDelivery('order_confirm', { orders: { order: [order] } }, { format: 'json' });
}

interface LoadFigures {
  acked: Set<string>;
  statuses: Record<string, number>;
}

/** `workers` senders post orders one after another until `until()` says stop; each is sent once. */
async function sendOrders(
  receiver: TestReceiver,
  firstInnerId: number,
  workers: number,
  until: () => boolean,
): Promise<LoadFigures> {
  const acked = new Set<string>();
  const statuses: Record<string, number> = {};
  let next = firstInnerId;
  const path = receiver.path(SHOP, 'order_confirm');
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!until()) {
        const innerId = next++;
        const { contentType, body } = orderBody(innerId);
        const response = await fetch(receiver.baseUrl + path, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: new Uint8Array(body),
        });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status === 200) acked.add(String(innerId));
      }
    }),
  );
  return { acked, statuses };
}

/** Terminates the backends whose application_name is `name` (this run's only); how many. */
async function terminateBackends(name: string): Promise<number> {
  return withTestDatabase(async (client) => {
    const result = await client.query(
      'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return result.rows.filter((row: { done: boolean }) => row.done).length;
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function ready(receiver: TestReceiver): Promise<boolean> {
  const response = await fetch(`${receiver.baseUrl}/readyz`);
  await response.arrayBuffer();
  return response.status === 200;
}

/** innerIds stored as events of this shop (duplicates excluded), and jobs by status. */
async function storedFigures(schema: string): Promise<{ orders: Set<string>; jobs: Record<string, number> }> {
  return withTestDatabase(async (client) => {
    const events = await client.query(
      `SELECT subject_id FROM "${schema}".events WHERE shop = $1 AND duplicate_of IS NULL`,
      [SHOP],
    );
    const jobs = await client.query(
      `SELECT status, count(*)::int AS n FROM "${schema}".jobs GROUP BY status`,
    );
    return {
      orders: new Set(events.rows.map((row: { subject_id: string }) => row.subject_id)),
      jobs: Object.fromEntries(jobs.rows.map((row: { status: string; n: number }) => [row.status, row.n])),
    };
  });
}

async function startLossReceiver(
  databaseUrl: string,
  schema: string,
  target: RunningTarget,
): Promise<TestReceiver> {
  return startTestReceiver(
    {
      databaseUrl,
      databaseSchema: schema,
      logLevel: 'fatal',
      storeTimeoutMs: 5000,
      jobLeaseMs: 3000,
      handlers: {
        erp: { type: 'forward', url: target.url, secret: FORWARD_SECRET, allowPrivateTargets: true },
      },
      shops: [{ name: SHOP, handlers: ['erp'] }],
    },
    { processing: { enabled: true } },
  );
}

describe('PostgreSQL connections lost under concurrent ingest with a forward handler', () => {
  let target: RunningTarget;
  beforeAll(async () => {
    target = await startTarget(() => ({ status: 200 }));
  });
  afterAll(async () => {
    await target?.close();
  });

  it('survives repeated pg_terminate_backend of its connections and recovers by itself', async () => {
    const schema = uniqueSchemaName('loss');
    const applicationName = `srhooks_loss_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('application_name', applicationName);
    const receiver = await startLossReceiver(url.toString(), schema, target);
    try {
      // the LISTEN connection is part of what gets terminated
      const unsubscribe = receiver.app.store.onChange(() => {});
      let done = false;
      const load = sendOrders(receiver, 1_000_000, 8, () => done);
      let terminated = 0;
      for (let round = 0; round < 12; round++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        terminated += await terminateBackends(applicationName);
      }
      done = true;
      const { acked, statuses } = await load;
      expect(terminated).toBeGreaterThan(12);
      expect(await waitUntil(() => ready(receiver), 10_000)).toBe(true);
      expect(acked.size).toBeGreaterThan(0);
      // every acknowledged order is stored, and every job reaches the target and finishes
      const settled = await waitUntil(async () => {
        const figures = await storedFigures(schema);
        return figures.jobs.succeeded === figures.orders.size && figures.jobs.running === undefined;
      }, 30_000);
      const figures = await storedFigures(schema);
      expect([...acked].filter((innerId) => !figures.orders.has(innerId))).toEqual([]);
      expect({ settled, statuses, jobs: figures.jobs }).toMatchObject({
        settled: true,
        jobs: { succeeded: figures.orders.size },
      });
      // a delivery that arrives after the terminations is stored on the recovered pool
      let sentAfter = 0;
      const after = await sendOrders(receiver, 1_900_000, 1, () => sentAfter++ > 0);
      expect(after.acked.size).toBe(1);
      unsubscribe();
    } finally {
      await receiver.close();
      await dropSchema(schema);
    }
  });

  it('survives its connections being cut by a proxy and recovers by itself', async () => {
    const schema = uniqueSchemaName('loss');
    const pgUrl = new URL(TEST_DATABASE_URL);
    const proxy = new TcpProxy(Number(pgUrl.port || 5432));
    const proxyPort = await proxy.start();
    pgUrl.hostname = '127.0.0.1';
    pgUrl.port = String(proxyPort);
    const receiver = await startLossReceiver(pgUrl.toString(), schema, target);
    try {
      const unsubscribe = receiver.app.store.onChange(() => {});
      let done = false;
      const load = sendOrders(receiver, 2_000_000, 8, () => done);
      for (let round = 0; round < 12; round++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        proxy.cut();
      }
      done = true;
      const { acked } = await load;
      expect(await waitUntil(() => ready(receiver), 10_000)).toBe(true);
      const settled = await waitUntil(async () => {
        const figures = await storedFigures(schema);
        return figures.jobs.succeeded === figures.orders.size && figures.jobs.running === undefined;
      }, 30_000);
      const figures = await storedFigures(schema);
      expect([...acked].filter((innerId) => !figures.orders.has(innerId))).toEqual([]);
      expect(settled).toBe(true);
      unsubscribe();
    } finally {
      await receiver.close();
      await proxy.stop();
      await dropSchema(schema);
    }
  });
});
