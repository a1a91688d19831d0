/**
 * Re-processing quarantined Payment API notifications through the admin API (and the inspector's
 * button): the same filing rules as on arrival (payment-filing.ts) run again against today's installs,
 * charge bindings and decoder. End to end over real HTTP, the sandbox as ShopRenter, a real SQLite file:
 *
 * - `unknown_shop`: stays quarantined (409 unknown_shop) while the shop has not installed the app; once
 *   it has, the re-process files it under that shop (the delivery moves from `payment-api`) and the app's
 *   handlers run once; a second re-process is 409 not_quarantined;
 * - dedupe: a quarantined copy of a notification filed meanwhile under its charge's shop is recorded as
 *   a duplicate there (no job), never handled twice;
 * - `shop_mismatch`: refused (409 shop_mismatch) unless the operator sends acceptShopMismatch: true, which
 *   files it under the shop the charge is bound to (never under the URL's shop);
 * - `invalid_notification`: 422 still_undecodable while today's decoder refuses it; a body today's decoder
 *   accepts (quarantined by an older one) is filed, under the event the body is (a card change).
 */
import { signPaymentNotification } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_SHOP_HEADER, unknownShop } from './payment-filing.js';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
  WEBHOOK_SECRET_KEY,
} from './test-support/app-mode-fixture.js';

interface EventItem {
  id: string;
  shop: string;
  event: string;
  subjectId: string | null;
  dedupeKey: string;
  duplicateOf: string | null;
  status: string;
}

interface Answer {
  status: number;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}

