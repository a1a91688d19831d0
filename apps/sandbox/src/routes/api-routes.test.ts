import { afterEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

describe('rate limit: 3 requests per second per (client, shop)', () => {
  let sb: TestSandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('answers exactly one 429 to 4 requests in one second, and counts it', async () => {
    sb = await startTestSandbox({ rateLimit: { perSecond: 3 } });
    const token = await sb.token();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => sb?.api('GET', '/webHooks', { token })),
    );
    expect(answers.map((a) => a?.status).sort()).toEqual([200, 200, 200, 429]);
    const limited = answers.find((a) => a?.status === 429);
    // The documented 429 has no inner code: message-only, "Too Many Requests".
    expect(limited?.json()).toEqual({ message: 'Too Many Requests' });
    expect(limited?.headers.get('x-sandbox-hint')).toMatch(/At most 3 requests per second/);
    // The token request is counted too (it is not rate limited).
    expect(sb.requestCount('demo')).toEqual({ total: 5, byStatus: { 200: 4, 429: 1 } });
  });

  it('keeps separate windows per client', async () => {
    const one = { clientId: 'one', clientSecret: 'one-secret', scopes: ['store.webhook:read'] };
    const other = { clientId: 'other', clientSecret: 'other-secret', scopes: ['store.webhook:read'] };
    sb = await startTestSandbox({
      rateLimit: { perSecond: 3 },
      shops: [{ name: 'demo', clients: [one, other] }],
    });
    const first = await sb.token('demo', one);
    const second = await sb.token('demo', other);
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => sb?.api('GET', '/webHooks', { token: first })),
      ...Array.from({ length: 3 }, () => sb?.api('GET', '/webHooks', { token: second })),
    ]);
    expect(
      answers
        .slice(0, 4)
        .map((a) => a?.status)
        .sort(),
    ).toEqual([200, 200, 200, 429]);
    expect(answers.slice(4).map((a) => a?.status)).toEqual([200, 200, 200]);
  });

  it('counts a batch call as one request, however many it carries', async () => {
    sb = await startTestSandbox({ rateLimit: { perSecond: 3 } });
    const token = await sb.token();
    const requests = Array.from({ length: 5 }, () => ({
      method: 'GET',
      uri: `${sb?.url}/demo/api/webHooks`,
    }));
    // A 5-request batch plus two plain requests fit into one second's 3 only if the batch costs 1.
    const [batch, ...plain] = await Promise.all([
      sb.api('POST', '/batch', { token, body: { data: { requests } } }),
      sb.api('GET', '/webHooks', { token }),
      sb.api('GET', '/webHooks', { token }),
    ]);
    expect(batch.status).toBe(200);
    expect(
      batch
        .json()
        .requests.request.map(
          (r: { response: { header: { statusCode: number } } }) => r.response.header.statusCode,
        ),
    ).toEqual([200, 200, 200, 200, 200]);
    expect(plain.map((a) => a.status)).toEqual([200, 200]);
  });

  it('can be switched off', async () => {
    sb = await startTestSandbox({ rateLimit: false });
    const token = await sb.token();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => sb?.api('GET', '/webHooks', { token })),
    );
    expect(statuses.map((r) => r?.status)).toEqual(Array(10).fill(200));
  });
});

describe('fault injection per shop', () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  it('answers a fraction of API requests with 500/503 in the documented error shape', async () => {
    sb = await startTestSandbox();
    const token = await sb.token();
    sb.setFaults('demo', { errorRate: 1, errorStatus: 503 });
    const res = await sb.api('GET', '/webHooks', { token });
    expect(res.status).toBe(503);
    expect(res.json()).toEqual({ message: 'Service Unavailable' });
    sb.setFaults('demo', { errorRate: 1 });
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(500);
    sb.setFaults('demo', {});
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(200);
  });

  it('forces 429s: a number means the next N requests, true means all', async () => {
    sb = await startTestSandbox();
    const token = await sb.token();
    sb.setFaults('demo', { force429: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await sb.api('GET', '/webHooks', { token })).status);
    expect(statuses).toEqual([429, 429, 200]);
    sb.setFaults('demo', { force429: true });
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(429);
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(429);
  });

  it('adds latency to API answers', async () => {
    sb = await startTestSandbox();
    const token = await sb.token();
    sb.setFaults('demo', { latencyMs: 200 });
    const started = Date.now();
    expect((await sb.api('GET', '/webHooks', { token })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('takes the token endpoint down, for one shop only', async () => {
    sb = await startTestSandbox({
      shops: [
        { name: 'demo', clients: [{ clientId: 'a', clientSecret: 'b', scopes: [] }] },
        { name: 'other', clients: [{ clientId: 'a', clientSecret: 'b', scopes: [] }] },
      ],
    });
    sb.setFaults('demo', { tokenEndpointDown: true });
    const body = { grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' };
    const down = await sb.call('POST', '/demo/app/token', { body });
    expect(down.status).toBe(503);
    expect(down.json().error).toBe('temporarily_unavailable');
    expect((await sb.call('POST', '/other/app/token', { body })).status).toBe(200);
  });

  it('sets and reads faults through the admin route, rejecting nonsense with a clear message', async () => {
    sb = await startTestSandbox();
    const set = await sb.call('PUT', '/demo/_sandbox/faults', { body: { errorRate: 1, errorStatus: 500 } });
    expect(set.status).toBe(200);
    expect(set.json()).toEqual({ faults: { errorRate: 1, errorStatus: 500 } });
    expect((await sb.api('GET', '/webHooks')).status).toBe(500);
    expect((await sb.call('GET', '/demo/_sandbox/faults')).json()).toEqual({
      faults: { errorRate: 1, errorStatus: 500 },
    });
    const bad = await sb.call('PUT', '/demo/_sandbox/faults', { body: { errorRate: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: 40005, message: 'errorRate must be a number between 0 and 1.' });
    const unknown = await sb.call('PUT', '/demo/_sandbox/faults', { body: { explode: true } });
    expect(unknown.json().message).toMatch(/Unknown fault\(s\) explode/);
    expect(() => sb.setFaults('demo', { errorStatus: 418 as 500 })).toThrow(/500 or 503/);
  });
});

describe('error handling', () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  it('answers unknown routes with a 404 in the error shape, never a stack trace', async () => {
    sb = await startTestSandbox();
    const res = await sb.call('GET', '/nowhere');
    expect(res.status).toBe(404);
    // The sandbox's own words outside /{shop}/api, in the message-only shape.
    expect(res.json()).toEqual({ message: expect.stringMatching(/^No route GET \/nowhere/) });
  });

  it('answers a body over the limit with 400/40013', async () => {
    sb = await startTestSandbox();
    const res = await sb.api('POST', '/webHooks', { rawBody: `{"label":"${'x'.repeat(1024 * 1024)}"}` });
    expect(res.status).toBe(400);
    expect(res.json().error).toBe(40013);
  });
});

describe('malformed URLs', () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  it('answer 400 in the error shape, in a batch too', async () => {
    sb = await startTestSandbox();
    const res = await sb.api('GET', '/webHooks/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: 'Bad Request' });
    expect(res.headers.get('x-sandbox-hint')).toMatch(/not a valid url component; fix the URL/);
    const batch = await sb.api('POST', '/batch', {
      body: { data: { requests: [{ method: 'GET', uri: '/api/webHooks/%E0%A4%A' }] } },
    });
    expect(batch.json().requests.request[0].response).toMatchObject({
      header: { statusCode: 404 },
      body: { message: 'Resource matching URI "/webHooks/%E0%A4%A" not found' },
    });
  });
});
