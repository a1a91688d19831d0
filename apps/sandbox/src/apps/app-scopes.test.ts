import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

/**
 * FACTS.md §7: "New scopes for an installed app need the owner's consent at
 * https://{shopName}.myshoprenter.hu/admin/app/{clientId}/approveScopes" (sr-api-docs
 * `development/app-development/01_getting_started.md`, "Updating application scopes": until the
 * owner clicks the button there, "the application will not have access to the new scopes in that
 * specific store"). Over real HTTP: a scope added to the app after the install is not in that
 * shop's tokens until the owner approves it; a shop that installs afterwards consents at install.
 */

const appClient = { clientId: 'scoped-app-client', clientSecret: 'scoped-app-secret' };
const WEBHOOKS = ['store.webhook:read', 'store.webhook:write'];

function scopesOf(token: string): string[] {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  return payload.scopes as string[];
}

async function startAppServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    if (url.pathname === '/install') {
      res.writeHead(302, { location: url.searchParams.get('app_url') ?? 'http://missing.invalid' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<p>app</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('an app’s new scopes need each shop owner’s approval (FACTS.md §7)', () => {
  let sb: TestSandbox;
  let appServer: Awaited<ReturnType<typeof startAppServer>>;
  const register = (scopes: string[]) =>
    sb.call('POST', '/_sandbox/apps', {
      body: {
        appId: '77',
        ...appClient,
        redirectUri: `${appServer.url}/install`,
        entryPoint: `${appServer.url}/entry`,
        uninstallUri: `${appServer.url}/uninstall`,
        scopes,
      },
    });

  beforeAll(async () => {
    sb = await startTestSandbox({
      shops: [
        { name: 'early', clients: [] },
        { name: 'late', clients: [] },
      ],
    });
    appServer = await startAppServer();
    expect((await register(WEBHOOKS)).status).toBe(201);
    expect((await sb.call('POST', '/_sandbox/apps/77/installs/early')).status).toBe(200);
  });
  afterAll(async () => {
    await sb.close();
    await new Promise<void>((resolve) => appServer.server.close(() => resolve()));
  });

  it('keeps a scope added after the install out of that shop’s tokens until the owner approves it', async () => {
    expect((await register([...WEBHOOKS, 'order.order:read'])).status).toBe(201);

    const before = await sb.token('early', appClient);
    expect(scopesOf(before)).toEqual(WEBHOOKS);
    const orders = await sb.api('GET', '/orders', { shop: 'early', token: before });
    expect(orders.status).toBe(401);
    expect(orders.headers.get('x-sandbox-hint')).toContain('order.order:read');

    // The owner's page lists what the app asks for; the button posts to the same URL.
    const page = await sb.call('GET', `/early/admin/app/${appClient.clientId}/approveScopes`, {
      accept: 'text/html',
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('order.order:read');
    expect(page.text).toMatch(/<form method="post"/);

    const approved = await sb.call('POST', `/early/admin/app/${appClient.clientId}/approveScopes`);
    expect(approved.status).toBe(200);
    const after = await sb.token('early', appClient);
    expect(scopesOf(after)).toEqual([...WEBHOOKS, 'order.order:read']);
    expect((await sb.api('GET', '/orders', { shop: 'early', token: after })).status).toBe(200);
  });

  it('gives a shop that installs later every scope the app has (the owner consents at install)', async () => {
    expect((await sb.call('POST', '/_sandbox/apps/77/installs/late')).status).toBe(200);
    expect(scopesOf(await sb.token('late', appClient))).toEqual([...WEBHOOKS, 'order.order:read']);
  });

  it('drops a scope the app no longer has at once; the owner’s earlier approval holds when it comes back', async () => {
    expect((await register(WEBHOOKS)).status).toBe(201);
    expect(scopesOf(await sb.token('early', appClient))).toEqual(WEBHOOKS);
    expect((await sb.call('POST', `/early/admin/app/${appClient.clientId}/approveScopes`)).status).toBe(200);
    expect(scopesOf(await sb.token('early', appClient))).toEqual(WEBHOOKS);
    // Given back to the app: the owner's earlier approval still holds.
    expect((await register([...WEBHOOKS, 'order.order:read'])).status).toBe(201);
    expect(scopesOf(await sb.token('early', appClient))).toEqual([...WEBHOOKS, 'order.order:read']);
  });

  it('answers 404 where the app is not installed', async () => {
    const answer = await sb.call('POST', `/other-shop/admin/app/${appClient.clientId}/approveScopes`);
    expect(answer.status).toBe(404);
    const unknownClient = await sb.call('POST', '/early/admin/app/nobody/approveScopes');
    expect(unknownClient.status).toBe(404);
  });
});
