import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopRenterClient, type ShopRenterClientOptions } from './client.js';
import { InputError, type NetworkError, ServerError } from './errors.js';
import { webhookRequests } from './resources/webhook-batch-requests.js';
import { startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

// The client's numeric policies as an app developer passes them, `Number(process.env.X)` of an unset
// variable (NaN) included. Before they were checked, `retry.maxAttempts: NaN` retried a 503 forever,
// `timeoutMs: NaN` or `0` timed requests out at once ("check the network"), and a rate limit of NaN
// failed with a bare RangeError about an internal `windowMs`.

const base: ShopRenterClientOptions = {
  shop: 'demo',
  auth: { clientId: 'id', clientSecret: 'secret' },
  apiUrl: 'http://127.0.0.1:1/{shop}/api',
  tokenUrl: 'http://127.0.0.1:1/{shop}/app/token',
};

function creationError(overrides: Record<string, unknown>): unknown {
  try {
    createShopRenterClient({ ...base, ...overrides } as ShopRenterClientOptions);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('policies that cannot work are an InputError naming the option', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'timeoutMs NaN',
      { timeoutMs: Number.NaN },
      'timeoutMs',
      /timeoutMs must be a number of milliseconds ≥ 1, got NaN/,
    ],
    ['timeoutMs 0', { timeoutMs: 0 }, 'timeoutMs', /got 0/],
    ['timeoutMs "30000"', { timeoutMs: '30000' }, 'timeoutMs', /got "30000"/],
    [
      'retry.maxAttempts NaN',
      { retry: { maxAttempts: Number.NaN } },
      'retry.maxAttempts',
      /whole number of attempts ≥ 1, got NaN \(1 = not retried\)/,
    ],
    ['retry.maxAttempts 0', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts', /got 0/],
    ['retry.maxAttempts 2.5', { retry: { maxAttempts: 2.5 } }, 'retry.maxAttempts', /got 2.5/],
    ['retry.baseDelayMs NaN', { retry: { baseDelayMs: Number.NaN } }, 'retry.baseDelayMs', /got NaN/],
    ['retry.maxDelayMs -1', { retry: { maxDelayMs: -1 } }, 'retry.maxDelayMs', /got -1/],
    [
      'retry.maxRetryAfterMs Infinity',
      { retry: { maxRetryAfterMs: Number.POSITIVE_INFINITY } },
      'retry.maxRetryAfterMs',
      /got Infinity/,
    ],
    [
      'retry.retryStatuses "429"',
      { retry: { retryStatuses: '429' } },
      'retry.retryStatuses',
      /list of HTTP statuses/,
    ],
    [
      'retry.idempotentRetryStatuses [5000]',
      { retry: { idempotentRetryStatuses: [5000] } },
      'retry.idempotentRetryStatuses',
      /got \[5000\]/,
    ],
    ['retry 5', { retry: 5 }, 'retry', /retry must be an object of options, got a number/],
    [
      'rateLimit.requestsPerSecond NaN',
      { rateLimit: { requestsPerSecond: Number.NaN } },
      'rateLimit.requestsPerSecond',
      /whole number of requests ≥ 1, got NaN/,
    ],
    [
      'rateLimit.requestsPerSecond 0',
      { rateLimit: { requestsPerSecond: 0 } },
      'rateLimit.requestsPerSecond',
      /rateLimit: false turns the limiter off/,
    ],
    [
      'rateLimit.safetyMarginMs NaN',
      { rateLimit: { safetyMarginMs: Number.NaN } },
      'rateLimit.safetyMarginMs',
      /got NaN/,
    ],
    ['rateLimit true', { rateLimit: true }, 'rateLimit', /got a boolean/],
    [
      'tokenRefreshMarginSeconds NaN',
      { tokenRefreshMarginSeconds: Number.NaN },
      'tokenRefreshMarginSeconds',
      /got NaN/,
    ],
    ['fetch 5', { fetch: 5 }, 'fetch', /fetch must be a function, got a number/],
  ];

  it.each(cases)('%s', (_n, overrides, field, message) => {
    const error = creationError(overrides);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('invalid_input');
    expect((error as InputError).field).toBe(field);
    expect((error as InputError).message).toMatch(message);
  });
});

describe('credentials of the wrong type', () => {
  it.each([
    [
      'a Buffer clientSecret',
      { clientId: 'id', clientSecret: Buffer.from('the-client-secret') },
      /\(clientSecret is a Buffer, not a string\)/,
    ],
    [
      'a number clientId',
      { clientId: 1234567, clientSecret: 'the-client-secret' },
      /\(clientId is a number, not a string\)/,
    ],
    ['a number password', { username: 'user', password: 99887766 }, /\(password is a number, not a string\)/],
    ['an unset clientSecret', { clientId: 'id', clientSecret: undefined }, /\(missing clientSecret\)/],
  ])('%s: invalid_auth says which, never quoting it (was "missing …")', (_n, auth, message) => {
    const error = creationError({ auth });
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('invalid_auth');
    expect((error as InputError).message).toMatch(message);
    expect((error as InputError).message).not.toMatch(/the-client-secret|99887766|1234567/);
  });
});

describe('an option the client does not take is refused, naming the one meant', () => {
  it.each([
    [
      'tokenURL',
      { tokenURL: 'http://127.0.0.1:1/{shop}/app/token' },
      'tokenURL',
      /^tokenURL is not an option; did you mean "tokenUrl"\? \(the options: shop, auth, apiUrl, tokenUrl, /,
    ],
    ['apiURL', { apiURL: 'http://127.0.0.1:1/{shop}/api' }, 'apiURL', /did you mean "apiUrl"\?/],
    ['ratelimit', { ratelimit: false }, 'ratelimit', /did you mean "rateLimit"\?/],
    [
      'retry.maxAttempt',
      { retry: { maxAttempt: 1 } },
      'retry.maxAttempt',
      /^retry\.maxAttempt is not an option of retry; did you mean "maxAttempts"\?/,
    ],
    [
      'rateLimit.perSecond',
      { rateLimit: { perSecond: 3 } },
      'rateLimit.perSecond',
      /\(the options: requestsPerSecond, safetyMarginMs\)/,
    ],
    [
      'tokenRequest.timeout',
      { tokenRequest: { timeout: 5000 } },
      'tokenRequest.timeout',
      /did you mean "timeoutMs"\?/,
    ],
    ['a name like no option', { colour: 'red' }, 'colour', /^colour is not an option \(the options: /],
  ])('%s', (_name, overrides, field, message) => {
    const error = creationError(overrides) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'unknown_key', field });
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/Left in, it would be ignored and its default used\.$/);
  });

  it('a misspelt tokenUrl no longer sends the client secret to ShopRenter’s real token endpoint', () => {
    const sent: string[] = [];
    const error = creationError({
      tokenUrl: undefined,
      tokenURL: 'http://127.0.0.1:1/{shop}/app/token',
      fetch: async (request: Request) => {
        sent.push(request.url);
        return new Response(null, { status: 599 });
      },
    });
    expect(error).toMatchObject({ code: 'unknown_key', field: 'tokenURL' });
    expect(sent).toEqual([]);
  });
});

