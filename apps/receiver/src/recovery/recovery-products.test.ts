/**
 * A recovered order carries its products as the delivery does (`orderProducts.orderProduct[]`), read
 * from the order's `orderProducts` link (`GET /orderProducts?orderId=`, item fields assumed the
 * delivery's: contracts' A52), only for the orders whose events the pass stores. A failed products read
 * fails the pass — nothing of it is stored, never an order without its products — and the pass is tried
 * again as any failed pass.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, type OrderSearchPage, type ShopRenterClient } from '@srhooks/client';
import { decodeDelivery, type Order, type OrderItem, type OrderProductEntry } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { runRecoveryPass } from './recovery-pass.js';
import { clockInStep } from './test-support/clock-in-step.js';
import {
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

const id = (text: string) => Buffer.from(text).toString('base64');

function order(innerId: string): Order {
  return {
    id: id(`order-order_id=${innerId}`),
    innerId,
    dateCreated: '2026-12-05T10:00:00',
    dateUpdated: '2026-12-05T10:00:00',
    orderStatus: {
      href: `http://demo.api.myshoprenter.hu/orderStatuses/${id('orderStatus-order_status_id=1')}`,
    },
  } as unknown as Order;
}

function product(innerId: string, sku: string): OrderProductEntry {
  const productId = id(`orderProduct-order_product_id=${innerId}`);
  return {
    href: `http://demo.api.myshoprenter.hu/orderProducts/${productId}`,
    id: productId,
    innerId,
    name: `Product ${sku}`,
    sku,
    price: 945,
    currency: 'HUF',
    quantity: 2,
    order: { href: 'http://demo.api.myshoprenter.hu/orders/x' },
  } as OrderProductEntry;
}

const HUF = id('currency-currency_id=4');

/** Orders 7 and 8 changed; the store already has order 7's confirmation (its delivery arrived). */
function shop(
  productsOf: (ids: readonly string[]) => Promise<Map<string, OrderProductEntry[]>>,
  options: { orders?: Order[]; known?: string[]; currency?: (id: string) => Promise<unknown> } = {},
) {
  const asked: string[][] = [];
  const currencies: string[] = [];
  const client = {
    serverClock: clockInStep(),
    orders: {
      search: async (): Promise<OrderSearchPage> =>
        ({
          page: 0,
          items: options.orders ?? [order('7'), order('8')],
          hasNext: false,
        }) as unknown as OrderSearchPage,
      histories: async (ids: readonly string[]) => new Map(ids.map((orderId) => [orderId, []])),
      productsOf: async (ids: readonly string[]) => {
        asked.push([...ids]);
        return productsOf(ids);
      },
      currency: async (currencyId: string) => {
        currencies.push(currencyId);
        if (!options.currency) throw new Error('no currency expected');
        return options.currency(currencyId);
      },
    },
  } as unknown as ShopRenterClient;
  const ingested: { dedupeKey: string; payload: unknown }[] = [];
  const store = {
    knownDedupeKeys: async (_shop: string, _event: string, keys: string[]) =>
      keys.filter((k) => (options.known ?? ['order:7']).includes(k)),
    ingest: async (_delivery: unknown, items: { dedupeKey: string; payload: unknown }[]) => {
      ingested.push(...items);
      return { events: items.map(() => ({})), duplicates: 0 };
    },
  } as unknown as Store;
  return { client, store, asked, ingested, currencies };
}

const request = {
  shop: 'demo',
  since: new Date('2026-12-05T08:00:00Z'),
  until: new Date('2026-12-05T12:00:00Z'),
  dryRun: false,
};
const wanted = new Map([['order_confirm' as const, 0]]);

