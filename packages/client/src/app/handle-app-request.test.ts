import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { signAppRequest, signPaymentNotification } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  handleAppRequest,
  handleNodeAppRequest,
  handleNodePaymentNotification,
  handlePaymentNotification,
} from './handle-app-request.js';

const clientSecret = 'app-client-secret-for-handler-tests';
const secretKey = 'webhook-secret-key-for-handler-tests';

function appQuery(): string {
  const params = { shopname: 'demo', code: 'abc123', timestamp: String(Math.floor(Date.now() / 1000)) };
  return new URLSearchParams({
    ...params,
    hmac: signAppRequest(params, clientSecret),
    app_url: 'x',
  }).toString();
}

function notification(): { body: string; hmac: string } {
  const body = JSON.stringify({ id: 7, status: 'paid', time: Math.floor(Date.now() / 1000) });
  return { body, hmac: signPaymentNotification(body, secretKey) };
}

describe('Fetch-API helpers', () => {
  it('handleAppRequest verifies the URL query', () => {
    expect(
      handleAppRequest(new Request(`https://app.example.com/install?${appQuery()}`), { clientSecret }).ok,
    ).toBe(true);
    const post = handleAppRequest(
      new Request(`https://app.example.com/install?${appQuery()}`, { method: 'POST' }),
      {
        clientSecret,
      },
    );
    expect(!post.ok && post.error.status).toBe(405);
  });

  it('handlePaymentNotification verifies the raw body', async () => {
    const { body, hmac } = notification();
    const ok = await handlePaymentNotification(
      new Request(`https://app.example.com/payments?hmac=${hmac}`, { method: 'POST', body }),
      { secretKey },
    );
    expect(ok.ok && ok.event).toBe('payment_status');
    const forged = await handlePaymentNotification(
      new Request(`https://app.example.com/payments?hmac=${hmac}`, { method: 'POST', body: `${body} ` }),
      { secretKey },
    );
    expect(!forged.ok && forged.error.status).toBe(401);
    const big = await handlePaymentNotification(
      new Request(`https://app.example.com/payments?hmac=${hmac}`, { method: 'POST', body: 'x'.repeat(100) }),
      { secretKey, maxBytes: 50 },
    );
    expect(!big.ok && big.error.status).toBe(413);
  });

  it('handlePaymentNotification refuses a compressed body by its Content-Encoding, as authentic', async () => {
    // before: "the body is not JSON" (the gzip bytes misread)
    const compressed = gzipSync(notification().body);
    const result = await handlePaymentNotification(
      new Request(`https://app.example.com/payments?hmac=${signPaymentNotification(compressed, secretKey)}`, {
        method: 'POST',
        body: compressed,
        headers: { 'content-encoding': 'gzip' },
      }),
      { secretKey },
    );
    expect(!result.ok && result.error.code).toBe('invalid_notification');
    expect(!result.ok && result.error.authentic).toBe(true);
    expect(!result.ok && result.error.message).toMatch(
      /Content-Encoding "gzip".*send it without Content-Encoding/,
    );
  });
});

describe('node:http helpers', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const result = req.url?.startsWith('/payments')
        ? await handleNodePaymentNotification(req, { secretKey })
        : handleNodeAppRequest(req, { clientSecret });
      res.writeHead(result.ok ? 200 : result.error.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result.ok ? { ok: true } : result.error.toJSON()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies an app request and refuses a forged one with 401', async () => {
    expect((await fetch(`${base}/install?${appQuery()}`)).status).toBe(200);
    const forged = await fetch(`${base}/install?${appQuery().replace('shopname=demo', 'shopname=other')}`);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: 'bad_signature' });
  });

  it('verifies a payment notification over real HTTP', async () => {
    const { body, hmac } = notification();
    expect((await fetch(`${base}/payments?hmac=${hmac}`, { method: 'POST', body })).status).toBe(200);
    expect(
      (await fetch(`${base}/payments?hmac=${hmac}`, { method: 'POST', body: body.replace('7', '8') })).status,
    ).toBe(401);
  });

  it('refuses a compressed payment notification by its Content-Encoding', async () => {
    const compressed = gzipSync(notification().body);
    const response = await fetch(`${base}/payments?hmac=${signPaymentNotification(compressed, secretKey)}`, {
      method: 'POST',
      body: compressed,
      headers: { 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/Content-Encoding \\"gzip\\"/);
  });
});