describe('against the sandbox over real HTTP', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox();
  });
  afterAll(async () => {
    await t.close();
  });

  it('an option given as undefined counts as left out (the defaults apply)', async () => {
    const client = t.client({
      timeoutMs: undefined,
      retry: { maxAttempts: undefined, baseDelayMs: undefined, maxDelayMs: undefined },
      // The first client of this sandbox's origin: it creates the shared request window.
      rateLimit: { requestsPerSecond: undefined, safetyMarginMs: undefined },
    });
    const page = await client.webhooks.list();
    expect(page.page).toBe(0);
  });

  it('a request that times out says which limit ran out (timeoutMs and its value)', async () => {
    t.sandbox.setFaults('demo', { latencyMs: 3_000 });
    try {
      const error = await t
        .client({ retry: { maxAttempts: 1 }, timeoutMs: 200, rateLimit: false })
        .webhooks.list()
        .catch((caught: unknown) => caught);
      expect((error as NetworkError).code).toBe('timeout');
      expect((error as NetworkError).message).toMatch(
        /^GET \S+ timed out \(no answer within 200 ms, the timeoutMs limit\): check the network/,
      );
    } finally {
      t.sandbox.setFaults('demo', {});
    }
  });

  it('good policies still work: one attempt against an answer of 503 gives the typed error', async () => {
    t.sandbox.setFaults('demo', { errorRate: 1, errorStatus: 503 });
    try {
      const error = await t
        .client({ retry: { maxAttempts: 1 }, timeoutMs: 5_000, rateLimit: false })
        .webhooks.list()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).status).toBe(503);
    } finally {
      t.sandbox.setFaults('demo', {});
    }
  });
});

describe('an href of another shop, against the sandbox over real HTTP', () => {
  let s: TestSandbox;
  beforeAll(async () => {
    s = await startTestSandbox();
  });
  afterAll(async () => {
    await s.close();
  });

  it('delete(href of shop "other") deletes nothing in this client’s shop (ids are numbered per shop)', async () => {
    const client = s.client({ rateLimit: false });
    const created = await client.webhooks.create({
      event: 'order_confirm',
      url: 'https://hooks.example.com/x',
    });
    const otherHref = (created.href ?? '').replace('/demo/api/', '/other/api/');
    expect(otherHref).toContain('/other/api/webHooks/');
    const error = await client.webhooks.delete(otherHref).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(
      /is an href of shop "other", but this client is for shop "demo"/,
    );
    expect((await client.webhooks.get(created.id)).id).toBe(created.id); // still there
  });

  it('batch([webhookRequests.delete(href of shop "other")]) is refused the same, nothing sent', async () => {
    const client = s.client({ rateLimit: false });
    const created = await client.webhooks.create({
      event: 'order_confirm',
      url: 'https://hooks.example.com/y',
    });
    const otherHref = (created.href ?? '').replace('/demo/api/', '/other/api/');
    for (const request of [
      webhookRequests.delete(otherHref),
      webhookRequests.get(otherHref),
      webhookRequests.update(otherHref, { event: 'order_confirm', url: 'https://hooks.example.com/z' }),
    ]) {
      const error = await client.batch([request]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(
        /^requests\[0\]: .* is an href of shop "other", but this client is for shop "demo"/,
      );
    }
    expect((await client.webhooks.get(created.id)).id).toBe(created.id); // still there
    // this shop's own href, and a bare id, as before
    const own = await client.batch([
      webhookRequests.get(created.href ?? ''),
      webhookRequests.get(created.id),
    ]);
    expect(own.map((result) => result.status)).toEqual([200, 200]);
  });
});