describe('the products of the orders a pass stores', () => {
  it('are read only for those orders (one batch) and stored as the delivery carries them', async () => {
    const { client, store, asked, ingested } = shop(
      async (ids) => new Map(ids.map((orderId) => [orderId, [product('61', 'A-1'), product('62', 'B-2')]])),
    );
    const report = await runRecoveryPass({ store, client, wanted, handlersFor: () => [] }, request);
    expect(report.recovered).toEqual({ order_confirm: 1 });
    expect(asked).toEqual([[order('8').id]]);
    expect(ingested.map((item) => item.dedupeKey)).toEqual(['order:8']);
    expect((ingested[0]?.payload as OrderItem | undefined)?.orderProducts).toEqual({
      orderProduct: [
        {
          innerId: '61',
          innerResourceId: `orderProducts/${id('orderProduct-order_product_id=61')}`,
          name: 'Product A-1',
          sku: 'A-1',
          price: 945,
          currency: 'HUF',
          quantity: 2,
        },
        expect.objectContaining({ innerId: '62', sku: 'B-2' }),
      ],
    });
  });

  it('are not read by a dry run (it stores nothing: only the reads that decide what it would recover)', async () => {
    const { client, store, asked, ingested, currencies } = shop(
      async (ids) => new Map(ids.map((orderId) => [orderId, [product('61', 'A-1')]])),
      {
        orders: [
          { ...order('8'), currency: { href: `http://demo.api.myshoprenter.hu/currencies/${HUF}` } } as Order,
        ],
        known: [],
      },
    );
    const report = await runRecoveryPass(
      { store, client, wanted, handlersFor: () => [] },
      { ...request, dryRun: true },
    );
    expect(report.recovered).toEqual({ order_confirm: 1 });
    expect(report.events).toEqual([expect.objectContaining({ dedupeKey: 'order:8', outcome: 'new' })]);
    // Before: one products read and one currency read, as a real pass.
    expect(asked).toEqual([]);
    expect(currencies).toEqual([]);
    expect(ingested).toEqual([]);
  });

  it('a failed read fails the pass and stores nothing', async () => {
    const refused = new Error('GET /orderProducts: 503 Service Unavailable');
    const { client, store, ingested } = shop(async () => {
      throw refused;
    });
    await expect(runRecoveryPass({ store, client, wanted, handlersFor: () => [] }, request)).rejects.toBe(
      refused,
    );
    expect(ingested).toEqual([]);
  });
});

describe("the currency code of the orders a pass stores (the order's currency link, A53)", () => {
  const inHuf = (innerId: string) =>
    ({
      ...order(innerId),
      currency: { href: `http://demo.api.myshoprenter.hu/currencies/${HUF}` },
    }) as unknown as Order;
  const refusal = new AuthError('forbidden', 'forbidden', {
    status: 403,
    innerCode: undefined,
    method: 'GET',
    url: `http://demo.api.myshoprenter.hu/currencies/${HUF}`,
    requestBodyExcerpt: undefined,
    serverMessage: undefined,
  });
  const noProducts = async (ids: readonly string[]) => new Map(ids.map((orderId) => [orderId, []]));

  it('is read once per pass and currency, and stored as the order-level currency', async () => {
    const { client, store, ingested, currencies } = shop(noProducts, {
      orders: [inHuf('7'), inHuf('8'), inHuf('9')],
      known: [],
      currency: async (currencyId) => ({ id: currencyId, code: 'HUF' }),
    });
    await runRecoveryPass({ store, client, wanted, handlersFor: () => [] }, request);
    expect(currencies).toEqual([HUF]);
    expect(ingested.map((item) => (item.payload as OrderItem).currency)).toEqual(['HUF', 'HUF', 'HUF']);
  });

  it('a refused read (401/403: its scope is not documented) leaves the code out, with one warn line', async () => {
    const warnings: Record<string, unknown>[] = [];
    const { client, store, ingested, currencies } = shop(noProducts, {
      orders: [inHuf('7'), inHuf('8')],
      known: [],
      currency: async () => {
        throw refusal;
      },
    });
    const logger = { warn: (details: Record<string, unknown>) => void warnings.push(details) };
    const report = await runRecoveryPass({ store, client, wanted, handlersFor: () => [], logger }, request);
    expect(report.recovered).toEqual({ order_confirm: 2 });
    expect(currencies).toEqual([HUF]);
    expect(ingested.map((item) => item.payload)).toEqual([
      expect.not.objectContaining({ currency: expect.anything() }),
      expect.not.objectContaining({ currency: expect.anything() }),
    ]);
    expect(warnings).toEqual([
      { code: 'recovery_currency_unreadable', recovery: { shop: 'demo', currencyId: HUF } },
    ]);
  });

  it('any other failure fails the pass and stores nothing', async () => {
    const down = new Error('503');
    const { client, store, ingested } = shop(noProducts, {
      orders: [inHuf('7')],
      known: [],
      currency: async () => {
        throw down;
      },
    });
    await expect(runRecoveryPass({ store, client, wanted, handlersFor: () => [] }, request)).rejects.toBe(
      down,
    );
    expect(ingested).toEqual([]);
  });
});

