/**
 * Reconcile against the sandbox (an emulated ShopRenter shop): the configured events end up
 * subscribed with this receiver's signed URLs, only our own stale subscriptions are removed,
 * a second run changes nothing, and the sandbox's real-format deliveries are then stored.
 */
import { createShopRenterClient } from '@srhooks/client';
import { signDeliveryUrl } from '@srhooks/contracts';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReceiverConfig } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
import {
  OLD_SECRET,
  startTestReceiver,
  TEST_SECRET,
  type TestReceiver,
} from '../test-support/test-receiver.js';
import { desiredSubscriptions, reconcileShops } from './reconcile-shops.js';

const PUBLIC_URL = 'https://hooks.example.com/srhooks';

function captureLogger(): { logger: FastifyBaseLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger: logger as FastifyBaseLogger, lines };
}

describe('reconcileShops', () => {
  let sandbox: RunningSandbox;
  let config: ReceiverConfig;

  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: false });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  function shopClient() {
    return createShopRenterClient({
      shop: 'demo',
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: sandbox.apiUrlTemplate,
      tokenUrl: sandbox.tokenUrlTemplate,
      rateLimit: false,
    });
  }

  function configFor(publicUrl: string, overrides: { clientSecret?: string } = {}): ReceiverConfig {
    return defineReceiverConfig({
      secrets: [TEST_SECRET, OLD_SECRET],
      publicUrl,
      shops: [
        {
          name: 'demo',
          events: ['order_confirm', 'newsletter_subscribe'],
          reconcile: true,
          clientId: DEMO_CLIENT.clientId,
          clientSecret: overrides.clientSecret ?? DEMO_CLIENT.clientSecret,
          apiUrl: sandbox.apiUrlTemplate.replace('{shop}', 'demo'),
          tokenUrl: sandbox.tokenUrlTemplate.replace('{shop}', 'demo'),
        },
        { name: 'other-shop', events: ['order_confirm'] },
      ],
    });
  }

  beforeEach(async () => {
    const client = shopClient();
    for (const webhook of await client.webhooks.all()) await client.webhooks.delete(webhook.id);
    config = configFor(PUBLIC_URL);
  });

  it('adds the shop’s webhooks with their own settings; an omitted url is the signed one', () => {
    const withWebhooks = defineReceiverConfig({
      secrets: [TEST_SECRET],
      publicUrl: PUBLIC_URL,
      shops: [
        {
          name: 'demo',
          events: ['newsletter_subscribe'],
          webhooks: [
            {
              event: 'order_confirm',
              type: 'xml',
              fields: ['order_innerId'],
              delay: { value: 2, unit: 'hour' },
            },
            { event: 'abandoned_cart', url: 'https://crm.example.com/carts', label: 'crm', enabled: false },
          ],
        },
      ],
    });
    expect(
      desiredSubscriptions(withWebhooks, withWebhooks.shops[0] as ReceiverConfig['shops'][number]),
    ).toEqual([
      {
        event: 'order_confirm',
        url: signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'order_confirm' }, TEST_SECRET),
        type: 'xml',
        fields: ['order_innerId'],
        delay: { value: 2, unit: 'hour' },
        label: 'srhooks order_confirm',
        enabled: true,
      },
      {
        event: 'abandoned_cart',
        url: 'https://crm.example.com/carts',
        type: 'json',
        label: 'crm',
        enabled: false,
      },
      {
        event: 'newsletter_subscribe',
        url: signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'newsletter_subscribe' }, TEST_SECRET),
        type: 'json',
        label: 'srhooks newsletter_subscribe',
        enabled: true,
      },
    ]);
  });

  it('wants one JSON subscription per configured event at the newest secret’s signed URL', () => {
    expect(desiredSubscriptions(config, config.shops[0] as ReceiverConfig['shops'][number])).toEqual([
      {
        event: 'order_confirm',
        url: signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'order_confirm' }, TEST_SECRET),
        type: 'json',
        label: 'srhooks order_confirm',
        enabled: true,
      },
      {
        event: 'newsletter_subscribe',
        url: signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'newsletter_subscribe' }, TEST_SECRET),
        type: 'json',
        label: 'srhooks newsletter_subscribe',
        enabled: true,
      },
    ]);
  });

  it('creates the missing subscriptions, removes only our stale ones, and is idempotent', async () => {
    const client = shopClient();
    const foreign = await client.webhooks.create({
      event: 'order_confirm',
      url: 'https://erp.example.com/shoprenter',
    });
    await client.webhooks.create({
      event: 'order_confirm',
      url: signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'order_confirm' }, OLD_SECRET),
    });
    await client.webhooks.create({
      event: 'abandoned_cart',
      url: signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'abandoned_cart' }, TEST_SECRET),
    });

    const { logger, lines } = captureLogger();
    const first = await reconcileShops(config, { logger });
    expect(first).toEqual([
      {
        shop: 'demo',
        ok: true,
        summary: { created: 2, updated: 0, deleted: 2, unchanged: 0, kept: 0, failed: 0 },
      },
    ]);
    const after = await client.webhooks.all();
    expect(
      after.map((webhook) => [webhook.event, webhook.webHookParameters[0]?.url, webhook.enabled]).sort(),
    ).toEqual(
      [
        [
          'newsletter_subscribe',
          signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'newsletter_subscribe' }, TEST_SECRET),
          true,
        ],
        ['order_confirm', 'https://erp.example.com/shoprenter', true],
        [
          'order_confirm',
          signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'order_confirm' }, TEST_SECRET),
          true,
        ],
      ].sort(),
    );
    expect(after.some((webhook) => webhook.id === foreign.id)).toBe(true);
    expect(lines.find((line) => line.msg === 'subscriptions reconciled')).toMatchObject({
      level: 30,
      shop: 'demo',
    });

    const second = await reconcileShops(config, { logger });
    expect(second[0]?.summary).toEqual({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 2,
      kept: 0,
      failed: 0,
    });
  });

  it('knows its own subscriptions however publicUrl is spelt (host case, default port): the stale one is removed', async () => {
    const spelt = defineReceiverConfig({ ...config, publicUrl: 'https://HOOKS.Example.com:443/srhooks/' });
    const client = shopClient();
    // registered by an earlier run, before the secret was rotated: the URL as signDeliveryUrl wrote it
    await client.webhooks.create({
      event: 'order_confirm',
      url: signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event: 'order_confirm' }, OLD_SECRET),
    });
    const { logger } = captureLogger();
    const first = await reconcileShops(spelt, { logger });
    expect(first[0]?.summary).toEqual({
      created: 2,
      updated: 0,
      deleted: 1,
      unchanged: 0,
      kept: 0,
      failed: 0,
    });
    const after = await client.webhooks.all();
    expect(after.map((webhook) => webhook.webHookParameters[0]?.url).sort()).toEqual(
      (['newsletter_subscribe', 'order_confirm'] as const)
        .map((event) => signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event }, TEST_SECRET))
        .sort(),
    );
  });

  it('a configured webhook with its own url (another service) is created once, not again at every start', async () => {
    const withCrm = defineReceiverConfig({
      ...config,
      shops: [
        {
          ...(config.shops[0] as ReceiverConfig['shops'][number]),
          events: [],
          webhooks: [{ event: 'newsletter_subscribe', url: 'https://crm.example.com/hook', label: 'crm' }],
        },
      ],
    });
    const client = shopClient();
    const other = await client.webhooks.create({
      event: 'order_confirm',
      url: 'https://crm.example.com/hook',
    });
    const { logger } = captureLogger();
    const first = await reconcileShops(withCrm, { logger });
    expect(first[0]?.summary).toMatchObject({ created: 1, deleted: 0 });
    const second = await reconcileShops(withCrm, { logger });
    expect(second[0]?.summary).toEqual({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 1,
      kept: 0,
      failed: 0,
    });
    const after = await client.webhooks.all();
    expect(after.map((webhook) => `${webhook.event} ${webhook.webHookParameters[0]?.url}`).sort()).toEqual([
      'newsletter_subscribe https://crm.example.com/hook',
      'order_confirm https://crm.example.com/hook',
    ]);
    expect(after.some((webhook) => webhook.id === other.id)).toBe(true);
  });

  it('warns once per configured webhook whose fields leave out what the dedupe key reads, naming entry, event and fields', async () => {
    const withFields = defineReceiverConfig({
      ...config,
      shops: [
        {
          ...(config.shops[0] as ReceiverConfig['shops'][number]),
          events: [],
          webhooks: [
            { event: 'order_confirm', fields: ['order_innerId', 'order_total'] },
            { event: 'order_status_change', fields: ['order_innerId', 'orderHistory_status'] },
            { event: 'newsletter_subscribe', fields: ['subscriber_email'] },
            { event: 'abandoned_cart' },
          ],
        },
        { name: 'other-shop', events: ['order_confirm'] },
      ],
    });
    const { logger, lines } = captureLogger();
    const results = await reconcileShops(withFields, { logger });
    expect(results[0]).toMatchObject({ ok: true });
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({
      shop: 'demo',
      webhook: 'shops[0].webhooks[1]',
      event: 'order_status_change',
      missingFields: ['orderHistory_dateAdded'],
      code: 'dedupe_fields_missing',
      msg: 'shop "demo" shops[0].webhooks[1] (order_status_change): the selected fields leave out orderHistory_dateAdded: the receiver cannot tell two changes of an order to the same status apart, so it records the later one as a duplicate and its handlers never run; add orderHistory_dateAdded to the fields (or select no fields: the shop\'s default set has them)',
    });
    expect(warnings[1]).toMatchObject({
      webhook: 'shops[0].webhooks[2]',
      event: 'newsletter_subscribe',
      missingFields: ['subscriber_id'],
      msg: expect.stringContaining('add subscriber_id to the fields'),
    });
    // no URL (a signed one carries its signature)
    expect(JSON.stringify(warnings)).not.toMatch(/https?:/);
  });

  it('reports a shop it cannot reach without throwing', async () => {
    const { logger, lines } = captureLogger();
    const results = await reconcileShops(configFor(PUBLIC_URL, { clientSecret: 'wrong-secret' }), { logger });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ shop: 'demo', ok: false, error: expect.any(String) });
    expect(lines.find((line) => line.level === 50)).toMatchObject({
      shop: 'demo',
      msg: expect.stringMatching(/not reconciled/),
    });
    expect(await shopClient().webhooks.all()).toEqual([]);
  });

  describe('end to end with a receiver', () => {
    let receiver: TestReceiver;
    beforeAll(async () => {
      receiver = await startTestReceiver();
    });
    afterAll(async () => {
      await receiver.close();
    });

    it('after reconcile, the sandbox’s deliveries reach the receiver and are stored', async () => {
      const results = await reconcileShops(configFor(receiver.baseUrl), { logger: captureLogger().logger });
      expect(results[0]?.ok).toBe(true);

      const placed = await sandbox.simulator.placeOrder('demo');
      const subscribed = await sandbox.simulator.subscribe('demo');
      await sandbox.simulator.waitForIdle();
      const attempts = sandbox.simulator.deliveries('demo');
      const states = attempts.map((attempt) => [attempt.event, attempt.state, attempt.status]);
      expect(states).toEqual(
        expect.arrayContaining([
          ['order_confirm', 'delivered', 200],
          ['newsletter_subscribe', 'delivered', 200],
        ]),
      );

      const events = await receiver.app.store.listEvents({ shop: 'demo' });
      const subjects = events.items.map((event) => [event.event, event.subjectId]);
      expect(subjects).toEqual(
        expect.arrayContaining([
          ['order_confirm', String(placed.order.innerId)],
          ['newsletter_subscribe', String(subscribed.subscriber.id)],
        ]),
      );
    });
  });
});

