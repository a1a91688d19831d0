/**
 * A Payment API notification on a kept-alive connection while the receiver shuts down: like a webhook
 * delivery (http/shutdown-keep-alive.test.ts), it is stored and answered 200 with `Connection: close`,
 * not refused 503 `shutting_down` — resending after a failed notification is not documented (assumed
 * never), so a refusal would lose the payment's status.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../store/create-store.js';
import { KeptAliveConnection, refusedSoon } from '../test-support/kept-alive-connection.js';
import {
  type AppModeFixture,
  startAppModeFixture,
  WEBHOOK_SECRET_KEY,
} from './test-support/app-mode-fixture.js';

/** A signed notification as a kept-alive request to the receiver's payment path. */
function keptAliveNotification(notification: Record<string, unknown>): Buffer {
  const body = JSON.stringify({ ...notification, time: Math.floor(Date.now() / 1000) });
  const hmac = createHmac('sha256', WEBHOOK_SECRET_KEY).update(body).digest('hex');
  const head =
    `POST /app/payments?shop=alpha&hmac=${hmac} HTTP/1.1\r\n` +
    'Host: receiver.example\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return Buffer.from(head + body, 'utf8');
}

describe('app mode: a Payment API notification during shutdown', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('is stored and answered 200 with Connection: close; the port refuses new connections at once', async () => {
    const port = Number(new URL(f.baseUrl).port);
    const connection = await KeptAliveConnection.open({ app: f.receiver, port });
    try {
      const first = keptAliveNotification({ id: 301, status: 'pending' });
      await connection.write(first);
      expect((await connection.next()).status).toBe(200);

      // The next notification's first bytes are on the kept-alive connection when SIGTERM arrives.
      const second = keptAliveNotification({ id: 301, status: 'paid' });
      await connection.write(second.subarray(0, 40));
      await connection.arrived(first.length + 40);
      const closing = f.receiver.close();
      expect(await refusedSoon(port)).toBe('ECONNREFUSED');

      await connection.write(second.subarray(40));
      const answer = await connection.next();
      expect({ status: answer.status, body: JSON.parse(answer.body) }).toMatchObject({
        status: 200,
        body: { ok: true, duplicates: 0 },
      });
      expect(answer.headers.connection).toBe('close');
      await connection.closed;
      await closing;

      const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };
      const store = createStore({ kind: 'sqlite', file: f.config.db });
      try {
        const stored = await store.getDelivery(deliveryId);
        expect(stored?.status).toBe('stored');
        expect(stored?.event).toBe('payment_status');
      } finally {
        await store.close();
      }
    } finally {
      connection.destroy();
    }
  });
});
