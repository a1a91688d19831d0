import { orderIdFor, shopApiDateTime } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingFetch, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox({ rateLimit: false });
});

afterAll(async () => {
  await t.close();
});

describe('reading orders back (order search, histories in batches, subscribers)', () => {
  it('searches with updatedAtMin page after page and reads every history with one batch call per 200 orders', async () => {
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    const placed = [];
    for (let i = 0; i < 5; i++) placed.push((await t.sandbox.simulator.placeOrder('demo')).order);
    await t.sandbox.simulator.changeStatus('demo', placed[1]?.innerId ?? '', '2');
    const counter = countingFetch();
    const client = t.client({ fetch: counter.fetch });
    const pages = [];
    for await (const page of client.orders.iterateSearch({
      updatedAtMin: shopApiDateTime(since),
      limit: 2,
    })) {
      pages.push(page.items.map((o) => o.innerId));
    }
    expect(pages.flat()).toEqual(placed.map((o) => o.innerId));
    expect(pages).toHaveLength(3);
    const before = counter.apiRequests();
    const histories = await client.orders.histories(placed.map((o) => orderIdFor(o.innerId ?? '')));
    expect(counter.apiRequests() - before).toBe(1);
    expect(
      histories.get(orderIdFor(placed[1]?.innerId ?? ''))?.map((h) => h.orderStatus?.href.split('/').at(-1)),
    ).toEqual([
      Buffer.from('orderStatus-order_status_id=1').toString('base64'),
      Buffer.from('orderStatus-order_status_id=2').toString('base64'),
    ]);
    expect(await client.orders.history(`orders/${orderIdFor(placed[0]?.innerId ?? '')}`)).toHaveLength(1);
  });

  it('an empty search yields one empty page; bad search parameters fail before any request', async () => {
    const client = t.client();
    const pages = [];
    for await (const page of client.orders.iterateSearch({ innerIdMin: '999999' })) pages.push(page);
    expect(pages.map((p) => p.items.length)).toEqual([0]);
    await expect(client.orders.search({ updatedAtMin: 'yesterday' })).rejects.toThrow(/updatedAtMin/);
  });

  it('a misspelt search parameter is refused before sending, naming the one meant', async () => {
    const counter = countingFetch();
    const client = t.client({ fetch: counter.fetch });
    await expect(client.orders.search({ updatedAtMn: '2026-01-01T00:00:00' } as never)).rejects.toMatchObject(
      {
        code: 'unknown_key',
        field: 'updatedAtMn',
        message: expect.stringMatching(
          /^updatedAtMn is not a search parameter of GET \/orders; did you mean "updatedAtMin"\? \(it takes: page, limit, full, innerId, /,
        ),
      },
    );
    await expect(client.newsletterSubscribers.all({ mail: 'x@example.com' } as never)).rejects.toMatchObject({
      code: 'unknown_key',
      message: expect.stringMatching(
        /^mail is not a search parameter of GET \/newsletterSubscribers; did you mean "email"\?/,
      ),
    });
    expect(counter.apiRequests() + counter.tokenRequests()).toBe(0);
  });

  it('lists newsletter subscribers with filters', async () => {
    await t.sandbox.simulator.subscribe('demo', { subscriber: { email: 'x@example.com' } });
    const client = t.client();
    const found = await client.newsletterSubscribers.all({ email: 'x@example.com' });
    expect(found.map((s) => [s.email, s.status])).toEqual([['x@example.com', '1']]);
  });
});

describe('a token without the documented scope of a recovery read (fixtures/shoprenter/api/scopes.json)', () => {
  let s: TestSandbox;
  const WEBHOOKS_ONLY = {
    clientId: 'webhooks-only',
    clientSecret: 'webhooks-only-secret',
    scopes: ['store.webhook:read', 'store.webhook:write'],
  };
  beforeAll(async () => {
    s = await startTestSandbox({ rateLimit: false, shops: [{ name: 'demo', clients: [WEBHOOKS_ONLY] }] });
  });
  afterAll(async () => {
    await s.close();
  });

  it('names the scope it lacks for GET /orderHistories and GET /newsletterSubscribers', async () => {
    const client = s.client({
      auth: { clientId: WEBHOOKS_ONLY.clientId, clientSecret: WEBHOOKS_ONLY.clientSecret },
    });
    const histories = await client.orders.history(`orders/${orderIdFor('1')}`).catch((e: unknown) => e);
    expect((histories as Error).message).toMatch(/^client lacks scope order\.order:read: /);
    const subscribers = await client.newsletterSubscribers.all({ status: 1 }).catch((e: unknown) => e);
    expect((subscribers as Error).message).toMatch(/^client lacks scope newsletter\.subscriber:read: /);
  });
});
