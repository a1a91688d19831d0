/**
 * A scope granted after the token was issued: a platform app gets a new scope at ShopRenter and the shop
 * owner approves it at `{admin}/app/{clientId}/approveScopes` (FACTS.md §7), or a shop owner adds a scope
 * to a custom API client. Tokens issued before lack it; the next token has it. A client that keeps its
 * cached token for its whole hour would go on failing with "approve the scope" advice after the approval,
 * so a 401 for a scope the cached token lacks gets one fresh token — at most once per 30 s per client, so a
 * scope that is really missing costs no token request per call. Against the sandbox, over HTTP.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from './errors.js';
import { countingFetch, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let t: TestSandbox;
let appBackend: string;
const APP = { appId: '77', clientId: 'scoped-app', clientSecret: 'scoped-app-secret' };
const register = (scopes: string[]) =>
  t.sandbox.apps.register({
    ...APP,
    // Nothing listens there: the sandbox records the install all the same (the owner clicked install).
    redirectUri: `${appBackend}/install`,
    entryPoint: `${appBackend}/entry`,
    uninstallUri: `${appBackend}/uninstall`,
    scopes,
  });

beforeAll(async () => {
  t = await startTestSandbox({ rateLimit: false, shops: [{ name: 'appshop', clients: [] }] });
  appBackend = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await t.close();
});

describe('a scope approved after the token was issued', () => {
  it('is used once the cached token is 30 s old: one fresh token, not an hour of refusals', async () => {
    register(['store.webhook:read']);
    await t.sandbox.apps.install(APP.appId, 'appshop');
    let clock = Date.now();
    const counter = countingFetch();
    const client = t.client({
      shop: 'appshop',
      auth: { clientId: APP.clientId, clientSecret: APP.clientSecret },
      fetch: counter.fetch,
      rateLimit: false,
      now: () => clock,
    });
    const refused = await client.orders.search().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'forbidden', requiredScope: 'order.order:read' });
    expect(counter.tokenRequests()).toBe(1);

    // The app gets the scope at ShopRenter; the owner presses the approve button.
    register(['store.webhook:read', 'order.order:read']);
    const approved = await fetch(`${t.sandbox.url}/appshop/admin/app/${APP.clientId}/approveScopes`, {
      method: 'POST',
    });
    expect(approved.status).toBe(200);

    // Within 30 s of the token: still the cached one (a missing scope does not cost a token request per call).
    await expect(client.orders.search()).rejects.toMatchObject({ requiredScope: 'order.order:read' });
    expect(counter.tokenRequests()).toBe(1);

    clock += 31_000;
    const page = await client.orders.search();
    expect(page.items).toEqual([]);
    expect(counter.tokenRequests()).toBe(2);
    expect((await client.getToken()).scopes).toContain('order.order:read');
  });

  it('a scope still missing after the fresh token stays a final AuthError, and is not asked again for 30 s', async () => {
    register(['store.webhook:read']);
    await t.sandbox.apps.install(APP.appId, 'appshop');
    let clock = Date.now();
    const counter = countingFetch();
    const client = t.client({
      shop: 'appshop',
      auth: { clientId: APP.clientId, clientSecret: APP.clientSecret },
      fetch: counter.fetch,
      rateLimit: false,
      now: () => clock,
    });
    await expect(client.orders.search()).rejects.toMatchObject({ requiredScope: 'order.order:read' });
    clock += 31_000;
    await expect(client.orders.search()).rejects.toMatchObject({
      code: 'forbidden',
      requiredScope: 'order.order:read',
    });
    expect(counter.tokenRequests()).toBe(2);
    await expect(client.orders.search()).rejects.toMatchObject({ requiredScope: 'order.order:read' });
    expect(counter.tokenRequests()).toBe(2);
  });
});