/** A proxy in front of the sandbox's API that answers 503 to the batches reading products while `fail`. */
async function productsProxy(target: string): Promise<{ url: string; fail: boolean; server: Server }> {
  const proxy = { url: '', fail: true, server: createServer() };
  proxy.server.on('request', async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (proxy.fail && req.method === 'POST' && body.toString('utf8').includes('orderProducts')) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"Service Unavailable"}');
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([name]) => !['host', 'connection', 'content-length', 'expect'].includes(name),
      ),
    ) as Record<string, string>;
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name))
        out[name] = value;
    });
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  return proxy;
}

describe('over real HTTP against the sandbox', () => {
  let scenario: RecoveryScenario;
  let proxy: Awaited<ReturnType<typeof productsProxy>>;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
    proxy = await productsProxy(scenario.sandbox.url);
  });
  afterAll(async () => {
    await scenario.close();
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  it('a failed products read fails the pass (nothing stored); the pass tried again stores the order with its products', async () => {
    await scenario.subscribe(['order_confirm']);
    const placed = await scenario.sandbox.simulator.placeOrder(SHOP);
    await scenario.sandbox.simulator.waitForIdle();
    const [attempt] = scenario.sandbox.simulator.deliveries(SHOP);
    expect(attempt?.state).toBe('failed');
    const decoded = decodeDelivery({
      event: 'order_confirm',
      contentType: 'application/json',
      body: Buffer.from(attempt?.data ?? ''),
    });
    const delivered = ('orders' in decoded ? decoded.orders[0] : undefined) as OrderItem;
    const lines = (item: OrderItem | undefined) =>
      (item?.orderProducts?.orderProduct ?? []).map((p) => [p.name, p.sku, p.quantity, p.price]);
    expect(lines(delivered).length).toBeGreaterThan(0);

    const apiUrl = scenario.sandbox.apiUrlTemplate
      .replace('{shop}', SHOP)
      .replace(scenario.sandbox.url, proxy.url);
    const app = await scenario.startReceiver(
      { shops: [scenario.shop({ events: ['order_confirm'], handlers: [], apiUrl })] },
      { schedule: true, firstRetryMs: 200 },
    );
    const failed = await waitUntil(
      'a failed pass',
      async () => {
        const state = await app.store.getRecoveryState(SHOP);
        return state?.lastPass?.outcome === 'failed' ? state : null;
      },
      60_000,
    );
    expect(failed.lastPass?.error).toMatch(/503/);
    expect(failed.watermark).toBeNull();
    expect((await app.store.listEvents({ shop: SHOP, limit: 10 })).items).toEqual([]);

    proxy.fail = false;
    const ok = await waitUntil(
      'a pass that succeeds',
      async () => {
        const state = await app.store.getRecoveryState(SHOP);
        return state?.lastPass?.outcome === 'ok' ? state : null;
      },
      60_000,
    );
    expect(ok.watermark).toBeInstanceOf(Date);
    const [event] = (await app.store.listEvents({ shop: SHOP, limit: 10 })).items;
    expect(event).toMatchObject({
      event: 'order_confirm',
      source: 'recovery',
      subjectId: placed.order.innerId,
    });
    const stored = (await app.store.getEvent(event?.id ?? ''))?.payload as OrderItem;
    expect(lines(stored)).toEqual(lines(delivered));
    await scenario.stopReceiver();
  });
});
