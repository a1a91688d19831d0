/**
 * Recovery and a delayed subscription (`webHookDelay`), end to end over real HTTP: the sandbox sends an
 * `abandoned_cart` two hours after the cart (compressed by its time scale), the receiver learns the delay
 * from the shop's subscriptions (a shop configured without events, as `srhooks listen` runs it) and a
 * clock of its own recovery moves the passes forward. Before the delivery is due no pass stores the
 * cart (it is reported `not_due`); the first pass after it is due stores it once, though the cart lies
 * before that pass's window (its reads reach back by the delay); the shop's real delivery is then
 * recorded as its duplicate: the same dedupe key.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiverConfigSchema } from '../config/config-schema.js';
import { ShopClients } from '../processing/shop-clients.js';
import type { RecoveryReport } from './recovery-pass.js';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SECRET,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';
import { wantedEvents } from './wanted-events.js';

const HOUR = 3_600_000;
/** Two hours of `webHookDelay` pass in 15 real seconds: the passes below take far less. */
const TIME_SCALE = 480;

describe('a delayed subscription: recovery stores the event only once the shop would have sent it', () => {
  let scenario: RecoveryScenario;
  let offsetMs = 0;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ timeScale: TIME_SCALE });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('not due: reported, not stored; due: recovered once, the real delivery its duplicate', {
    timeout: 90_000,
  }, async () => {
    await scenario.subscribe(['abandoned_cart'], 'json', { delay: 2, delayUnit: 'hour' });
    const sandbox = scenario.sandbox;
    const app = await scenario.startReceiver(
      // No events configured: recovery reads the shop's subscriptions, delays included.
      { shops: [scenario.shop({ events: [] })] },
      { schedule: false, now: () => new Date(Date.now() + offsetMs) },
    );
    const { order: cart } = await sandbox.simulator.abandonCart(SHOP);
    const [scheduled] = sandbox.simulator.deliveries(SHOP);
    expect(scheduled).toMatchObject({ event: 'abandoned_cart', state: 'scheduled' });
    const cartAt = Date.parse(scheduled?.createdAt ?? '');
    const notDue = (report: RecoveryReport) => {
      expect(report.recovered.abandoned_cart ?? 0).toBe(0);
      expect(report.notDue).toBe(1);
      expect(report.events).toEqual([
        expect.objectContaining({ event: 'abandoned_cart', subjectId: cart.innerId, outcome: 'not_due' }),
      ]);
      const dueAt = Date.parse(report.events[0]?.dueAt ?? '');
      expect(Math.abs(dueAt - (cartAt + 2 * HOUR))).toBeLessThan(2000);
    };

    // The first pass, at once: the cart is not due for two hours.
    notDue(await app.recovery.recover(SHOP));
    // `srhooks recover --since 2m` (the admin API): the same, a dry run says so too.
    for (const dryRun of [false, true]) {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/api/recover',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { shop: SHOP, since: '2m', dryRun },
      });
      expect(res.statusCode).toBe(200);
      const report = res.json().report;
      expect(report).toMatchObject({ dryRun, notDue: 1, recovered: {} });
      expect(report.events[0]).toMatchObject({ outcome: 'not_due', event: 'abandoned_cart' });
    }
    // An hour later: still not due; the watermark moves past the cart.
    offsetMs = HOUR;
    notDue(await app.recovery.recover(SHOP));
    expect((await app.store.listEvents({ shop: SHOP })).items).toHaveLength(0);

    // Two hours and a minute after the cart: due. The window starts an hour after the cart.
    offsetMs = 2 * HOUR + 60_000;
    const due = await app.recovery.recover(SHOP);
    expect(due.since.getTime()).toBeGreaterThan(cartAt + HOUR - 10 * 60_000);
    expect(due).toMatchObject({ recovered: { abandoned_cart: 1 }, notDue: 0, alreadyStored: 0 });
    const stored = (await app.store.listEvents({ shop: SHOP })).items;
    expect(stored.map((e) => [e.event, e.source, e.subjectId])).toEqual([
      ['abandoned_cart', 'recovery', cart.innerId],
    ]);
    // Once: the next pass has it already.
    offsetMs = 2 * HOUR + 120_000;
    expect(await app.recovery.recover(SHOP)).toMatchObject({ recovered: {}, alreadyStored: 1, notDue: 0 });

    // The shop's own delivery, when it comes, carries the same dedupe key: recorded as the duplicate.
    await waitUntil(
      'the delayed delivery',
      async () => sandbox.simulator.deliveries(SHOP)[0]?.state === 'delivered',
      40_000,
    );
    const events = await waitUntil('the delivered event', async () => {
      const items = (await app.store.listEvents({ shop: SHOP })).items;
      return items.length === 2 ? items : null;
    });
    const recovered = events.find((e) => e.source === 'recovery');
    const delivered = events.find((e) => e.source === 'webhook');
    expect(delivered).toMatchObject({ status: 'duplicate', duplicateOf: recovered?.id });
    expect(delivered?.dedupeKey).toBe(recovered?.dedupeKey);
  });
});

