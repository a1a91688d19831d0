/**
 * Payment API notifications end to end (FACTS.md §8): the sandbox POSTs signed notifications to the
 * receiver's payment path; authentic ones are stored as payment_status / payment_card_change events
 * (deduplicated, handled), a replay is a duplicate, forged and stale ones get 401 with nothing stored,
 * and an authentic body that is not a notification is quarantined.
 */
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
  WEBHOOK_SECRET_KEY,
} from './test-support/app-mode-fixture.js';

describe('app mode: Payment API notifications (sandbox)', () => {
  let f: AppModeFixture;
  let paymentUrl: string;

  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
    // Notifications are filed only under a shop the app is installed on (app-payments-shops.test.ts).
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
    paymentUrl = `${f.baseUrl}/app/payments?shop=alpha`;
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = async (path: string) =>
    (
      await fetch(`${f.baseUrl}/admin/api${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json();
  const deliveryCount = async () =>
    ((await admin('/deliveries?shop=alpha&limit=500')).items as unknown[]).length;

  it('stores an authentic charge notification as a payment_status event and runs the app handlers', async () => {
    const sent = await f.sandbox.apps.notify('55', {
      url: paymentUrl,
      notification: { id: 69, status: 'pending' },
    });
    expect(sent.response.status).toBe(200);
    const event = await eventually(async () => {
      const items = (await admin('/events?shop=alpha')).items as Array<Record<string, unknown>>;
      const found = items.find((e) => e.event === 'payment_status');
      return found?.status === 'succeeded' ? found : undefined;
    });
    const time = JSON.parse(sent.rawBody).time;
    expect(event.dedupeKey).toBe(`payment:69:pending:${time}`);
    const detail = (await admin(`/events/${event.id}`)).event;
    expect(detail.payload).toEqual({ id: 69, status: 'pending', time });
  });

  it('records a replay as a duplicate, not a second payment', async () => {
    const replay = await f.sandbox.apps.notify('55', { url: paymentUrl, fault: 'replay' });
    expect(replay.response.status).toBe(200);
    expect(JSON.parse(replay.response.bodyExcerpt ?? '{}')).toMatchObject({ ok: true, duplicates: 1 });
  });

  it('reads a charge whose reason is null (PHP json_encode of no reason; A43) instead of quarantining it', async () => {
    const sent = await f.sandbox.apps.notify('55', {
      url: paymentUrl,
      notification: { id: 91, status: 'frozen', reason: null },
    });
    const answer = JSON.parse(sent.response.bodyExcerpt ?? '{}');
    expect(sent.response.status).toBe(200);
    expect(answer).toMatchObject({ ok: true, duplicates: 0 });
    expect(answer.quarantined).toBeUndefined();
    const event = await eventually(async () => {
      const items = (await admin('/events?shop=alpha')).items as Array<Record<string, unknown>>;
      const found = items.find((e) => e.dedupeKey === `payment:91:frozen:${JSON.parse(sent.rawBody).time}`);
      return found?.status === 'succeeded' ? found : undefined;
    });
    expect((await admin(`/events/${event.id}`)).event.payload).toMatchObject({ id: 91, reason: null });
  });

  it('stores a card change as payment_card_change', async () => {
    const sent = await f.sandbox.apps.notify('55', {
      url: paymentUrl,
      notification: { changeId: 42, subscriptionId: 12, status: 'declined', paymentStatus: 'active' },
    });
    expect(sent.response.status).toBe(200);
    const items = (await admin('/events?shop=alpha')).items as Array<Record<string, unknown>>;
    expect(items.find((e) => e.event === 'payment_card_change')?.dedupeKey).toMatch(
      /^card-change:42:declined:\d+$/,
    );
  });

  it.each([
    ['bad_hmac', 'bad_token'],
    ['stale', 'stale'],
  ] as const)('answers %s with 401, stores nothing and counts it as %s', async (fault, reason) => {
    const before = await deliveryCount();
    const counted = async () => {
      const metrics = await (await fetch(`${f.baseUrl}/metrics`)).text();
      const line = new RegExp(`^srhooks_forged_attempts_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
        metrics,
      );
      return Number(line?.[1] ?? 0);
    };
    const countedBefore = await counted();
    const sent = await f.sandbox.apps.notify('55', { url: paymentUrl, fault });
    expect(sent.response.status).toBe(401);
    expect(await deliveryCount()).toBe(before);
    expect(await counted()).toBe(countedBefore + 1);
  });

  it('refuses a body over its 64 KiB limit with 413 naming that limit, not SRHOOKS_BODY_LIMIT', async () => {
    const before = await deliveryCount();
    const response = await fetch(paymentUrl, { method: 'POST', body: 'x'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    const answer = (await response.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(answer).toMatchObject({ ok: false, error: { code: 'body_too_large' } });
    expect(answer.error.message).toContain('65536 bytes');
    expect(answer.error.message).not.toMatch(/2097152|SRHOOKS_BODY_LIMIT/);
    expect(await deliveryCount()).toBe(before);
  });

  it('takes a notification whatever its Content-Type: an empty header as none, a malformed one kept', async () => {
    const body = JSON.stringify({ id: 70, status: 'paid', time: Math.floor(Date.now() / 1000) });
    const hmac = createHmac('sha256', WEBHOOK_SECRET_KEY).update(body).digest('hex');
    const answers: unknown[] = [];
    for (const headers of [{ 'content-type': '' }, { 'content-type': '  ' }, { 'content-type': 'garbage' }]) {
      const response = await fetch(`${paymentUrl}&hmac=${hmac}`, { method: 'POST', headers, body });
      const answer = (await response.json()) as Record<string, unknown>;
      expect(response.status, JSON.stringify(answer)).toBe(200);
      answers.push(answer);
    }
    // Stored once as the notification it is; the second copy is its duplicate.
    expect(answers).toMatchObject([
      { ok: true, duplicates: 0 },
      { ok: true, duplicates: 1 },
      { ok: true, duplicates: 1 },
    ]);
    const [first, , third] = answers as Array<{ deliveryId: string }>;
    const stored = async (id: string | undefined) => (await admin(`/deliveries/${id}`)).delivery;
    expect((await stored(first?.deliveryId)).contentType).toBe('');
    expect((await stored(third?.deliveryId)).contentType).toBe('garbage');
  });

  it('files a notification whose hmac was appended with a second ? to the notificationUrl (A54) under its shop', async () => {
    // before: 401 missing_parameter (fastify read `shop` as "alpha?hmac=…", no hmac)
    const body = JSON.stringify({ id: 72, status: 'paid', time: Math.floor(Date.now() / 1000) });
    const hmac = createHmac('sha256', WEBHOOK_SECRET_KEY).update(body).digest('hex');
    const response = await fetch(`${paymentUrl}?hmac=${hmac}`, { method: 'POST', body });
    const answer = (await response.json()) as { deliveryId: string; quarantined?: boolean };
    expect(response.status, JSON.stringify(answer)).toBe(200);
    expect(answer.quarantined).toBeUndefined();
    const delivery = (await admin(`/deliveries/${answer.deliveryId}`)).delivery;
    expect(delivery).toMatchObject({ shop: 'alpha', status: 'stored' });
  });

  it('refuses a notification without hmac with 401', async () => {
    const response = await fetch(paymentUrl, { method: 'POST', body: '{"id":1,"status":"paid","time":1}' });
    expect(response.status).toBe(401);
  });

  it('quarantines an authentic compressed notification naming its Content-Encoding, also when re-processed', async () => {
    // before: quarantined as "the body is not JSON" (the gzip bytes misread)
    const body = gzipSync(JSON.stringify({ id: 71, status: 'paid', time: Math.floor(Date.now() / 1000) }));
    const hmac = createHmac('sha256', WEBHOOK_SECRET_KEY).update(body).digest('hex');
    const response = await fetch(`${paymentUrl}&hmac=${hmac}`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body,
    });
    const answer = (await response.json()) as { deliveryId: string; quarantined?: boolean };
    expect(response.status, JSON.stringify(answer)).toBe(200);
    expect(answer.quarantined).toBe(true);
    const delivery = (await admin(`/deliveries/${answer.deliveryId}`)).delivery;
    expect(delivery).toMatchObject({ status: 'quarantined', decodeError: { code: 'invalid_notification' } });
    expect(delivery.decodeError.message).toMatch(/Content-Encoding "gzip".*send it without Content-Encoding/);
    const reprocessed = await fetch(`${f.baseUrl}/admin/api/deliveries/${answer.deliveryId}/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(JSON.stringify(await reprocessed.json())).toMatch(/Content-Encoding \\"gzip\\"/);
    expect((await admin(`/deliveries/${answer.deliveryId}`)).delivery.status).toBe('quarantined');
  });

  it('quarantines an authentic body that is not a notification', async () => {
    const sent = await f.sandbox.apps.notify('55', { url: paymentUrl, fault: 'undecodable' });
    expect(sent.response.status).toBe(200);
    const answer = JSON.parse(sent.response.bodyExcerpt ?? '{}');
    expect(answer).toMatchObject({ ok: true, quarantined: true });
    const delivery = (await admin(`/deliveries/${answer.deliveryId}`)).delivery;
    expect(delivery).toMatchObject({ status: 'quarantined', decodeError: { code: 'invalid_notification' } });
  });
});
