import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, InputError, NotFoundError, ValidationError } from './errors.js';
import { webhookRequests } from './resources/webhook-batch-requests.js';
import { countingFetch, receiverUrl, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

const READ_ONLY = {
  clientId: 'reader-client',
  clientSecret: 'reader-secret-1234',
  scopes: ['store.webhook:read'],
};
const FULL = {
  clientId: 'sandbox-demo-client',
  clientSecret: 'sandbox-demo-secret',
  scopes: ['store.webhook:read', 'store.webhook:write', 'order.order:read'],
};

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox({ rateLimit: false, shops: [{ name: 'demo', clients: [FULL, READ_ONLY] }] });
});
afterAll(() => t.close());

describe('resource ids on the wire', () => {
  it("writes an API id's = padding as the API's own hrefs do, not as %3D", async () => {
    // before: GET …/webHooks/d2ViSG9v…MQ%3D%3D
    const paths: string[] = [];
    const client = t.client({
      rateLimit: false,
      fetch: (request) => {
        paths.push(new URL(request.url).pathname);
        return globalThis.fetch(request);
      },
    });
    const created = await client.webhooks.create({ event: 'order_confirm', url: receiverUrl('padding-1') });
    expect(created.id).toMatch(/=$/);
    await client.webhooks.get(created.id);
    await client.webhooks.delete(created.id);
    const hrefPath = new URL(created.href ?? `missing href of ${created.id}`).pathname;
    expect(paths.filter((path) => path.endsWith(created.id))).toEqual([hrefPath, hrefPath]);
    expect(paths.join(' ')).not.toContain('%3D');
  });
});

describe('outer ids (FACTS.md §9)', () => {
  it('creates with an outer id and then gets, updates and deletes by it', async () => {
    const client = t.client({ rateLimit: false });
    const spec = { event: 'order_confirm' as const, url: receiverUrl('outer-1') };
    const created = await client.webhooks.create(spec, { outerId: 'erp-confirm' });
    expect(created.id).toBe('erp-confirm');
    expect(created.href).toMatch(/\/webHooks\/erp-confirm$/);
    expect((await client.webhooks.get('erp-confirm')).webHookParameters[0]?.url).toBe(receiverUrl('outer-1'));
    expect((await client.webhooks.disable('erp-confirm')).enabled).toBe(false);
    const duplicate = await client.webhooks.create(spec, { outerId: 'erp-confirm' }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(ValidationError);
    expect(duplicate).toMatchObject({
      status: 400,
      innerCode: 40005,
      serverMessage: 'The id parameter is an already exist OuterID.',
    });
    await client.webhooks.delete('erp-confirm');
    await expect(client.webhooks.get('erp-confirm')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.webhooks.create(spec, { outerId: 'not/ok' })).rejects.toBeInstanceOf(InputError);
  });

  it('refers to an item created earlier in the same batch by its outer id', async () => {
    const client = t.client({ rateLimit: false });
    const spec = {
      event: 'order_status_change' as const,
      url: receiverUrl('outer-batch', 'order_status_change'),
    };
    const results = await client.batch([
      webhookRequests.create(spec, { outerId: 'status-hook' }),
      webhookRequests.update('status-hook', { ...spec, enabled: false, label: 'paused in the batch' }),
      webhookRequests.get('status-hook'),
      webhookRequests.delete('status-hook'),
      webhookRequests.get('status-hook'),
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 200, 200, 204, 404]);
    expect(results[2]?.body).toMatchObject({ id: 'status-hook', status: '0', label: 'paused in the batch' });
    expect(results[4]?.error).toBeInstanceOf(NotFoundError);
  });

  it('reads the documented message-only body of an inner request to a URI that names no resource', async () => {
    const client = t.client({ rateLimit: false });
    const [result] = await client.batch([{ method: 'GET', uri: 'webHook/nothing' }]);
    expect(result?.status).toBe(404);
    expect(result?.body).toEqual({ message: 'Resource matching URI "/webHook/nothing" not found' });
    expect(result?.error).toBeInstanceOf(NotFoundError);
    expect(result?.error?.innerCode).toBeUndefined();
    expect(result?.error?.serverMessage).toBe('Resource matching URI "/webHook/nothing" not found');
  });
});

describe('batch size', () => {
  it('keeps its own chunks at the documented recommendation of 200, although the API takes more', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch });
    const requests = Array.from({ length: 201 }, () => ({ method: 'GET' as const, uri: 'webHooks?limit=1' }));
    const results = await client.batch(requests);
    expect(results).toHaveLength(201);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(counter.apiRequests()).toBe(2);
    await expect(client.batch(requests, { chunkSize: 201 })).rejects.toBeInstanceOf(InputError);
  });
});

describe('missing scope (401/40101, an assumption) and RS256 tokens', () => {
  it('a 401 for a scope the token lacks becomes AuthError forbidden naming the scope, without a token renewal', async () => {
    const counter = countingFetch();
    const client = t.client({
      rateLimit: false,
      fetch: counter.fetch,
      auth: { clientId: READ_ONLY.clientId, clientSecret: READ_ONLY.clientSecret },
    });
    const error = await client.webhooks
      .create({ event: 'order_confirm', url: receiverUrl('scope') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({
      code: 'forbidden',
      status: 401,
      innerCode: 40101,
      requiredScope: 'store.webhook:write',
      serverMessage: 'You have no permission for this operation!',
    });
    expect(counter.tokenRequests()).toBe(1);
    expect(counter.apiRequests()).toBe(1);
  });

  it('hands out the RS256 token the sandbox signs, whose header is the documented one', async () => {
    const token = await t.client({ rateLimit: false }).getToken();
    const header = JSON.parse(
      Buffer.from(token.accessToken.split('.')[0] ?? '', 'base64url').toString('utf8'),
    );
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256' });
    expect(token.scopes).toEqual(FULL.scopes);
  });
});