describe('which delay recovery waits for each event', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });
  /** This receiver as the shop reaches it: the scenario subscribes its signed URLs on this port. */
  const receiverUrl = () => `http://127.0.0.1:${scenario.port}`;
  const shop = (settings: Record<string, unknown>, publicUrl: string | null = receiverUrl()) => {
    const config = ReceiverConfigSchema.parse({
      // the scenario signs the subscriptions it makes with SECRET: this receiver accepts them
      secrets: [SECRET],
      ...(publicUrl ? { publicUrl } : {}),
      shops: [scenario.shop({ events: [], handlers: [], ...settings })],
    });
    const [configured] = config.shops;
    if (!configured) throw new Error('no shop');
    return { config, configured, client: new ShopClients(config.shops).clientFor(SHOP) };
  };

  it("a configured shop: a webhooks entry's delay, none for an events entry, the shortest of several", async () => {
    const { config, configured, client } = shop({
      events: ['order_confirm'],
      webhooks: [
        { event: 'abandoned_cart', delay: { value: 1, unit: 'day' } },
        { event: 'abandoned_cart', delay: { value: 2, unit: 'hour' } },
        { event: 'newsletter_subscribe', delay: { value: 1, unit: 'day' } },
        { event: 'order_status_change' },
      ],
    });
    expect(await wantedEvents(config, configured, client)).toEqual(
      new Map([
        ['order_confirm', 0],
        ['abandoned_cart', 2 * HOUR],
        ['newsletter_subscribe', 24 * HOUR],
        ['order_status_change', 0],
      ]),
    );
  });

  it("no events configured: the API's enabled subscriptions and their webHookDelay", async () => {
    await scenario.subscribe(['abandoned_cart'], 'json', { delay: 3, delayUnit: 'hour' });
    await scenario.subscribe(['order_confirm'], 'json', { delay: 1, delayUnit: 'day' });
    await scenario.subscribe(['order_confirm'], 'xml');
    const { config, configured, client } = shop({});
    expect(await wantedEvents(config, configured, client)).toEqual(
      new Map([
        ['abandoned_cart', 3 * HOUR],
        ['order_confirm', 0],
      ]),
    );
  });

  it('a configured shop: a webhooks entry with enabled: false is not wanted (nothing is delivered for it)', async () => {
    const { config, configured, client } = shop({
      webhooks: [
        { event: 'order_confirm' },
        { event: 'order_status_change', enabled: false },
        { event: 'abandoned_cart', enabled: false },
        { event: 'abandoned_cart', delay: { value: 2, unit: 'hour' } },
      ],
    });
    // The disabled abandoned_cart entry has no delay: counted, it would shorten the cart's to none.
    expect(await wantedEvents(config, configured, client)).toEqual(
      new Map([
        ['order_confirm', 0],
        ['abandoned_cart', 2 * HOUR],
      ]),
    );
  });

  it("a configured shop: a webhooks entry with another system's url is not wanted, one at this receiver's is", async () => {
    const { config, configured, client } = shop({
      events: ['order_confirm'],
      webhooks: [
        { event: 'order_status_change', url: 'https://erp.example.com/shoprenter/orders' },
        { event: 'order_confirm', url: 'https://erp.example.com/shoprenter/orders' },
        { event: 'abandoned_cart', delay: { value: 1, unit: 'day' } },
        { event: 'abandoned_cart', url: 'https://crm.example.com/carts' },
        {
          event: 'newsletter_subscribe',
          url: `${receiverUrl()}${signDeliveryPath({ shop: SHOP, event: 'newsletter_subscribe' }, SECRET)}`,
          delay: { value: 2, unit: 'hour' },
        },
      ],
    });
    expect(await wantedEvents(config, configured, client)).toEqual(
      new Map([
        ['order_confirm', 0],
        ['abandoned_cart', 24 * HOUR],
        ['newsletter_subscribe', 2 * HOUR],
      ]),
    );
  });

  it("no events configured: the API's subscriptions at another system's URL are not wanted", async () => {
    const { config, configured, client } = shop({});
    // Another system's subscriptions on the same shop (an ERP, a CRM): enabled, some without a delay.
    await client.webhooks.create({ event: 'order_status_change', url: 'https://erp.example.com/orders' });
    await client.webhooks.create({ event: 'abandoned_cart', url: 'https://crm.example.com/carts' });
    await client.webhooks.create({ event: 'newsletter_subscribe', url: 'https://crm.example.com/subs' });
    // This receiver's (the previous test's subscriptions are still on the shop): abandoned_cart after
    // 3 hours, order_confirm at once.
    expect(await wantedEvents(config, configured, client)).toEqual(
      new Map([
        ['abandoned_cart', 3 * HOUR],
        ['order_confirm', 0],
      ]),
    );
    // A receiver without publicUrl (srhooks listen without --public-url) judges by path and token:
    // still only its own, not every enabled subscription of the shop.
    const unknownUrl = shop({}, null);
    expect(await wantedEvents(unknownUrl.config, unknownUrl.configured, unknownUrl.client)).toEqual(
      new Map([
        ['abandoned_cart', 3 * HOUR],
        ['order_confirm', 0],
      ]),
    );
  });
});
