import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLIENT } from '../index.js';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

const READER = { clientId: 'reader', clientSecret: 'reader-secret', scopes: ['store.webhook:read'] };

describe('OAuth token endpoint and API authentication', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({
      tokenTtlSeconds: 2,
      shops: [
        { name: 'demo', clients: [DEMO_CLIENT, READER] },
        { name: 'legacy-shop', clients: [], basicAuth: { username: 'apiuser', password: 'apipass' } },
      ],
    });
  });
  afterAll(() => sb.close());

  const tokenRequest = (body: unknown, shop = 'demo') => sb.call('POST', `/${shop}/app/token`, { body });

  it('issues a Bearer JWT whose payload carries the granted scopes and exp', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: READER.clientId,
      client_secret: READER.clientSecret,
    });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 2 });
    const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString('utf8'));
    expect(payload.scope).toBe('store.webhook:read');
    expect(payload.scopes).toEqual(['store.webhook:read']);
    // exp agrees with expires_in: exactly expires_in after iat, never later than the answer says
    expect(payload.exp - payload.iat).toBe(body.expires_in);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + body.expires_in);
  });

  it('answers another method on the token URL 405 with Allow: POST, as other wrong-method requests', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await sb.call(method, '/demo/app/token');
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(res.json().message).toBe(`${method} is not supported on /demo/app/token; use POST.`);
    }
  });

  it('accepts an application/x-www-form-urlencoded token request', async () => {
    const res = await sb.call('POST', '/demo/app/token', {
      rawBody: `grant_type=client_credentials&client_id=${DEMO_CLIENT.clientId}&client_secret=${DEMO_CLIENT.clientSecret}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(res.json().token_type).toBe('Bearer');
  });

  it.each([
    ['a wrong secret', { client_id: DEMO_CLIENT.clientId, client_secret: 'nope' }, 'demo'],
    ['an unknown client', { client_id: 'who', client_secret: 'x' }, 'demo'],
    ['a missing secret', { client_id: DEMO_CLIENT.clientId }, 'demo'],
    [
      'a shop that does not exist',
      { client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret },
      'nosuchshop',
    ],
  ])('answers 401 invalid_client for %s, the documented body exactly', async (_name, fields, shop) => {
    const res = await tokenRequest({ grant_type: 'client_credentials', ...fields }, shop);
    expect(res.status).toBe(401);
    // the documented 401 body has no `hint` (only the 400 has one): the sandbox explains in a header
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed',
      message: 'Client authentication failed',
    });
    expect(res.headers.get('x-sandbox-error')).toBe('invalid_client');
  });

  it('says in its hint header why it refused the client credentials', async () => {
    const missingSecret = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT.clientId,
    });
    expect(missingSecret.headers.get('x-sandbox-hint')).toBe('Check the `client_secret` parameter');
    const noShop = await tokenRequest(
      {
        grant_type: 'client_credentials',
        client_id: DEMO_CLIENT.clientId,
        client_secret: DEMO_CLIENT.clientSecret,
      },
      'nosuchshop',
    );
    expect(noShop.headers.get('x-sandbox-hint')).toBe("There is no shop 'nosuchshop' in this sandbox.");
  });

  it('answers 400 invalid_request with the documented hint when client_id is missing', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_secret: 'x' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', hint: 'Check the `client_id` parameter' });
    expect(res.json().error_description).toMatch(/missing a required parameter/);
  });

  it('answers 400 for a wrong grant type and for malformed JSON', async () => {
    const grant = await tokenRequest({ grant_type: 'password', client_id: 'a', client_secret: 'b' });
    expect(grant.status).toBe(400);
    expect(grant.json().error).toBe('unsupported_grant_type');
    const malformed = await sb.call('POST', '/demo/app/token', { rawBody: '{"grant_type":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json().error).toBe('invalid_request');
    expect(malformed.json().hint).toMatch(/not valid JSON/);
  });

  it('signs RS256 tokens with the documented header and publishes the key as a JWKS', async () => {
    const token = await sb.token();
    expect(token.split('.')[0]).toBe('eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9');
    const jwks = createRemoteJWKSet(new URL(sb.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { algorithms: ['RS256'] });
    expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'RS256' });
    expect(payload).toMatchObject({ shop: 'demo', scopes: expect.any(Array) });
    const published = await (await fetch(sb.jwksUrl)).json();
    expect(published.keys).toHaveLength(1);
    expect(published.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(published.keys[0].d).toBeUndefined();
  });

  it('answers 401 with the documented error shape for missing, forged and foreign tokens', async () => {
    const missing = await sb.api('GET', '/webHooks', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json()).toEqual({ error: 40101, message: 'You have no permission for this operation!' });
    expect(missing.headers.get('x-sandbox-hint')).toMatch(/Authorization: Bearer/);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');

    const good = await sb.token();
    const [h, p] = good.split('.');
    const forged = await sb.api('GET', '/webHooks', { token: `${h}.${p}.${'A'.repeat(43)}` });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('x-sandbox-hint')).toMatch(/signature is not valid/);

    const garbage = await sb.api('GET', '/webHooks', { token: 'not-a-jwt' });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('x-sandbox-hint')).toMatch(/malformed/);

    const otherShop = await sb.api('GET', '/webHooks', { shop: 'legacy-shop', token: good });
    expect(otherShop.status).toBe(401);
    expect(otherShop.headers.get('x-sandbox-hint')).toMatch(/issued for shop 'demo'/);
  });

  it('answers 401/40101 "You have no permission for this operation!" when the token lacks the scope (assumption A4)', async () => {
    const token = await sb.token('demo', READER);
    const read = await sb.api('GET', '/webHooks', { token });
    expect(read.status).toBe(200);
    const write = await sb.api('POST', '/webHooks', {
      token,
      body: {
        event: 'order_confirm',
        status: '1',
        label: 'x',
        webHookParameters: [{ type: 'json', url: 'http://127.0.0.1:1/x' }],
      },
    });
    expect(write.status).toBe(401);
    expect(write.json()).toEqual({ error: 40101, message: 'You have no permission for this operation!' });
    expect(write.headers.get('x-sandbox-hint')).toContain("'store.webhook:write' scope");
    const orders = await sb.api('GET', '/orders', { token });
    expect(orders.status).toBe(401);
    expect(orders.headers.get('x-sandbox-hint')).toMatch(/order\.order:read/);
  });

  it('expires tokens after their lifetime (TTL 2 s here)', async () => {
    const token = await sb.token();
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    const expired = await sb.api('GET', '/webHooks', { token });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('x-sandbox-hint')).toMatch(
      /expired; request a new one from POST \/demo\/app\/token/,
    );
  });

  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  it('accepts legacy Basic auth on the legacy API base where the shop enables it, and only there', async () => {
    const legacy = (shop: string, authorization: string) =>
      sb.call('GET', `/${shop}/legacy-api/webHooks`, { token: null, headers: { authorization } });
    const ok = await legacy('legacy-shop', basic('apiuser', 'apipass'));
    expect(ok.status).toBe(200);
    // hrefs point at the legacy base, as the legacy API's own links do
    expect(ok.json().href).toMatch(/\/legacy-shop\/legacy-api\/webHooks\?/);
    const wrong = await legacy('legacy-shop', basic('apiuser', 'wrong'));
    expect(wrong.status).toBe(401);
    const disabled = await legacy('demo', basic('apiuser', 'apipass'));
    expect(disabled.status).toBe(401);
    expect(disabled.headers.get('x-sandbox-hint')).toMatch(/Basic auth is not enabled for shop 'demo'/);
  });

  it("answers the legacy API's errors as API2 does: XML unless JSON is asked for, ShopRenter's text in the body", async () => {
    const legacy = (path: string, accept: string | null, authorization = basic('apiuser', 'apipass')) =>
      sb.call('GET', `/legacy-shop/legacy-api${path}`, { token: null, accept, headers: { authorization } });
    const missingXml = await legacy('/webHooks/nope', null);
    expect(missingXml.status).toBe(404);
    expect(missingXml.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(missingXml.text).toContain('<error>40401</error>');
    expect(missingXml.text).toContain('Resource not found!');
    expect(missingXml.headers.get('x-sandbox-hint')).toMatch(/webHooks resource 'nope' not found/);
    const missingJson = await legacy('/webHooks/nope', 'application/json');
    expect(missingJson.json()).toMatchObject({
      error: 40401,
      message: expect.stringMatching(/^Resource not found!/),
    });
    const refused = await legacy('/webHooks', 'application/json', basic('apiuser', 'wrong'));
    expect(refused.status).toBe(401);
    expect(refused.json()).toEqual({ error: 40101, message: 'You have no permission for this operation!' });
    // the sandbox's own routes keep the hint in a JSON body
    const own = await sb.call('GET', '/legacy-shop/_sandbox/nothing-here', { accept: null });
    expect(own.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses Basic auth on the API2 base (Bearer only), even with the right API user', async () => {
    const res = await sb.api('GET', '/webHooks', {
      shop: 'legacy-shop',
      token: null,
      headers: { authorization: basic('apiuser', 'apipass') },
    });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ error: 40101, message: 'You have no permission for this operation!' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.headers.get('x-sandbox-error')).toBe('unauthorized');
    expect(res.headers.get('x-sandbox-hint')).toMatch(
      /API2 \(\/legacy-shop\/api\) takes only 'Authorization: Bearer <access_token>'.*\/legacy-shop\/legacy-api/,
    );
  });

  it('refuses a Bearer token on the legacy API base (Basic only)', async () => {
    const token = await sb.token();
    const res = await sb.call('GET', '/demo/legacy-api/webHooks', { token });
    expect(res.status).toBe(401);
    expect(res.json().error).toBe(40101);
    expect(res.headers.get('www-authenticate')).toBe('Basic');
    expect(res.headers.get('x-sandbox-hint')).toMatch(
      /legacy API \(\/demo\/legacy-api\) takes only HTTP Basic auth/,
    );
  });

  it('answers 404 in the documented shape for an unknown shop', async () => {
    const res = await sb.api('GET', '/webHooks', { shop: 'nosuchshop', token: 'x' });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: 40401, message: "Resource not found! Shop 'nosuchshop'" });
    expect(res.headers.get('x-sandbox-hint')).toMatch(/This sandbox serves: demo, legacy-shop/);
  });
});

describe('revoking the tokens issued so far (test control)', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({
      shops: [
        { name: 'demo', clients: [DEMO_CLIENT, READER] },
        { name: 'other', clients: [DEMO_CLIENT] },
      ],
    });
  });
  afterAll(() => sb.close());

  it('answers 401 to every token of the shop issued before, and accepts the next one', async () => {
    const first = await sb.token();
    const reader = await sb.token('demo', READER);
    const otherShop = await sb.token('other');
    expect((await sb.api('GET', '/webHooks', { token: first })).status).toBe(200);

    expect(sb.revokeTokens('demo')).toBe(2);
    for (const token of [first, reader]) {
      const refused = await sb.api('GET', '/webHooks', { token });
      expect(refused.status).toBe(401);
      expect(refused.json()).toEqual({ error: 40101, message: 'You have no permission for this operation!' });
      expect(refused.headers.get('x-sandbox-hint')).toBe(
        'The access token has been revoked; request a new one from POST /demo/app/token.',
      );
    }
    // another shop's tokens are untouched; a new token of the shop works
    expect((await sb.api('GET', '/webHooks', { shop: 'other', token: otherShop })).status).toBe(200);
    const next = await sb.token();
    expect((await sb.api('GET', '/webHooks', { token: next })).status).toBe(200);
    expect((await sb.api('GET', '/webHooks', { token: first })).status).toBe(401);
  });

  it('is a route too: POST /{shop}/_sandbox/tokens/revoke answers how many it revoked', async () => {
    sb.revokeTokens('demo'); // the tokens of the test before
    const token = await sb.token();
    const answer = await sb.call('POST', '/demo/_sandbox/tokens/revoke');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ revoked: 1 });
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(401);
    expect((await sb.call('POST', '/demo/_sandbox/tokens/revoke')).json()).toEqual({ revoked: 0 });
    expect((await sb.call('POST', '/nope/_sandbox/tokens/revoke')).status).toBe(404);
  });
});