describe('reconcileShops with a legacy API user (Basic auth)', () => {
  const API_USER = { username: 'reconcile-api-user', password: 'reconcile-api-password' };
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      logger: false,
      rateLimit: false,
      shops: [{ name: 'legacy', clients: [], basicAuth: API_USER }],
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('subscribes the configured events with the shop’s username and password', async () => {
    const apiUrl = sandbox.legacyApiUrlTemplate.replace('{shop}', 'legacy');
    const config = defineReceiverConfig({
      secrets: [TEST_SECRET],
      publicUrl: PUBLIC_URL,
      shops: [{ name: 'legacy', events: ['order_confirm'], reconcile: true, ...API_USER, apiUrl }],
    });
    const { logger } = captureLogger();
    expect(await reconcileShops(config, { logger })).toEqual([
      {
        shop: 'legacy',
        ok: true,
        summary: { created: 1, updated: 0, deleted: 0, unchanged: 0, kept: 0, failed: 0 },
      },
    ]);
    const client = createShopRenterClient({ shop: 'legacy', auth: API_USER, apiUrl, rateLimit: false });
    expect((await client.webhooks.all()).map((webhook) => webhook.webHookParameters[0]?.url)).toEqual([
      signDeliveryUrl(PUBLIC_URL, { shop: 'legacy', event: 'order_confirm' }, TEST_SECRET),
    ]);
  });
});
