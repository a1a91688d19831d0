/**
 * A delivery on a kept-alive connection while the receiver shuts down (SIGTERM → app.close()). The port
 * closes at once (a balancer's next connect fails and it sends elsewhere), but a request whose first
 * bytes were already on a connection the receiver had open is stored and answered 200 with
 * `Connection: close` — ShopRenter sends each delivery once, so a 503 `shutting_down` here lost it.
 * Other requests (readiness, admin, …) arriving then are still refused 503 `shutting_down`.
 * On SQLite and on PostgreSQL.
 */
import type { WebhookEvent } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { type DeliveryFixture, deliveryBody } from '../test-support/delivery-fixtures.js';
import { KeptAliveConnection, refusedSoon } from '../test-support/kept-alive-connection.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const nextSchema = testSchemas('rcv_keepalive');

/** A captured delivery as a kept-alive request (no `Connection: close`, no `Expect`). */
function keptAliveDelivery(receiver: TestReceiver, fixture: DeliveryFixture, event: WebhookEvent): Buffer {
  const { contentType, body } = deliveryBody(fixture);
  const head =
    `POST ${receiver.path('demo', event)} HTTP/1.1\r\n` +
    'Host: receiver.example\r\nUser-Agent: ShopRenter\r\nConnection: keep-alive\r\n' +
    `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const engines: { name: string; config: () => Partial<ReceiverConfigInput> }[] = [
  { name: 'SQLite', config: () => ({}) },
  { name: 'PostgreSQL', config: () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: nextSchema() }) },
];

describe.each(engines)('a delivery on a kept-alive connection during shutdown ($name)', ({ config }) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** The store the stopped receiver wrote (a new connection to it). */
  function reopen(receiver: TestReceiver): Store {
    const { config: used } = receiver;
    const store = used.databaseUrl
      ? createStore({ kind: 'postgres', url: used.databaseUrl, schema: used.databaseSchema })
      : createStore({ kind: 'sqlite', file: used.db });
    cleanups.push(() => store.close());
    return store;
  }

  it('is stored and answered 200 with Connection: close; the port refuses new connections at once', async () => {
    const receiver = await startTestReceiver({ ...config(), logLevel: 'silent' });
    cleanups.push(() => receiver.close());
    const connection = await KeptAliveConnection.open(receiver);
    cleanups.push(() => connection.destroy());

    const firstRequest = keptAliveDelivery(receiver, 'order_confirm', 'order_confirm');
    await connection.write(firstRequest);
    const first = await connection.next();
    expect(first.status).toBe(200);
    expect(first.headers.connection).not.toBe('close');

    // The next delivery's first bytes are on the kept-alive connection when SIGTERM arrives.
    const second = keptAliveDelivery(receiver, 'newsletter_subscribe', 'newsletter_subscribe');
    await connection.write(second.subarray(0, 40));
    await connection.arrived(firstRequest.length + 40);
    const closing = receiver.app.close();
    expect(await refusedSoon(receiver.port)).toBe('ECONNREFUSED');

    await connection.write(second.subarray(40));
    const answer = await connection.next();
    expect({ status: answer.status, body: JSON.parse(answer.body) }).toMatchObject({
      status: 200,
      body: { events: 1 },
    });
    expect(answer.headers.connection).toBe('close');
    await connection.closed;
    await closing;

    const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };
    const stored = await reopen(receiver).getDelivery(deliveryId);
    expect(stored?.status).toBe('stored');
    expect(stored?.event).toBe('newsletter_subscribe');
  });

  it('answers a delivery in flight when the close begins with Connection: close, so the close does not wait out keep-alive', async () => {
    const receiver = await startTestReceiver({ ...config(), logLevel: 'silent' });
    cleanups.push(() => receiver.close());
    const connection = await KeptAliveConnection.open(receiver);
    cleanups.push(() => connection.destroy());
    const request = keptAliveDelivery(receiver, 'order_confirm', 'order_confirm');
    // Its head and most of its body have arrived: the request is past onRequest when the close begins.
    await connection.write(request.subarray(0, request.length - 100));
    await connection.arrived(request.length - 100);
    const closing = receiver.app.close();
    expect(await refusedSoon(receiver.port)).toBe('ECONNREFUSED');

    await connection.write(request.subarray(request.length - 100));
    const answer = await connection.next();
    expect(answer.status).toBe(200);
    // Not kept alive: the receiver closes the connection itself instead of holding its close for the
    // keep-alive timeout (72 s) or taking another request on it.
    expect(answer.headers.connection).toBe('close');
    await connection.closed;
    await closing;
    const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };
    expect((await reopen(receiver).getDelivery(deliveryId))?.status).toBe('stored');
  });

  it('closes the port at once even while a shutdown step still waits, and still stores such a delivery', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A plugin whose preClose waits (as retention finishing its run does).
    const receiver = await startTestReceiver(
      { ...config(), logLevel: 'silent' },
      {
        routes: [
          {
            name: 'slow-close',
            plugin: async (app) => {
              app.addHook('preClose', () => held);
            },
          },
        ],
      },
    );
    cleanups.push(async () => {
      release();
      await receiver.close();
    });
    const connection = await KeptAliveConnection.open(receiver);
    cleanups.push(() => connection.destroy());
    const firstRequest = keptAliveDelivery(receiver, 'order_confirm', 'order_confirm');
    await connection.write(firstRequest);
    expect((await connection.next()).status).toBe(200);
    const readiness = await KeptAliveConnection.open(receiver);
    cleanups.push(() => readiness.destroy());

    const second = keptAliveDelivery(receiver, 'newsletter_subscribe', 'newsletter_subscribe');
    await connection.write(second.subarray(0, 40));
    const probeHead = 'GET /readyz HTTP/1.1\r\nHost: x\r\n';
    await readiness.write(probeHead);
    await connection.arrived(firstRequest.length + 40);
    await readiness.arrived(probeHead.length);
    const closing = receiver.app.close();
    expect(await refusedSoon(receiver.port)).toBe('ECONNREFUSED');

    await connection.write(second.subarray(40));
    const answer = await connection.next();
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    // A readiness probe is not a delivery: "going away" (503), so a balancer stops sending here.
    await readiness.write('\r\n');
    const notReady = await readiness.next();
    expect({ status: notReady.status, body: JSON.parse(notReady.body) }).toMatchObject({
      status: 503,
      body: { ok: false, error: { code: 'shutting_down' } },
    });
    expect(notReady.headers.connection).toBe('close');

    release();
    await closing;
    const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };
    expect((await reopen(receiver).getDelivery(deliveryId))?.status).toBe('stored');
  });
});
