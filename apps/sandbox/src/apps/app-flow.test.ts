import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signAppRequest, signPaymentNotification } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox, webhookBody } from '../test-support/test-sandbox.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

const clientSecret = 'sandbox-app-client-secret';
const webhookSecretKey = 'sandbox-app-webhook-key';

/** A tiny app backend: records every call and answers the install with a redirect to app_url. */
async function startAppServer(): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        body,
        headers: req.headers,
      });
      if (url.pathname === '/install') {
        const target = new URL(url.searchParams.get('app_url') ?? 'http://missing.invalid');
        target.searchParams.set('from', 'install');
        res.writeHead(302, { location: target.toString() });
        return res.end();
      }
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-security-policy': "frame-ancestors 'self'",
      });
      res.end('<p>app</p>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

function expectSigned(query: URLSearchParams, shop: string): void {
  const params = {
    shopname: query.get('shopname') ?? '',
    code: query.get('code') ?? '',
    timestamp: query.get('timestamp') ?? '',
  };
  expect(params.shopname).toBe(shop);
  expect(Math.abs(Number(params.timestamp) - Date.now() / 1000)).toBeLessThan(10);
  expect(query.get('hmac')).toBe(signAppRequest(params, clientSecret));
}

describe('platform apps in the sandbox (FACTS.md §7, §8)', () => {
  let sb: TestSandbox;
  let appServer: Awaited<ReturnType<typeof startAppServer>>;
  const appClient = { clientId: 'sandbox-app-client', clientSecret };

  beforeAll(async () => {
    sb = await startTestSandbox({
      shops: [
        {
          name: 'demo',
          clients: [
            {
              clientId: 'own',
              clientSecret: 'own-secret',
              scopes: ['store.webhook:read', 'store.webhook:write'],
            },
          ],
        },
        { name: 'other', clients: [] },
      ],
    });
    appServer = await startAppServer();
    const registered = await sb.call('POST', '/_sandbox/apps', {
      body: {
        appId: '55',
        ...appClient,
        redirectUri: `${appServer.url}/install`,
        entryPoint: `${appServer.url}/entry`,
        uninstallUri: `${appServer.url}/uninstall`,
        notificationUrl: `${appServer.url}/payments?shop=demo`,
        webhookSecretKey,
        scopes: ['store.webhook:read', 'store.webhook:write'],
      },
    });
    expect(registered.status).toBe(201);
  });
  afterAll(async () => {
    await sb.close();
    await new Promise<void>((resolve) => appServer.server.close(() => resolve()));
  });

  it('refuses the app’s token request on a shop where it is not installed', async () => {
    await expect(sb.token('demo', appClient)).rejects.toThrow(/401.*invalid_client/);
  });

  it('installs: signed GET to RedirectUri with app_url, follows the redirect, loads the EntryPoint', async () => {
    const report = (await sb.call('POST', '/_sandbox/apps/55/installs/demo')).json();
    const install = appServer.seen.find((s) => s.path === '/install');
    expect(install).toBeDefined();
    expectSigned(install?.query as URLSearchParams, 'demo');
    expect(install?.query.get('app_url')).toBe(`${sb.url}/demo/admin/app/55`);
    expect(report.redirectedToAppUrl).toBe(true);
    expect(report.entryPoint.status).toBe(200);
    const entry = appServer.seen.find((s) => s.path === '/entry');
    expectSigned(entry?.query as URLSearchParams, 'demo');
    expect(entry?.query.get('from')).toBe('install');
  });

  it('gives an installed app tokens that work on that shop only; uninstall drops its subscriptions and revokes them', async () => {
    const token = await sb.token('demo', appClient);
    await expect(sb.token('other', appClient)).rejects.toThrow(/401/);
    const mine = await sb.api('POST', '/webHooks', {
      token,
      body: webhookBody('https://hooks.example.com/a'),
    });
    expect(mine.status).toBe(201);
    const ownToken = await sb.token('demo', { clientId: 'own', clientSecret: 'own-secret' });
    const theirs = await sb.api('POST', '/webHooks', {
      token: ownToken,
      body: webhookBody('https://hooks.example.com/b'),
    });
    expect(theirs.status).toBe(201);

    const report = (await sb.call('DELETE', '/_sandbox/apps/55/installs/demo')).json();
    expect(report.removedSubscriptions).toEqual([mine.json().id]);
    expect(report.uninstall.status).toBe(200);
    expectSigned(appServer.seen.find((s) => s.path === '/uninstall')?.query as URLSearchParams, 'demo');
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(401);
    await expect(sb.token('demo', appClient)).rejects.toThrow(/401/);
    const left = await sb.api('GET', '/webHooks?full=1', { token: ownToken });
    expect(left.json().items.map((w: { id: string }) => w.id)).toEqual([theirs.json().id]);

    expect((await sb.call('POST', '/_sandbox/apps/55/installs/demo')).json().redirectedToAppUrl).toBe(true);
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(401);
    const fresh = await sb.token('demo', appClient);
    expect((await sb.api('GET', '/webHooks', { token: fresh })).status).toBe(200);
  });

  it('refuses to uninstall an app that is not installed, saying how to install it first', async () => {
    const answer = await sb.call('DELETE', '/_sandbox/apps/55/installs/other');
    expect(answer.status).toBe(409);
    const message = JSON.stringify(answer.json());
    expect(message).toContain("App 55 is not installed on shop 'other'");
    expect(message).toContain('srhooks app install --shop other');
    expect(message).toContain('POST /_sandbox/apps/55/installs/other');
    expect(
      appServer.seen.filter((s) => s.path === '/uninstall' && s.query.get('shopname') === 'other'),
    ).toEqual([]);
  });

  it('serves the admin page that frames the EntryPoint with fresh signed parameters', async () => {
    const page = await sb.call('GET', '/demo/admin/app/55?pelda=parameter', { accept: 'text/html' });
    expect(page.status).toBe(200);
    const src = /<iframe[^>]+src="([^"]+)"/.exec(page.text)?.[1]?.replaceAll('&#38;', '&') ?? '';
    const url = new URL(src);
    expect(url.origin + url.pathname).toBe(`${appServer.url}/entry`);
    expectSigned(url.searchParams, 'demo');
    expect(url.searchParams.get('pelda')).toBe('parameter');
    expect((await sb.call('GET', '/other/admin/app/55', { accept: 'text/html' })).status).toBe(404);
  });

  it('sends signed Payment API notifications, with faults', async () => {
    const ok = await sb.apps.notify('55', { notification: { id: 69, status: 'pending' } });
    const body = JSON.parse(ok.rawBody);
    expect(body).toMatchObject({ id: 69, status: 'pending' });
    expect(ok.hmac).toBe(signPaymentNotification(ok.rawBody, webhookSecretKey));
    const received = appServer.seen.at(-1) as Seen;
    expect(received.method).toBe('POST');
    expect(received.body).toBe(ok.rawBody);
    expect(received.query.get('hmac')).toBe(ok.hmac);
    expect(received.query.get('shop')).toBe('demo');
    // Headers the documentation does not show (A33).
    expect(received.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'ShopRenter',
    });

    const replay = await sb.apps.notify('55', { fault: 'replay' });
    expect([replay.rawBody, replay.hmac]).toEqual([ok.rawBody, ok.hmac]);
    const bad = await sb.apps.notify('55', { fault: 'bad_hmac' });
    expect(bad.hmac).not.toBe(signPaymentNotification(bad.rawBody, webhookSecretKey));
    const stale = await sb.apps.notify('55', { fault: 'stale' });
    expect(Date.now() / 1000 - JSON.parse(stale.rawBody).time).toBeGreaterThan(3000);
    expect(stale.hmac).toBe(signPaymentNotification(stale.rawBody, webhookSecretKey));
    const plain = await sb.apps.notify('55', {});
    expect(JSON.parse(plain.rawBody)).toMatchObject({ status: 'active' });
  });

  it('gives a notification without an id a charge id of its own, never one a notification named before', async () => {
    const send = async (body: Record<string, unknown>) =>
      JSON.parse(
        (await sb.call('POST', '/_sandbox/apps/55/payment-notifications', { body })).json().rawBody,
      ) as { id: number };
    // Over HTTP, as the root README's walk-through sends them: charges named by the user, then some without.
    const first = (await send({})).id;
    const seen = new Set<number>([first]);
    for (const id of [first + 1, first + 2]) {
      expect((await send({ notification: { id, status: 'paid' } })).id).toBe(id);
      seen.add(id);
    }
    for (let i = 0; i < 3; i++) {
      const { id } = await send({});
      // Another status of a charge named before would be filed as that charge's.
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  });

  it('writes a notification as PHP writes JSON (the documented hash_hmac signs it), so only the raw bytes verify', async () => {
    const reason = 'A vásárló megszakította / elutasította';
    const sent = await sb.apps.notify('55', {
      notification: { id: 70, status: 'declined', time: 1606740386, reason },
    });
    expect(sent.rawBody).toBe(
      '{"id":70,"status":"declined","time":1606740386,"reason":"A v\\u00e1s\\u00e1rl\\u00f3 megszak\\u00edtotta \\/ elutas\\u00edtotta"}',
    );
    expect(JSON.parse(sent.rawBody).reason).toBe(reason);
    expect(sent.hmac).toBe(signPaymentNotification(sent.rawBody, webhookSecretKey));
    // An app that signs the body its JSON parser re-serialised would not match ShopRenter's signature.
    const reserialised = JSON.stringify(JSON.parse(sent.rawBody));
    expect(signPaymentNotification(reserialised, webhookSecretKey)).not.toBe(sent.hmac);
    expect((appServer.seen.at(-1) as Seen).body).toBe(sent.rawBody);
  });
});
