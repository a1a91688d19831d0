/**
 * The store goes away: every delivery is answered 503 (never 2xx, never a hanging request),
 * /readyz goes red, and both recover by themselves when the store is back.
 * SQLite: the store closed under the running app. PostgreSQL: the real server behind a TCP
 * proxy that the test stops (connection refused), stalls (hangs) and restarts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryBody } from '../../test-support/delivery-fixtures.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const { contentType, body } = deliveryBody('order_confirm');

async function postDelivery(
  receiver: TestReceiver,
): Promise<{ status: number; json: Record<string, unknown>; retryAfter: string | null }> {
  const response = await fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'content-type': contentType },
  });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
    retryAfter: response.headers.get('retry-after'),
  };
}

async function readiness(receiver: TestReceiver): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${receiver.baseUrl}/readyz`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function metricsText(receiver: TestReceiver): Promise<string> {
  return (await fetch(`${receiver.baseUrl}/metrics`)).text();
}

describe('store unavailable: SQLite store closed under the app', () => {
  it('answers 503 with Retry-After, turns /readyz red and counts the store error', async () => {
    // A store call timeout far above the test timeout: the 503 must come from the failure itself.
    const receiver = await startTestReceiver({ storeTimeoutMs: 60_000 });
    try {
      expect((await readiness(receiver)).status).toBe(200);
      await receiver.app.store.close();

      const answer = await postDelivery(receiver);
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(answer.json).toEqual({
        ok: false,
        error: {
          code: 'store_unavailable',
          message: expect.stringMatching(/could not be confirmed stored.*send it again later/),
        },
      });

      const ready = await readiness(receiver);
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ ok: false, store: 'sqlite', error: { code: 'store_unavailable' } });
      // The probe's 503 is its expected answer during an outage: one warning saying why (readiness-log
      // test: once per change), never an error.
      const logged = receiver.logLines.map(
        (line) => JSON.parse(line) as { level: number; msg: string; req?: { url?: string } },
      );
      expect(logged.map((line) => [line.level, line.msg])).toContainEqual([
        40,
        'readiness probe: store unavailable',
      ]);
      expect(logged.filter((line) => line.req?.url === '/readyz' && line.level >= 50)).toEqual([]);

      const metrics = await metricsText(receiver);
      expect(metrics).toContain('srhooks_store_errors_total{operation="ingest"} 1');
      expect(metrics).toContain(
        'srhooks_deliveries_total{shop="demo",event="order_confirm",outcome="store_unavailable"} 1',
      );
      expect(metrics).not.toContain('outcome="stored"');
    } finally {
      await receiver.close();
    }
  });
});

describe('store unavailable: PostgreSQL behind a broken proxy', () => {
  const schema = uniqueSchemaName();
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  let receiver: TestReceiver;

  beforeAll(async () => {
    const port = await proxy.start();
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(port);
    receiver = await startTestReceiver({
      databaseUrl: url.toString(),
      databaseSchema: schema,
      storeTimeoutMs: 1500,
    });
  });
  afterAll(async () => {
    await proxy.stop();
    await receiver?.close();
    await dropSchema(schema);
  });

  it('stores while the database is reachable', async () => {
    const answer = await postDelivery(receiver);
    expect(answer.status).toBe(200);
    expect((await readiness(receiver)).json).toEqual({ ok: true, store: 'postgres' });
  });

  it('answers 503 and /readyz red while connections are refused', async () => {
    await proxy.stop();
    const answer = await postDelivery(receiver);
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ ok: false, error: { code: 'store_unavailable' } });
    const ready = await readiness(receiver);
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ store: 'postgres', error: { code: 'store_unavailable' } });
  });

  it('recovers by itself when the database is back', async () => {
    await proxy.start();
    let ready = await readiness(receiver);
    for (let attempt = 0; attempt < 20 && ready.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await readiness(receiver);
    }
    expect(ready.status).toBe(200);
    const answer = await postDelivery(receiver);
    expect(answer.status).toBe(200);
    // The delivery refused while down was never stored; the one after recovery is a duplicate of the first.
    expect(answer.json).toMatchObject({ ok: true, events: 1, duplicates: 1 });
    const deliveries = await receiver.app.store.listDeliveries();
    expect(deliveries.items.map((delivery) => delivery.status)).toEqual(['stored', 'stored']);
  });

  it('answers 503 within the store timeout when the database hangs, never a hanging request', async () => {
    proxy.stall();
    const answer = await postDelivery(receiver);
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ ok: false, error: { code: 'store_unavailable' } });
    expect((await readiness(receiver)).status).toBe(503);
    const metrics = await metricsText(receiver);
    expect(metrics).toMatch(/srhooks_store_errors_total\{operation="ingest"\} [2-9]/);
    expect(metrics).toMatch(/srhooks_store_errors_total\{operation="ping"\} [1-9]/);
  });
});
