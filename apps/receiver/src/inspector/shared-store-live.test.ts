/**
 * Several receivers on one PostgreSQL store: a page open on one instance sees live what another
 * instance stores (the store relays its change feed with pg_notify / LISTEN).
 */

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { deliveryToken } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginAsBrowser,
  logoutAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  ADMIN_TOKEN as TEST_ADMIN_TOKEN,
} from '../admin/test-support/admin-test-receiver.js';
import { changeChannel, relayApplicationName } from '../store/postgres/pg-change-relay.js';
import type { PgStore } from '../store/postgres/pg-store.js';
import { deliveryRequest } from '../test-support/delivery-fixtures.js';
import {
  dropSchema,
  TEST_DATABASE_URL,
  uniqueSchemaName,
  withTestDatabase,
} from '../test-support/postgres-schema.js';
import { sendRaw } from '../test-support/raw-http.js';
import { startTestReceiver, TEST_SECRET, type TestReceiver } from '../test-support/test-receiver.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

function openStream(
  baseUrl: string,
  credential: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` },
): Promise<{ response: IncomingMessage; text: () => string; ended: () => boolean }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}/ui/events/stream`,
      { headers: { ...credential, accept: 'text/event-stream' } },
      (response) => {
        let text = '';
        let ended = false;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          ended = true;
        });
        resolve({ response, text: () => text, ended: () => ended });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('receivers sharing one PostgreSQL store', () => {
  const schema = uniqueSchemaName();
  const receivers: TestReceiver[] = [];

  /** Lines B's `log` handler wrote. */
  const handled: string[] = [];

  beforeAll(async () => {
    const config = {
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      adminToken: ADMIN_TOKEN,
      handlers: { stdout: { type: 'log' as const } },
      shops: [{ name: 'demo', handlers: ['stdout'] }],
    };
    // A only ingests; B runs the handlers, polling for jobs only once a minute.
    receivers.push(await startTestReceiver(config));
    receivers.push(
      await startTestReceiver(config, {
        processing: { pollIntervalMs: 60_000, logWrite: (line) => void handled.push(line) },
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await dropSchema(schema);
  });

  it("pushes a delivery stored by one instance to the inspector's live stream of the other", async () => {
    const [a, b] = receivers as [TestReceiver, TestReceiver];
    const stream = await openStream(b.baseUrl);
    expect(stream.response.statusCode).toBe(200);
    await until(() => (b.app.store as PgStore).relayStats()?.listening === true, "B's LISTEN");

    const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
    const answer = await sendRaw(a.port, deliveryRequest('order_confirm', token));
    expect(answer.statusCode).toBe(200);
    const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };

    const expected = `event: change\ndata: ${JSON.stringify({
      kind: 'delivery',
      deliveryId,
      shop: 'demo',
      event: 'order_confirm',
      status: 'stored',
    })}\n\n`;
    await until(() => stream.text().includes(expected), "A's delivery on B's stream");
    stream.response.destroy();

    // Operators see the relay on /metrics.
    const metricsOf = async (receiver: TestReceiver) => (await fetch(`${receiver.baseUrl}/metrics`)).text();
    const figure = (text: string, name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const [metricsA, metricsB] = await Promise.all([metricsOf(a), metricsOf(b)]);
    expect(figure(metricsB, 'srhooks_change_relay_listening')).toBe(1);
    expect(figure(metricsB, 'srhooks_change_relay_received')).toBeGreaterThanOrEqual(1);
    expect(figure(metricsA, 'srhooks_change_relay_published')).toBeGreaterThanOrEqual(1);
    expect(figure(metricsA, 'srhooks_change_relay_publish_failures')).toBe(0);
  });

  it("wakes the other instance's job worker at once for a delivery this one stored (not at its next poll)", async () => {
    const [a, b] = receivers as [TestReceiver, TestReceiver];
    await until(() => (b.app.store as PgStore).relayStats()?.listening === true, "B's LISTEN");
    const before = handled.length;
    // A new order (the captured one is a duplicate by now, and duplicates get no jobs).
    const posted = await postDelivery(a, orderDelivery([order(7, { innerId: '7007' })]));
    expect(posted).toMatchObject({ status: 200, body: { events: 1, duplicates: 0 } });
    const { deliveryId } = posted.body;

    // B polls once a minute: only the relayed change can make it run the job within seconds.
    await until(() => handled.length > before, "B's handler to run the job");
    const stored = await a.app.store.getDelivery(deliveryId);
    const eventId = stored?.events[0]?.id ?? '';
    await until(() => handled.slice(before).some((line) => line.includes(eventId)), 'the job of this event');
  });

  it('a logout on one instance ends the session on the others too (a copied cookie stops working)', async () => {
    const [a, b] = receivers as [TestReceiver, TestReceiver];
    expect(TEST_ADMIN_TOKEN).toBe(ADMIN_TOKEN);
    const session = await loginAsBrowser(a);
    const page = (receiver: TestReceiver) =>
      fetch(`${receiver.baseUrl}/ui`, { headers: { cookie: session.cookie }, redirect: 'manual' });
    expect((await page(b)).status).toBe(200);

    const logout = await logoutAsBrowser(a, session);
    expect(logout.status).toBe(303);
    expect((await page(a)).status).toBe(303);
    // B remembers its "not revoked" answer for at most 5 s, then asks the store again.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await page(b)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(303);
    expect((await page(b)).headers.get('location')).toMatch(/^\/ui\/login\?next=/);
  });

  it("a logout on one instance ends that session's open live stream on the others", async () => {
    const [a, b] = receivers as [TestReceiver, TestReceiver];
    const session = await loginAsBrowser(a);
    const stream = await openStream(b.baseUrl, { cookie: session.cookie });
    expect(stream.response.statusCode).toBe(200);
    const bearerStream = await openStream(b.baseUrl);
    await until(() => stream.text().includes('retry:'), "B's stream to open");

    expect((await logoutAsBrowser(a, session)).status).toBe(303);
    // B re-checks its open streams' sessions every 5 s against the store (whose answer it caches for
    // up to 5 s): well within 20 s.
    await until(stream.ended, "B's stream of the logged-out session to end", 20_000);
    expect(bearerStream.ended()).toBe(false);
    bearerStream.response.destroy();
  });

  it('ends the open live streams when the relay listens again after a gap, so pages read again what they missed', async () => {
    const [a, b] = receivers as [TestReceiver, TestReceiver];
    const store = b.app.store as PgStore;
    await until(() => store.relayStats()?.listening === true, "B's LISTEN");
    const stream = await openStream(b.baseUrl);
    await until(() => stream.text().includes('retry:'), "B's stream to open");

    // The receivers' LISTEN connections are cut (their backends terminated): what A stores until B listens
    // again never reaches B's stream as a change.
    const channel = changeChannel(schema);
    await withTestDatabase((client) =>
      client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        relayApplicationName(channel),
      ]),
    );
    await until(() => store.relayStats()?.listening === false, "B's relay to notice the cut");
    const missed = await postDelivery(a, orderDelivery([order(8, { innerId: '8008' })]));
    expect(missed.status).toBe(200);
    await until(() => store.relayStats()?.listening === true, "B's relay to listen again", 15_000);

    // The stream ends (as at shutdown: no session-ended message), so its client reconnects and fetches again.
    await until(stream.ended, "B's stream to end after the gap", 5000);
    expect(stream.text()).not.toContain('session-ended');
    expect(stream.text()).not.toContain(missed.body.deliveryId);
    const again = await openStream(b.baseUrl);
    expect(again.response.statusCode).toBe(200);
    const after = await postDelivery(a, orderDelivery([order(9, { innerId: '9009' })]));
    await until(() => again.text().includes(after.body.deliveryId), "A's next delivery on B's new stream");
    again.response.destroy();
  });
});
