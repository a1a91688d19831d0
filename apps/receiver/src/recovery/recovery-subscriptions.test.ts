/**
 * Which of the shop's subscriptions recovery counts, over real HTTP against the sandbox: only those
 * whose URL this receiver would accept — its own `/hooks/{shop}/{event}/{token}` path with a token
 * valid under one of its current secrets, and, when its public base URL is known, under that base.
 * A subscription at another system's URL, or at this receiver's URL signed with a secret since
 * removed (its deliveries are refused 404 as forged), brings this receiver nothing it could have
 * missed: recovery neither stores nor reads anything for it. A receiver without `publicUrl` (as
 * `srhooks listen` without `--public-url` embeds it) judges by path and token only.
 */
import { signDeliveryPath, type WebhookEvent } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiverConfigSchema } from '../config/config-schema.js';
import { ShopClients } from '../processing/shop-clients.js';
import type { RecoveryReport } from './recovery-pass.js';
import {
  ADMIN_TOKEN,
  freePort,
  type RecoveryScenario,
  SECRET,
  SHOP,
  startRecoveryScenario,
} from './test-support/recovery-scenario.js';

/** The secret the receiver used before it was rotated out of its `secrets`. */
const REMOVED_SECRET = 'rotated-out-secret-0123456789abcdef';

describe('the subscriptions recovery counts', () => {
  let scenario: RecoveryScenario;
  /** Another system on this machine (an ERP, a CRM): nothing listens there, its deliveries fail. */
  let elsewhere = '';
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
    elsewhere = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await scenario.close();
  });

  const receiverBase = () => `http://127.0.0.1:${scenario.port}`;
  const signed = (event: WebhookEvent, secret: string, base = receiverBase()) =>
    `${base}${signDeliveryPath({ shop: SHOP, event }, secret)}`;

  async function subscribe(event: WebhookEvent, url: string): Promise<void> {
    const { shops } = ReceiverConfigSchema.parse({
      secrets: [SECRET],
      shops: [scenario.shop({ handlers: [] })],
    });
    await new ShopClients(shops).clientFor(SHOP).webhooks.create({ event, url });
  }

  /** `POST /admin/api/recover` (what `srhooks recover --dry-run` calls) on a receiver started with `publicUrl`. */
  async function dryRun(publicUrl: string | undefined): Promise<RecoveryReport> {
    await scenario.startReceiver(
      { publicUrl, shops: [scenario.shop({ events: [], handlers: [] })] },
      { schedule: false },
    );
    try {
      const res = await fetch(`${receiverBase()}/admin/api/recover`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ shop: SHOP, since: '1h', dryRun: true }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { report: RecoveryReport }).report;
    } finally {
      await scenario.stopReceiver();
    }
  }

  const eventsOf = (report: RecoveryReport) => [...new Set(report.events.map((e) => e.event))].sort();

  it("another system's URL and a URL signed with a removed secret do not count, with or without publicUrl", async () => {
    await subscribe('order_confirm', signed('order_confirm', SECRET));
    await subscribe('order_status_change', `${elsewhere}/erp/orders`);
    await subscribe('abandoned_cart', signed('abandoned_cart', REMOVED_SECRET));
    await subscribe('newsletter_subscribe', `${elsewhere}/crm/subscribers`);
    // While the receiver is down: every one of these events happens once.
    const sim = scenario.sandbox.simulator;
    const { order } = await sim.placeOrder(SHOP);
    await sim.changeStatus(SHOP, order.innerId ?? '', '3');
    await sim.abandonCart(SHOP);
    await sim.subscribe(SHOP);
    await sim.waitForIdle();

    for (const publicUrl of [undefined, receiverBase()]) {
      const report = await dryRun(publicUrl);
      expect(eventsOf(report)).toEqual(['order_confirm']);
      expect(report.recovered).toEqual({ order_confirm: 1 });
      // newsletter_subscribe is not wanted: its subscribers are not even read
      expect(report.subscribersRead).toBe(0);
    }
  });

  it('this path and a current token under another base: counted without publicUrl (path and token only), not with it', async () => {
    await subscribe('order_status_change', signed('order_status_change', SECRET, `${elsewhere}/proxy`));
    expect(eventsOf(await dryRun(undefined))).toEqual(['order_confirm', 'order_status_change']);
    expect(eventsOf(await dryRun(receiverBase()))).toEqual(['order_confirm']);
  });
});
