/**
 * Payment API notifications and the shop they are filed under (FACTS.md §8): the body names no shop and
 * `?shop=` is not signed, so a captured notification could be sent again under another shop's URL within
 * the time tolerance. End to end over real HTTP on a real SQLite file:
 *
 * - a charge is bound app-wide to the shop it first came under: the same notification under another shop
 *   is answered as a duplicate with nothing recorded and no handler run; a later status of that charge
 *   under another shop is quarantined `shop_mismatch`;
 * - a shop that never installed the app, is uninstalled, or is not a valid shop name: quarantined
 *   `unknown_shop` under `payment-api`, answered 200 (the body is authentic), never filed under that name;
 *   a charge first seen while its shop was installed is still filed there after the uninstall;
 * - without `?shop=` notifications are filed under `payment-api` as before;
 * - `time` as a string is not the documented JSON number: quarantined `invalid_notification`.
 */
import { signPaymentNotification } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('app mode: Payment API notifications and their shop', () => {
  let f: AppModeFixture;
  const url = (shop?: string) => `${f.baseUrl}/app/payments${shop === undefined ? '' : `?shop=${shop}`}`;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'beta', 'gamma'] });
    for (const shop of ['alpha', 'beta', 'gamma']) {
      expect((await f.sandbox.apps.install('55', shop)).install.status).toBe(302);
    }
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = async (path: string) =>
    (
      await fetch(`${f.baseUrl}/admin/api${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json();
  const paymentEvents = async (subjectId: string) =>
    ((await admin('/events?limit=500')).items as EventItem[]).filter(
      (e) => e.event.startsWith('payment_') && e.subjectId === subjectId,
    );
  const deliveries = async () =>
    ((await admin('/deliveries?limit=500')).items as Array<{ id: string }>).length;
  /** POSTs a body signed with the app's WebhookSecretKey, as the Payment API does. */
  const post = async (target: string, body: string) => {
    const response = await fetch(
      `${target}${target.includes('?') ? '&' : '?'}hmac=${signPaymentNotification(body, WEBHOOK_SECRET_KEY)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      },
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const quarantined = async (deliveryId: unknown) => {
    const { delivery } = await admin(`/deliveries/${deliveryId}`);
    expect(delivery.status).toBe('quarantined');
    return delivery as { shop: string; decodeError: { code: string; message: string } };
  };
  const handled = (subjectId: string) =>
    eventually(async () => {
      const events = (await paymentEvents(subjectId)).filter((e) => e.duplicateOf === null);
      return events.length > 0 && events.every((e) => e.status === 'succeeded') ? events : undefined;
    });

  it('answers the same notification under another shop as a duplicate: nothing recorded, handlers run once', async () => {
    const sent = await f.sandbox.apps.notify('55', {
      url: url('alpha'),
      notification: { id: 9001, status: 'paid' },
    });
    expect(sent.response.status).toBe(200);
    await handled('9001');
    const before = await deliveries();

    for (const shop of ['beta', 'gamma']) {
      const replay = await f.sandbox.apps.notify('55', { url: url(shop), fault: 'replay' });
      expect(replay.rawBody).toBe(sent.rawBody);
      expect(replay.response.status).toBe(200);
      expect(JSON.parse(replay.response.bodyExcerpt ?? '{}')).toEqual({ ok: true, duplicates: 1 });
    }
    // Without a shop, too (it would be filed under payment-api).
    const bare = await post(url(), sent.rawBody);
    expect(bare).toEqual({ status: 200, json: { ok: true, duplicates: 1 } });

    expect(await deliveries()).toBe(before);
    const events = await paymentEvents('9001');
    expect(events.map((e) => [e.shop, e.duplicateOf === null])).toEqual([['alpha', true]]);
    const detail = (await admin(`/events/${events[0]?.id}`)).event;
    expect(detail.jobs).toHaveLength(1);
    expect(detail.jobs[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(
      f.logLines.some((line) => line.includes('payment notification already filed under another shop')),
    ).toBe(true);
  });

  it('still records a replay under the same shop as a duplicate', async () => {
    const sent = await f.sandbox.apps.notify('55', {
      url: url('alpha'),
      notification: { id: 9002, status: 'paid' },
    });
    expect(sent.response.status).toBe(200);
    const replay = await post(url('alpha'), sent.rawBody);
    expect(replay).toMatchObject({ status: 200, json: { ok: true, duplicates: 1 } });
    const events = await paymentEvents('9002');
    expect(events.filter((e) => e.duplicateOf === null).map((e) => e.shop)).toEqual(['alpha']);
  });

  it('quarantines a later status of a charge under another shop than it was first seen under (shop_mismatch)', async () => {
    const first = await post(url('alpha'), JSON.stringify({ id: 9003, status: 'pending', time: now() }));
    expect(first.json).toMatchObject({ ok: true, duplicates: 0 });
    const other = await post(url('beta'), JSON.stringify({ id: 9003, status: 'paid', time: now() }));
    expect(other.status).toBe(200);
    expect(other.json).toMatchObject({ ok: true, quarantined: true });
    const delivery = await quarantined(other.json.deliveryId);
    expect(delivery.shop).toBe('beta');
    expect(delivery.decodeError.code).toBe('shop_mismatch');
    expect(delivery.decodeError.message).toMatch(/alpha/);
    const events = await paymentEvents('9003');
    expect(events.map((e) => [e.shop, e.dedupeKey.split(':')[2]])).toEqual([['alpha', 'pending']]);

    // The genuine copy under alpha is still new there.
    const genuine = await post(url('alpha'), JSON.stringify({ id: 9003, status: 'paid', time: now() + 1 }));
    expect(genuine.json).toMatchObject({ ok: true, duplicates: 0 });
  });

  it('binds card changes by changeId the same way', async () => {
    const body = JSON.stringify({ changeId: 77, subscriptionId: 12, status: 'declined', time: now() });
    expect((await post(url('beta'), body)).json).toMatchObject({ ok: true, duplicates: 0 });
    expect((await post(url('alpha'), body)).json).toEqual({ ok: true, duplicates: 1 });
    const later = await post(
      url('alpha'),
      JSON.stringify({ changeId: 77, subscriptionId: 12, status: 'accepted', time: now() }),
    );
    expect((await quarantined(later.json.deliveryId)).decodeError.code).toBe('shop_mismatch');
  });

  it.each([
    ['a shop that never installed the app', 'nosuchshop', /not installed on nosuchshop/],
    ['a name that is not a shop name', 'bad%2Fname', /not a valid shop name/],
    ['two different shops', 'alpha&shop=beta', /more than one shop/],
  ])(
    'quarantines a notification naming %s as unknown_shop under payment-api',
    async (_what, shop, message) => {
      const id = 9100 + Math.floor(Math.random() * 800);
      const answer = await post(url(shop), JSON.stringify({ id, status: 'paid', time: now() }));
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ ok: true, quarantined: true });
      const delivery = await quarantined(answer.json.deliveryId);
      expect(delivery.shop).toBe('payment-api');
      expect(delivery.decodeError.code).toBe('unknown_shop');
      expect(delivery.decodeError.message).toMatch(message);
      expect(await paymentEvents(String(id))).toEqual([]);
      const listed = (await admin(`/deliveries?shop=nosuchshop`)).items as unknown[];
      expect(listed).toEqual([]);
    },
  );

  it('after an uninstall: new charges of that shop are quarantined unknown_shop, charges seen before are still filed there', async () => {
    const before = await post(url('gamma'), JSON.stringify({ id: 9901, status: 'active', time: now() }));
    expect(before.json).toMatchObject({ ok: true, duplicates: 0 });
    expect((await f.sandbox.apps.uninstall('55', 'gamma')).uninstall.status).toBe(200);

    const cancelled = await post(
      url('gamma'),
      JSON.stringify({ id: 9901, status: 'cancelled', time: now() }),
    );
    expect(cancelled.json).toMatchObject({ ok: true, duplicates: 0 });
    expect((await paymentEvents('9901')).map((e) => [e.shop, e.dedupeKey.split(':')[2]]).sort()).toEqual([
      ['gamma', 'active'],
      ['gamma', 'cancelled'],
    ]);

    const fresh = await post(url('gamma'), JSON.stringify({ id: 9902, status: 'paid', time: now() }));
    expect(fresh.json).toMatchObject({ ok: true, quarantined: true });
    const delivery = await quarantined(fresh.json.deliveryId);
    expect(delivery).toMatchObject({ shop: 'payment-api', decodeError: { code: 'unknown_shop' } });
    expect(delivery.decodeError.message).toMatch(/uninstalled from gamma/);
  });

  it('files a notification without ?shop= under payment-api', async () => {
    const answer = await post(url(), JSON.stringify({ id: 9950, status: 'paid', time: now() }));
    expect(answer.json).toMatchObject({ ok: true, duplicates: 0 });
    expect((await paymentEvents('9950')).map((e) => e.shop)).toEqual(['payment-api']);
  });

  it('quarantines a notification whose time is a string (invalid_notification), answered 200', async () => {
    const answer = await post(url('alpha'), `{"id":9960,"status":"paid","time":"${now()}"}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ ok: true, quarantined: true });
    const delivery = await quarantined(answer.json.deliveryId);
    expect(delivery.shop).toBe('alpha');
    expect(delivery.decodeError.code).toBe('invalid_notification');
    expect(delivery.decodeError.message).toMatch(/time: .*number/);
    expect(await paymentEvents('9960')).toEqual([]);
    // Re-processing runs the filing rules again (app-payments-reprocess.test.ts); today's decoder still
    // refuses a string time, so it stays kept.
    const reprocess = await fetch(`${f.baseUrl}/admin/api/deliveries/${answer.json.deliveryId}/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(reprocess.status).toBe(422);
    expect(((await reprocess.json()) as { error: { code: string } }).error.code).toBe('still_undecodable');
    await quarantined(answer.json.deliveryId);
  });
});
