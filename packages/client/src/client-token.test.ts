import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenError } from './errors.js';
import { countingFetch, DEMO_CLIENT, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let t: TestSandbox;

beforeAll(async () => {
  // Short-lived tokens so refresh happens within the test (2 s lifetime → renewed after 1 s).
  t = await startTestSandbox({ rateLimit: false, tokenTtlSeconds: 2 });
});

afterAll(async () => {
  await t.close();
});

describe('OAuth tokens against the sandbox', () => {
  it('caches the token, then renews it before it expires', async () => {
    // A sandbox of its own with 30 s tokens: the sandbox judges a token by the real clock, so with the 2 s
    // ones a slow moment on a loaded machine expired it there between two calls, and the client's retry
    // after the 401 fetched a new one (it did, in CI).
    const own = await startTestSandbox({ rateLimit: false, tokenTtlSeconds: 30 });
    try {
      await cachesThenRenews(own);
    } finally {
      await own.close();
    }
  });

  async function cachesThenRenews(t: TestSandbox): Promise<void> {
    const counter = countingFetch();
    // The client's clock stands still until the test moves it: a slow moment on a loaded machine cannot
    // age the token past its renewal point while the test checks the cache.
    let clock = Date.now();
    const client = t.client({ fetch: counter.fetch, rateLimit: false, now: () => clock });
    const first = await client.getToken();
    expect(first.scopes).toEqual(DEMO_CLIENT.scopes);
    expect(first.expiresAt.getTime()).toBeGreaterThan(clock);
    expect(first.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 31_000);
    await client.webhooks.list();
    await client.webhooks.list();
    expect((await client.getToken()).accessToken).toBe(first.accessToken);
    expect(counter.tokenRequests()).toBe(1);

    // JWT times are whole seconds: a second later, the sandbox's next token expires later than the first.
    await sleep(1_100);
    // Renewal starts half the lifetime the client measured (over 15 s: exp is the issuing second + 30 s)
    // before `exp` at the latest, so 0.2 s before `exp` is inside the window and the token still valid.
    clock = first.expiresAt.getTime() - 200;
    const second = await client.getToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    expect(counter.tokenRequests()).toBe(2);
    await client.webhooks.list();
    expect(counter.tokenRequests()).toBe(2);
  }

  it('shares one token request among concurrent callers', async () => {
    // A sandbox of its own with 30 s tokens, and the client's clock standing still: on a 0.7-CPU run the
    // 15 calls took longer than the shared sandbox's 2 s tokens live, one was refused with an expired
    // token and the client fetched a second one (as it should).
    const own = await startTestSandbox({ rateLimit: false, tokenTtlSeconds: 30 });
    try {
      const counter = countingFetch();
      const now = Date.now();
      const client = own.client({ fetch: counter.fetch, rateLimit: false, now: () => now });
      const [tokens, pages] = await Promise.all([
        Promise.all(Array.from({ length: 10 }, () => client.getToken())),
        Promise.all(Array.from({ length: 5 }, () => client.webhooks.list())),
      ]);
      expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
      expect(pages).toHaveLength(5);
      expect(counter.tokenRequests()).toBe(1);
      expect(counter.apiRequests()).toBe(5);
    } finally {
      await own.close();
    }
  });

  it('after a 401 with a token it believed valid, fetches a new one and retries once', async () => {
    // A sandbox of its own with 8 s tokens: on a 0.7-CPU run the first call outlasted the shared
    // sandbox's 2 s token, so it was refused and renewed too (three token requests, not two).
    const own = await startTestSandbox({ rateLimit: false, tokenTtlSeconds: 8 });
    try {
      const counter = countingFetch();
      // A client clock that stands still: it keeps using a token the server already considers expired.
      const frozen = Date.now();
      const client = own.client({ fetch: counter.fetch, rateLimit: false, now: () => frozen });
      await client.webhooks.list();
      const { expiresAt } = await client.getToken();
      await sleep(expiresAt.getTime() - Date.now() + 50);
      const page = await client.webhooks.list();
      expect(page.page).toBe(0);
      expect(counter.tokenRequests()).toBe(2);
      expect(counter.apiRequests()).toBe(3);
      expect(own.sandbox.requestCount('demo').byStatus[401]).toBeGreaterThanOrEqual(1);
    } finally {
      await own.close();
    }
  });

  it('times a token by its expires_in on this machine’s clock: a clock hours ahead of ShopRenter’s still reuses it', async () => {
    // The JWT's exp is a time on the token server's clock; by it, a machine two hours ahead (a local time
    // zone taken for UTC) saw each token expired on arrival and fetched one before every request.
    for (const hours of [2, -2]) {
      const counter = countingFetch();
      const skewed = () => Date.now() + hours * 3_600_000;
      const own = await startTestSandbox({ rateLimit: false, tokenTtlSeconds: 3600 });
      try {
        const client = own.client({ fetch: counter.fetch, rateLimit: false, now: skewed });
        for (let i = 0; i < 4; i++) await client.webhooks.list();
        expect(counter.tokenRequests(), `clock ${hours} h off`).toBe(1);
        expect(counter.apiRequests()).toBe(4);
        const { expiresAt } = await client.getToken();
        // An hour from now on the client's own clock, as expires_in said.
        expect(Math.abs(expiresAt.getTime() - (skewed() + 3_600_000))).toBeLessThan(60_000);
      } finally {
        await own.close();
      }
    }
  });

  it('reports a wrong secret as TokenError invalid_client with what to do, without retrying', async () => {
    const counter = countingFetch();
    const client = t.client({
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: 'wrong-secret' },
      fetch: counter.fetch,
      rateLimit: false,
    });
    const error = await client.webhooks.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect((error as TokenError).code).toBe('invalid_client');
    expect((error as TokenError).status).toBe(401);
    expect((error as TokenError).oauthError).toBe('invalid_client');
    expect((error as TokenError).message).toBe(
      'ShopRenter refused the client credentials for shop "demo" (401 invalid_client: Client authentication failed): check the client id and secret in Settings > API Settings',
    );
    expect((error as TokenError).message).not.toContain('wrong-secret');
    expect(counter.tokenRequests()).toBe(1);
    expect(counter.apiRequests()).toBe(0);
  });

  it('reports an unknown client id as invalid_client too', async () => {
    const client = t.client({
      auth: { clientId: 'nobody', clientSecret: 'whatever-secret' },
      rateLimit: false,
    });
    await expect(client.getToken()).rejects.toMatchObject({ name: 'TokenError', code: 'invalid_client' });
  });

  it('retries a token endpoint that is down, then says it is unavailable', async () => {
    const counter = countingFetch();
    const sleeps: number[] = [];
    const client = t.client({
      fetch: counter.fetch,
      rateLimit: false,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    t.sandbox.setFaults('demo', { tokenEndpointDown: true });
    try {
      const error = await client.getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenError);
      expect((error as TokenError).code).toBe('token_endpoint_unavailable');
      expect((error as TokenError).status).toBe(503);
      expect(counter.tokenRequests()).toBe(3);
      expect(sleeps).toHaveLength(2);
    } finally {
      t.sandbox.setFaults('demo', {});
    }
    expect((await client.getToken()).accessToken.split('.')).toHaveLength(3);
  });
});