describe('app mode: re-processing quarantined Payment API notifications', () => {
  let f: AppModeFixture;
  const url = (shop?: string) => `${f.baseUrl}/app/payments${shop === undefined ? '' : `?shop=${shop}`}`;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'beta', 'delta', 'epsilon'] });
    for (const shop of ['alpha', 'beta']) {
      expect((await f.sandbox.apps.install('55', shop)).install.status).toBe(302);
    }
  });
  afterAll(async () => {
    await f?.close();
  });

  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const admin = async (path: string) =>
    (await fetch(`${f.baseUrl}/admin/api${path}`, { headers: auth })).json();
  const reprocess = async (deliveryId: unknown, body?: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(`${f.baseUrl}/admin/api/deliveries/${deliveryId}/reprocess`, {
      method: 'POST',
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Answer['json'] };
  };
  const paymentEvents = async (subjectId: string) =>
    ((await admin('/events?limit=500')).items as EventItem[]).filter(
      (e) => e.event.startsWith('payment_') && e.subjectId === subjectId,
    );
  const post = async (target: string, body: string): Promise<Answer> => {
    const response = await fetch(
      `${target}${target.includes('?') ? '&' : '?'}hmac=${signPaymentNotification(body, WEBHOOK_SECRET_KEY)}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body },
    );
    return { status: response.status, json: (await response.json()) as Answer['json'] };
  };
  const delivery = async (deliveryId: unknown) =>
    (await admin(`/deliveries/${deliveryId}`)).delivery as {
      shop: string;
      event: string;
      status: string;
      decodeError: { code: string; message: string } | null;
      events: EventItem[];
    };
  const jobsOf = async (eventId: string) =>
    (await admin(`/events/${eventId}`)).event.jobs as Array<{ status: string; attempts: number }>;
  const succeeded = (eventId: string) =>
    eventually(async () => {
      const jobs = await jobsOf(eventId);
      return jobs.length > 0 && jobs.every((job) => job.status === 'succeeded') ? jobs : undefined;
    });

  it('files an unknown_shop notification under its shop once the app is installed there, handled once', async () => {
    const sent = await post(url('delta'), JSON.stringify({ id: 7101, status: 'paid', time: now() }));
    expect(sent.json).toMatchObject({ ok: true, quarantined: true });
    const id = sent.json.deliveryId;
    expect(await delivery(id)).toMatchObject({ shop: 'payment-api', decodeError: { code: 'unknown_shop' } });

    const early = await reprocess(id);
    expect(early.status).toBe(409);
    expect(early.json.error?.code).toBe('unknown_shop');
    expect(early.json.error?.message).toMatch(/not installed on delta.*once the app is installed/);
    expect((await delivery(id)).status).toBe('quarantined');

    expect((await f.sandbox.apps.install('55', 'delta')).install.status).toBe(302);
    const filed = await reprocess(id);
    expect(filed.status).toBe(200);
    expect(filed.json).toMatchObject({ ok: true, deliveryId: id, duplicates: 0 });
    const after = await delivery(id);
    expect(after).toMatchObject({ shop: 'delta', event: 'payment_status', status: 'reprocessed' });
    const events = await paymentEvents('7101');
    expect(events.map((e) => [e.shop, e.duplicateOf])).toEqual([['delta', null]]);
    expect(await succeeded(events[0]?.id as string)).toEqual([
      expect.objectContaining({ status: 'succeeded', attempts: 1 }),
    ]);

    const again = await reprocess(id);
    expect(again.status).toBe(409);
    expect(again.json.error?.code).toBe('not_quarantined');
    // The charge is bound to delta now: a later status under delta is filed at once.
    const later = await post(url('delta'), JSON.stringify({ id: 7101, status: 'refunded', time: now() }));
    expect(later.json).toMatchObject({ ok: true, duplicates: 0 });
  });

  it("records a quarantined copy of a notification filed meanwhile under its charge's shop as a duplicate (no second run)", async () => {
    const body = JSON.stringify({ id: 7201, status: 'paid', time: now() });
    const stray = await post(url('epsilon'), body);
    expect(stray.json).toMatchObject({ ok: true, quarantined: true });
    const genuine = await post(url('alpha'), body);
    expect(genuine.json).toMatchObject({ ok: true, duplicates: 0 });
    const [original] = await paymentEvents('7201');
    await succeeded(original?.id as string);

    expect((await f.sandbox.apps.install('55', 'epsilon')).install.status).toBe(302);
    const answer = await reprocess(stray.json.deliveryId);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ ok: true, duplicates: 1 });
    const events = await paymentEvents('7201');
    expect(events.map((e) => [e.shop, e.duplicateOf]).sort()).toEqual([
      ['alpha', null],
      ['alpha', original?.id],
    ]);
    const duplicate = events.find((e) => e.duplicateOf !== null) as EventItem;
    expect(await jobsOf(duplicate.id)).toEqual([]);
    expect(await jobsOf(original?.id as string)).toEqual([
      expect.objectContaining({ status: 'succeeded', attempts: 1 }),
    ]);
  });

  it("keeps shop_mismatch refused unless acceptShopMismatch files it under the charge's shop", async () => {
    expect(
      (await post(url('alpha'), JSON.stringify({ id: 7301, status: 'pending', time: now() }))).json,
    ).toMatchObject({ ok: true, duplicates: 0 });
    const paidBody = JSON.stringify({ id: 7301, status: 'paid', time: now() });
    const other = await post(url('beta'), paidBody);
    expect(other.json).toMatchObject({ ok: true, quarantined: true });
    const id = other.json.deliveryId;

    const refused = await reprocess(id);
    expect(refused.status).toBe(409);
    expect(refused.json.error?.code).toBe('shop_mismatch');
    expect(refused.json.error?.message).toMatch(/first seen under alpha.*acceptShopMismatch: true/);
    expect((await reprocess(id, { acceptShopMismatch: false })).json.error?.code).toBe('shop_mismatch');
    // A JSON body carries a JSON boolean: the text "true" is refused, not read as the override.
    const asText = await reprocess(id, { acceptShopMismatch: 'true' });
    expect(asText.status).toBe(400);
    expect(asText.json.error).toMatchObject({
      code: 'invalid_request',
      message:
        'body.acceptShopMismatch: must be a JSON boolean, not the text "true"; send "acceptShopMismatch": true without quotes',
    });
    // A query string carries text, read as the flag: "0" keeps the refusal.
    const byQuery = await fetch(`${f.baseUrl}/admin/api/deliveries/${id}/reprocess?acceptShopMismatch=0`, {
      method: 'POST',
      headers: auth,
    });
    expect(((await byQuery.json()) as Answer['json']).error?.code).toBe('shop_mismatch');
    expect((await delivery(id)).status).toBe('quarantined');

    const accepted = await reprocess(id, { acceptShopMismatch: true });
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ ok: true, duplicates: 0 });
    expect(await delivery(id)).toMatchObject({ shop: 'alpha', status: 'reprocessed' });
    const paid = (await paymentEvents('7301')).filter((e) => e.dedupeKey.includes(':paid:'));
    expect(paid.map((e) => e.shop)).toEqual(['alpha']);
    await succeeded(paid[0]?.id as string);

    // The genuine copy arriving under alpha afterwards is a duplicate there: handled once.
    const genuine = await post(url('alpha'), paidBody);
    expect(genuine.json).toMatchObject({ ok: true, duplicates: 1 });
  });

  it("answers 422 still_undecodable for an invalid_notification today's decoder still refuses, from the API and the inspector", async () => {
    const answer = await post(url('alpha'), `{"id":7401,"status":"paid","time":"${now()}"}`);
    const id = answer.json.deliveryId;
    expect((await delivery(id)).decodeError?.code).toBe('invalid_notification');
    const refused = await reprocess(id);
    expect(refused.status).toBe(422);
    expect(refused.json.error?.code).toBe('still_undecodable');
    expect(refused.json.error?.message).toMatch(/time: .*number/);
    const ui = await fetch(`${f.baseUrl}/ui/deliveries/${id}/reprocess`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(ui.status).toBe(422);
    expect((await delivery(id)).status).toBe('quarantined');
  });

  it('keeps a notification with a key given twice quarantined on re-process too, naming the key (never read as its last value)', async () => {
    // PHP's json_encode cannot write a key twice; read last-wins, this charge would be filed "active".
    const answer = await post(
      url('alpha'),
      `{"id":7402,"status":"declined","time":${now()},"status":"active"}`,
    );
    const id = answer.json.deliveryId;
    expect((await delivery(id)).decodeError).toMatchObject({
      code: 'invalid_notification',
      message: expect.stringMatching(/The JSON has the key "status" twice in one object \(at status\)/),
    });
    const refused = await reprocess(id);
    expect(refused.status).toBe(422);
    expect(refused.json.error?.code).toBe('still_undecodable');
    expect(refused.json.error?.message).toMatch(/the key "status" twice/);
    expect(await paymentEvents('7402')).toEqual([]);
  });

  it("files an invalid_notification that today's decoder reads, under the event its body is, and through the inspector", async () => {
    // As an older decoder would have quarantined it (the route stores exactly this record).
    const rawBody = Buffer.from(
      JSON.stringify({ changeId: 7501, subscriptionId: 12, status: 'accepted', time: now() }),
    );
    const { deliveryId } = await f.receiver.store.quarantine(
      {
        shop: 'alpha',
        event: 'payment_status' as never,
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: {
          'content-type': 'application/json',
          [NOTIFICATION_SHOP_HEADER]: '{"shop":["alpha"],"shopname":[]}',
        },
        contentType: 'application/json',
        rawBody,
      },
      {
        code: 'invalid_notification',
        message: 'authentic notification that cannot be read: (older decoder)',
      },
    );
    const ui = await fetch(`${f.baseUrl}/ui/deliveries/${deliveryId}/reprocess`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(ui.status).toBe(303);
    const after = await delivery(deliveryId);
    expect(after).toMatchObject({ shop: 'alpha', event: 'payment_card_change', status: 'reprocessed' });
    expect(after.events.map((e) => [e.event, e.dedupeKey])).toEqual([
      ['payment_card_change', expect.stringMatching(/^card-change:7501:accepted:/)],
    ]);
  });

  it('reads the shop of an unknown_shop notification quarantined before the claim was recorded from its reason', async () => {
    const rawBody = Buffer.from(JSON.stringify({ id: 7601, status: 'paid', time: now() }));
    const reason = unknownShop({ kind: 'named', shop: 'beta' }, 'never_installed', null);
    const { deliveryId } = await f.receiver.store.quarantine(
      {
        shop: 'payment-api',
        event: 'payment_status' as never,
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: { 'content-type': 'application/json' },
        contentType: 'application/json',
        rawBody,
      },
      reason,
    );
    const answer = await reprocess(deliveryId);
    expect(answer.status).toBe(200);
    expect((await delivery(deliveryId)).shop).toBe('beta');
  });

  it('refuses acceptShopMismatch for an order delivery', async () => {
    const { deliveryId } = await f.receiver.store.quarantine(
      {
        shop: 'alpha',
        event: 'order_confirm',
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from('{"orders":'),
      },
      { code: 'invalid_json', message: 'Unexpected end of JSON input' },
    );
    const answer = await reprocess(deliveryId, { acceptShopMismatch: true });
    expect(answer.status).toBe(400);
    expect(answer.json.error?.code).toBe('invalid_request');
  });
});
