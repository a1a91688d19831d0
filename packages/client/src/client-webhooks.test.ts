import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopRenterClient } from './client.js';
import { AuthError, InputError, NotFoundError, ValidationError } from './errors.js';
import type { Fetch } from './middleware/types.js';
import { applySync } from './sync/apply-sync.js';
import { planSync } from './sync/plan-sync.js';
import { countingFetch, receiverUrl, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

const READ_ONLY = {
  clientId: 'read-only-client',
  clientSecret: 'read-only-secret-1234',
  scopes: ['store.webhook:read'],
};
const BASIC = { username: 'apiuser', password: 'api-password-123' };

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox({
    rateLimit: false,
    shops: [
      {
        name: 'demo',
        clients: [
          {
            clientId: 'sandbox-demo-client',
            clientSecret: 'sandbox-demo-secret',
            scopes: ['store.webhook:read', 'store.webhook:write', 'order.order:read'],
          },
          READ_ONLY,
        ],
        basicAuth: BASIC,
      },
      {
        name: 'paging',
        clients: [
          {
            clientId: 'paging-client',
            clientSecret: 'paging-secret-12345',
            scopes: ['store.webhook:read', 'store.webhook:write'],
          },
        ],
      },
      {
        name: 'cleanup',
        clients: [
          {
            clientId: 'cleanup-client',
            clientSecret: 'cleanup-secret-12345',
            scopes: ['store.webhook:read', 'store.webhook:write'],
          },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await t.close();
});

describe('webhooks against the sandbox', () => {
  it('create → get → update → disable → enable → delete, normalised every time', async () => {
    const client = t.client({ rateLimit: false });
    const created = await client.webhooks.create({
      event: 'order_status_change',
      url: receiverUrl('crud', 'order_status_change'),
      fields: ['order_innerId', 'orderHistory_status'],
      delay: { value: 2, unit: 'hour' },
      label: 'crud test',
    });
    expect(created).toMatchObject({
      event: 'order_status_change',
      label: 'crud test',
      status: '1',
      enabled: true,
      webHookParameters: [
        {
          type: 'json',
          url: receiverUrl('crud', 'order_status_change'),
          fields: ['order_innerId', 'orderHistory_status'],
        },
      ],
      webHookDelay: [{ delay: 2, delayUnit: 'hour' }],
    });
    expect(await client.webhooks.get(created.id)).toEqual(created);

    const updated = await client.webhooks.update(created.id, {
      event: 'order_status_change',
      url: receiverUrl('crud-2', 'order_status_change'),
      type: 'xml',
    });
    expect(updated.id).toBe(created.id);
    expect(updated.webHookParameters).toEqual([
      { type: 'xml', url: receiverUrl('crud-2', 'order_status_change') },
    ]);
    expect(updated.webHookDelay).toEqual([]);

    expect((await client.webhooks.disable(created.id)).enabled).toBe(false);
    expect((await client.webhooks.get(created.id)).status).toBe('0');
    expect((await client.webhooks.enable(created.id)).enabled).toBe(true);

    await client.webhooks.delete(created.id);
    await expect(client.webhooks.get(created.id)).rejects.toBeInstanceOf(NotFoundError);
    const again = await client.webhooks.delete(created.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(NotFoundError);
    expect((again as NotFoundError).innerCode).toBe(40401);
    expect((again as NotFoundError).status).toBe(404);
  });

  it('normalises both response shapes: the create answer (arrays) and GET one (single objects)', async () => {
    const client = t.client({ rateLimit: false });
    const token = (await client.getToken()).accessToken;
    const headers = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'content-type': 'application/json',
    };
    const body = {
      event: 'order_confirm',
      status: '1',
      label: 'shapes',
      webHookParameters: [{ type: 'json', url: receiverUrl('shapes') }],
      webHookDelay: [{ delay: '1', delayUnit: 'day' }],
    };
    const rawCreate = (await (
      await fetch(`${client.apiUrl}/webHooks`, { method: 'POST', headers, body: JSON.stringify(body) })
    ).json()) as Record<string, unknown>;
    const rawGet = (await (
      await fetch(`${client.apiUrl}/webHooks/${rawCreate.id}`, { headers })
    ).json()) as Record<string, unknown>;
    expect(Array.isArray(rawCreate.webHookParameters)).toBe(true);
    expect(Array.isArray(rawGet.webHookParameters)).toBe(false);
    expect(Array.isArray(rawGet.webHookDelay)).toBe(false);

    const viaClient = await client.webhooks.get(String(rawCreate.id));
    expect(viaClient.webHookParameters).toEqual([{ type: 'json', url: receiverUrl('shapes') }]);
    expect(viaClient.webHookDelay).toEqual([{ delay: 1, delayUnit: 'day' }]);
    await client.webhooks.delete(viaClient.id);
  });

  it('pages across 3 pages (links and full=1) and iterates over all of them', async () => {
    const client = t.client({
      shop: 'paging',
      auth: { clientId: 'paging-client', clientSecret: 'paging-secret-12345' },
      rateLimit: false,
    });
    const results = await client.batch(
      Array.from({ length: 5 }, (_, i) => ({
        method: 'POST' as const,
        uri: 'webHooks',
        data: {
          event: 'order_confirm',
          status: '1',
          label: `page ${i}`,
          webHookParameters: [{ type: 'json', url: receiverUrl(`page-${i}`) }],
        },
      })),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);

    const pages = [
      await client.webhooks.list({ page: 0, limit: 2 }),
      await client.webhooks.list({ page: 1, limit: 2 }),
      await client.webhooks.list({ page: 2, limit: 2 }),
    ];
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => [p.page, p.lastPage, p.hasNext])).toEqual([
      [0, 2, true],
      [1, 2, true],
      [2, 2, false],
    ]);
    const linkIds = pages.flatMap((p) => p.items.map((item) => item.id));
    expect(new Set(linkIds).size).toBe(5);
    expect(pages[0]?.items[0]?.href).toBe(`${client.apiUrl}/webHooks/${linkIds[0]}`);

    const full = await client.webhooks.list({ page: 1, limit: 2, full: true });
    expect(full.items.map((w) => w.label)).toEqual(['page 2', 'page 3']);
    expect(full.items.map((w) => w.id)).toEqual(linkIds.slice(2, 4));

    const seen: string[] = [];
    for await (const webhook of client.webhooks.iterate({ limit: 2 })) seen.push(webhook.label);
    expect(seen).toEqual(['page 0', 'page 1', 'page 2', 'page 3', 'page 4']);

    const beyond = await client.webhooks.list({ page: 3, limit: 2 }).catch((e: unknown) => e);
    expect(beyond).toBeInstanceOf(ValidationError);
    expect((beyond as ValidationError).innerCode).toBe(40008);
  });

  it('iterate() yields every subscription even when the loop deletes them as it goes (offset pages shift)', async () => {
    const client = t.client({
      shop: 'cleanup',
      auth: { clientId: 'cleanup-client', clientSecret: 'cleanup-secret-12345' },
      rateLimit: false,
    });
    const created = await client.sync(
      Array.from({ length: 11 }, (_, i) => ({
        event: 'order_confirm' as const,
        url: receiverUrl(`cleanup-${i}`),
      })),
    );
    expect(created.summary.created).toBe(11);
    // The everyday clean-up loop. Page 1 (offset 5) read after the first five were deleted would start at
    // what was the 11th: the 6th to 10th were never yielded, and stayed subscribed.
    const seen: string[] = [];
    for await (const webhook of client.webhooks.iterate({ limit: 5 })) {
      seen.push(webhook.id);
      await client.webhooks.delete(webhook.id);
    }
    expect(seen).toHaveLength(11);
    expect(new Set(seen).size).toBe(11);
    expect(await client.webhooks.all()).toEqual([]);
  });

  it('reads XML answers when a server ignores Accept: application/json', async () => {
    const contentTypes: string[] = [];
    const dropAccept: Fetch = async (request) => {
      const headers = new Headers(request.headers);
      headers.delete('accept');
      const response = await fetch(new Request(request, { headers }));
      if (!request.url.endsWith('/app/token')) contentTypes.push(response.headers.get('content-type') ?? '');
      return response;
    };
    const client = t.client({ rateLimit: false, fetch: dropAccept });
    const created = await client.webhooks.create({
      event: 'abandoned_cart',
      url: receiverUrl('xml', 'abandoned_cart'),
      fields: ['order_innerId', 'order_email'],
    });
    expect(created.webHookParameters[0]?.fields).toEqual(['order_innerId', 'order_email']);
    const one = await client.webhooks.get(created.id);
    expect(one).toEqual(created);
    const page = await client.webhooks.list({ limit: 200, full: true });
    expect(page.items.find((w) => w.id === created.id)).toEqual(created);
    const links = await client.webhooks.list({ limit: 200 });
    expect(links.items.map((l) => l.id)).toContain(created.id);
    const missing = await client.webhooks
      .get('d2ViSG9vay1ub3RpZmljYXRpb25faWQ9OTk5OTk=')
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).innerCode).toBe(40401);
    await client.webhooks.delete(created.id);
    expect(contentTypes.length).toBe(6);
    expect(contentTypes.filter((type) => type.includes('xml')).length).toBe(5);
  });

  it('fetches an order by the innerResourceId of a delivery', async () => {
    const client = t.client({ rateLimit: false });
    const { order } = await t.sandbox.simulator.placeOrder('demo');
    const byPath = await client.orders.get(String(order.innerResourceId));
    expect(byPath.innerId).toBe(String(order.innerId));
    const id = String(order.innerResourceId).split('/')[1] ?? '';
    expect((await client.orders.get(id)).id).toBe(byPath.id);
    await expect(client.orders.get('orders/b3JkZXItb3JkZXJfaWQ9OTk5OTk5')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('setEnabled says whether anything changed: one GET when the status already matches, GET and PUT when not', async () => {
    const client = t.client({ rateLimit: false });
    const counter = countingFetch();
    const counted = t.client({ rateLimit: false, fetch: counter.fetch });
    const created = await client.webhooks.create({ event: 'order_confirm', url: receiverUrl('set-enabled') });

    const same = await counted.webhooks.setEnabled(created.id, true);
    expect(same).toMatchObject({ changed: false, webhook: { id: created.id, enabled: true } });
    expect(counter.apiRequests()).toBe(1);

    const off = await counted.webhooks.setEnabled(created.id, false);
    expect(off).toMatchObject({ changed: true, webhook: { id: created.id, enabled: false } });
    expect(counter.apiRequests()).toBe(3);
    expect((await client.webhooks.get(created.id)).enabled).toBe(false);

    expect(await counted.webhooks.disable(created.id)).toMatchObject({ enabled: false });
    expect(counter.apiRequests()).toBe(4);
    await client.webhooks.delete(created.id);
  });

  it('batch reports inner failures although the outer call answered 200, and chunks large lists', async () => {
    const client = t.client({ rateLimit: false });
    const counter = countingFetch();
    const counted = t.client({ rateLimit: false, fetch: counter.fetch });
    const created = await client.webhooks.create({ event: 'order_confirm', url: receiverUrl('batch') });
    const results = await counted.batch(
      [
        { method: 'GET', uri: `webHooks/${created.id}` },
        { method: 'DELETE', uri: 'webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9OTk5OTk=' },
        { method: 'POST', uri: 'webHooks', data: { event: 'order_confirm' } },
        { method: 'GET', uri: `${client.apiUrl}/webHooks/${created.id}` },
      ],
      { chunkSize: 3 },
    );
    expect(counter.apiRequests()).toBe(2);
    expect(results.map((r) => [r.index, r.status, r.ok])).toEqual([
      [0, 200, true],
      [1, 404, false],
      [2, 400, false],
      [3, 200, true],
    ]);
    expect(results[1]?.error).toBeInstanceOf(NotFoundError);
    expect(results[2]?.error).toBeInstanceOf(ValidationError);
    expect(results[2]?.error?.innerCode).toBe(40003);
    expect((results[0]?.body as { id?: string } | undefined)?.id).toBe(created.id);
    await expect(
      counted.batch([{ method: 'GET', uri: 'https://elsewhere.example/api/webHooks' }]),
    ).rejects.toThrow(/not under this client's API base/);
    expect(await counted.batch([])).toEqual([]);
    await client.webhooks.delete(created.id);
  });

  it('validates input before sending anything', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch });
    await expect(
      client.webhooks.create({ event: 'order_paid' as never, url: receiverUrl('x') }),
    ).rejects.toThrow(/allowed: order_confirm, order_status_change, abandoned_cart, newsletter_subscribe/);
    await expect(
      client.webhooks.create({ event: 'order_confirm', url: 'http://hooks.example.com/x' }),
    ).rejects.toBeInstanceOf(InputError);
    await expect(client.webhooks.list({ limit: 500 })).rejects.toThrow(
      /limit must be a whole number from 1 to 200/,
    );
    await expect(client.webhooks.get('')).rejects.toThrow(/id is required/);
    expect(counter.apiRequests() + counter.tokenRequests()).toBe(0);
  });

  it('refuses a webHookDelay the sandbox would refuse (the contracts’ one rule, A24) before sending it', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch });
    const tooLong = {
      event: 'order_confirm' as const,
      url: receiverUrl('delay'),
      delay: { value: 36_501, unit: 'day' as const },
    };
    await expect(client.webhooks.create(tooLong)).rejects.toMatchObject({
      name: 'InputError',
      code: 'invalid_input',
      field: 'input.delay',
      message:
        'input.delay: 36501 day is too long; the delays of a webHook add up to at most 36500 days (876000 hours)',
    });
    expect(counter.apiRequests()).toBe(0);
    // The longest it takes is created, and read back as sent.
    const longest = await client.webhooks.create({ ...tooLong, delay: { value: 36_500, unit: 'day' } });
    expect(longest.webHookDelay).toEqual([{ delay: 36_500, delayUnit: 'day' }]);
    await client.webhooks.delete(longest.id);
  });

  it('refuses a misspelt property before sending: the shop would ignore it without a word', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch });
    // `field` for `fields`: the subscription would deliver the shop's whole default set (names, addresses).
    await expect(
      client.webhooks.create({
        event: 'order_confirm',
        url: receiverUrl('typo'),
        field: ['order_innerId'],
      } as never),
    ).rejects.toMatchObject({ code: 'unknown_key', field: 'input.field' });
    await expect(
      client.webhooks.create({
        event: 'order_confirm',
        status: '1',
        label: 'typo',
        webHookParameters: [{ type: 'json', url: receiverUrl('typo') }],
        webhookDelay: [{ delay: '2', delayUnit: 'hour' }],
      } as never),
    ).rejects.toThrow(
      /^input\.webhookDelay is not a property of a webHooks body; did you mean "webHookDelay"\?/,
    );
    await expect(
      client.sync([{ event: 'order_confirm', url: receiverUrl('typo'), enable: false } as never], {
        dryRun: true,
      }),
    ).rejects.toMatchObject({ code: 'unknown_key', field: 'desired[0].enable' });
    expect(counter.apiRequests() + counter.tokenRequests()).toBe(0);
  });

  it('a misspelt call option is refused, not ignored: sync(…, {dryrun: true}) made the changes', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch });
    const spec = { event: 'order_confirm' as const, url: receiverUrl('dry-run-typo') };
    await expect(client.sync([spec], { dryrun: true } as never)).rejects.toMatchObject({
      code: 'unknown_key',
      field: 'options.dryrun',
      message: expect.stringMatching(
        /^options\.dryrun is not an option of sync\(\); did you mean "dryRun"\? \(the options: prune, dryRun, onStep\)\. Left in, it would be ignored: a misspelt dryRun would make the changes/,
      ),
    });
    await expect(applySync(planSync([spec], []), { client, dryrun: true } as never)).rejects.toMatchObject({
      code: 'unknown_key',
      field: 'options.dryrun',
    });
    await expect(client.webhooks.list({ pages: 1 } as never)).rejects.toMatchObject({
      code: 'unknown_key',
      message: expect.stringMatching(/did you mean "page"\?/),
    });
    await expect(client.batch([], { chunksize: 5 } as never)).rejects.toMatchObject({ code: 'unknown_key' });
    expect(counter.apiRequests() + counter.tokenRequests()).toBe(0);
    expect((await client.webhooks.all()).filter((w) => w.webHookParameters[0]?.url === spec.url)).toEqual([]);
  });

  it('sync checks the desired list before it reads the shop: a bad entry costs no request', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch });
    const tooLong = {
      event: 'order_confirm' as const,
      url: receiverUrl('delay'),
      delay: { value: 40_000, unit: 'day' as const },
    };
    await expect(client.sync([tooLong], { dryRun: true })).rejects.toThrow(
      /^desired\[0\]\.delay: 40000 day is too long/,
    );
    await expect(
      client.sync([
        { event: 'order_confirm', url: receiverUrl('a') },
        { event: 'order_confirm', url: receiverUrl('a') },
      ]),
    ).rejects.toMatchObject({ code: 'duplicate_subscription' });
    expect(counter.apiRequests() + counter.tokenRequests()).toBe(0);
  });

  it('reports a missing scope with what to do', async () => {
    const client = t.client({
      auth: { clientId: READ_ONLY.clientId, clientSecret: READ_ONLY.clientSecret },
      rateLimit: false,
    });
    expect((await client.getToken()).scopes).toEqual(['store.webhook:read']);
    expect((await client.webhooks.list()).page).toBe(0);
    const error = await client.webhooks
      .create({ event: 'order_confirm', url: receiverUrl('scope') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('forbidden');
    expect((error as AuthError).message).toMatch(
      /^client lacks scope store\.webhook:write: grant it in Settings > API Settings/,
    );
  });

  it('works with legacy Basic auth on the legacy API base and does not retry a wrong password', async () => {
    const legacy = t.sandbox.legacyApiUrlTemplate;
    const client = t.client({ auth: BASIC, apiUrl: legacy, rateLimit: false });
    expect(Array.isArray((await client.webhooks.list()).items)).toBe(true);
    await expect(client.getToken()).rejects.toThrow(/needs OAuth client credentials/);
    const counter = countingFetch();
    const wrong = t.client({
      auth: { ...BASIC, password: 'nope-nope-nope' },
      apiUrl: legacy,
      rateLimit: false,
      fetch: counter.fetch,
    });
    const error = await wrong.webhooks.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('unauthorized');
    expect(counter.apiRequests()).toBe(1);
    // API2 takes only Bearer tokens: the right API user is refused there, once, not retried
    const onApi2 = countingFetch();
    const api2 = t.client({ auth: BASIC, rateLimit: false, fetch: onApi2.fetch });
    const refused = await api2.webhooks.list().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthError);
    expect((refused as AuthError).code).toBe('unauthorized');
    expect(onApi2.apiRequests()).toBe(1);
  });

  it('refuses plain http except to loopback, and bad options', () => {
    const auth = { clientId: 'a', clientSecret: 'b' };
    expect(() =>
      createShopRenterClient({ shop: 'demo', auth, apiUrl: 'http://{shop}.example.com/api' }),
    ).toThrow(/apiUrl "http:\/\/demo.example.com\/api" uses plain http/);
    expect(() =>
      createShopRenterClient({ shop: 'demo', auth, tokenUrl: 'http://oauth.example.com/{shop}/app/token' }),
    ).toThrow(/tokenUrl/);
    expect(createShopRenterClient({ shop: 'demo', auth }).apiUrl).toBe(
      'https://demo.api2.myshoprenter.hu/api',
    );
    expect(createShopRenterClient({ shop: 'demo', auth: BASIC }).apiUrl).toBe(
      'https://demo.api.myshoprenter.hu',
    );
    expect(() => createShopRenterClient({ shop: 'demo', auth: { clientId: 'a' } as never })).toThrow(
      /missing clientSecret/,
    );
    expect(() => createShopRenterClient({ shop: 'Demo', auth })).toThrow(/invalid shop name/);
  });
});
