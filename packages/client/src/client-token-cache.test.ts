/**
 * `tokenCache`: a token kept between processes (the CLI keeps it in a file). A new client reuses the
 * cache's token while the refresh rule keeps it, requests one otherwise and writes it; a token the API
 * refuses is forgotten; a cache that throws or returns garbage changes nothing but the token request.
 * Against the sandbox, over HTTP.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachedAccessToken, TokenCache } from './auth/token-manager.js';
import { AuthError, InputError } from './errors.js';
import { countingFetch, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox({
    rateLimit: false,
    shops: [
      {
        name: 'demo',
        clients: [
          {
            clientId: 'cache-client',
            clientSecret: 'cache-secret',
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

const auth = { clientId: 'cache-client', clientSecret: 'cache-secret' };

/** A cache in memory that records what the client did with it. */
function memoryCache(initial?: CachedAccessToken): TokenCache & {
  entry: CachedAccessToken | undefined;
  reads: number;
  writes: CachedAccessToken[];
  forgotten: string[];
} {
  const cache = {
    entry: initial,
    reads: 0,
    writes: [] as CachedAccessToken[],
    forgotten: [] as string[],
    read() {
      cache.reads++;
      return cache.entry;
    },
    async write(token: CachedAccessToken) {
      cache.writes.push(token);
      cache.entry = token;
    },
    async forget(accessToken: string) {
      cache.forgotten.push(accessToken);
      if (cache.entry?.accessToken === accessToken) cache.entry = undefined;
    },
  };
  return cache;
}

/** A real token of the sandbox, requested without the client. */
async function sandboxToken(sandbox: TestSandbox = t): Promise<string> {
  const response = await fetch(sandbox.sandbox.tokenUrlTemplate.replace('{shop}', 'demo'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: auth.clientId,
      client_secret: auth.clientSecret,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * A token of another sandbox, signed with a key of its own (the test sandboxes of a process share one), so
 * the test sandbox answers 401 to it.
 */
async function foreignToken(): Promise<string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = await startTestSandbox({
    rateLimit: false,
    shops: [{ name: 'demo', clients: [{ ...auth, scopes: ['store.webhook:read'] }] }],
    signingKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  return sandboxToken(other).finally(() => other.close());
}

describe('tokenCache', () => {
  it('a second client reuses the token the first one requested: one token request in all', async () => {
    const cache = memoryCache();
    const first = countingFetch();
    await t.client({ auth, fetch: first.fetch, rateLimit: false, tokenCache: cache }).webhooks.list();
    expect(first.tokenRequests()).toBe(1);
    expect(cache.writes).toHaveLength(1);
    const written = cache.writes[0] as CachedAccessToken;
    expect(written.obtainedAt).toBeInstanceOf(Date);
    expect(written.expiresAt.getTime() - (written.obtainedAt as Date).getTime()).toBe(3_600_000);
    expect(written.scopes).toEqual(['store.webhook:read', 'store.webhook:write']);

    const second = countingFetch();
    const client = t.client({ auth, fetch: second.fetch, rateLimit: false, tokenCache: cache });
    await client.webhooks.list();
    await client.webhooks.list();
    expect(second.tokenRequests()).toBe(0);
    expect(second.apiRequests()).toBe(2);
    expect((await client.getToken()).accessToken).toBe(written.accessToken);
    // read once per process, not before every request
    expect(cache.reads).toBe(2);
    expect(cache.writes).toHaveLength(1);
  });

  it('uses a cached token only before its refresh point: the margin before expiry, at most half its lifetime', async () => {
    const accessToken = await sandboxToken();
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms);
    const cases: Array<[string, CachedAccessToken, boolean]> = [
      [
        'an hour token with 90 s left',
        { accessToken, scopes: [], expiresAt: at(90_000), obtainedAt: at(-3_510_000) },
        true,
      ],
      [
        'an hour token with 30 s left (inside the 60 s margin)',
        { accessToken, scopes: [], expiresAt: at(30_000), obtainedAt: at(-3_570_000) },
        false,
      ],
      ['expired', { accessToken, scopes: [], expiresAt: at(-1_000), obtainedAt: at(-3_601_000) }, false],
      [
        'a 4 s token 1 s old (renewed at half its lifetime: 1 s left)',
        { accessToken, scopes: [], expiresAt: at(3_000), obtainedAt: at(-1_000) },
        true,
      ],
      [
        'a 4 s token 2.5 s old',
        { accessToken, scopes: [], expiresAt: at(1_500), obtainedAt: at(-2_500) },
        false,
      ],
      ['no obtainedAt, 90 s left', { accessToken, scopes: [], expiresAt: at(90_000) }, true],
      ['no obtainedAt, 30 s left', { accessToken, scopes: [], expiresAt: at(30_000) }, false],
    ];
    for (const [name, entry, used] of cases) {
      const cache = memoryCache(entry);
      const counter = countingFetch();
      const client = t.client({
        auth,
        fetch: counter.fetch,
        rateLimit: false,
        now: () => now,
        tokenCache: cache,
      });
      await client.webhooks.list();
      expect(counter.tokenRequests(), name).toBe(used ? 0 : 1);
      expect(cache.writes, name).toHaveLength(used ? 0 : 1);
    }
  });

  it('a cached token the API refuses is forgotten there, and a new one is requested, used and written', async () => {
    // a token of another sandbox, signed with another key: this one answers 401
    const foreign = await foreignToken();
    const cache = memoryCache({
      accessToken: foreign,
      scopes: [],
      expiresAt: new Date(Date.now() + 3_000_000),
    });
    const counter = countingFetch();
    const client = t.client({ auth, fetch: counter.fetch, rateLimit: false, tokenCache: cache });
    const page = await client.webhooks.list();
    expect(page.items).toEqual([]);
    expect(counter.tokenRequests()).toBe(1);
    expect(counter.apiRequests()).toBe(2);
    expect(cache.forgotten).toEqual([foreign]);
    expect(cache.writes).toHaveLength(1);
    expect(cache.entry?.accessToken).not.toBe(foreign);
    expect((await client.getToken()).accessToken).toBe(cache.entry?.accessToken);
  });

  it('a cache without forget still never hands the refused token back', async () => {
    const foreign = await foreignToken();
    const entry = { accessToken: foreign, scopes: [], expiresAt: new Date(Date.now() + 3_000_000) };
    const counter = countingFetch();
    // it keeps answering the refused token, and its writes go nowhere
    const cache: TokenCache = { read: () => entry, write: () => {} };
    const client = t.client({ auth, fetch: counter.fetch, rateLimit: false, tokenCache: cache });
    await client.webhooks.list();
    await client.webhooks.list();
    expect(counter.tokenRequests()).toBe(1);
    expect(counter.apiRequests()).toBe(3);
  });

  it('a token lacking a scope, old enough that a new one may carry it, is forgotten in the cache too', async () => {
    const accessToken = await sandboxToken();
    const now = Date.now();
    const cache = memoryCache({
      accessToken,
      scopes: ['store.webhook:read', 'store.webhook:write'],
      expiresAt: new Date(now + 3_000_000),
      obtainedAt: new Date(now - 600_000),
    });
    const counter = countingFetch();
    const client = t.client({ auth, fetch: counter.fetch, rateLimit: false, tokenCache: cache });
    const refused = await client.orders.search().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect(cache.forgotten).toEqual([accessToken]);
    expect(counter.tokenRequests()).toBe(1);
    expect(cache.writes).toHaveLength(1);
  });

  it('a cache that throws, rejects or returns garbage never fails a call: the client requests a token as without it', async () => {
    const accessToken = await sandboxToken();
    const later = new Date(Date.now() + 3_000_000);
    const reads: Array<[string, () => unknown]> = [
      [
        'throws',
        () => {
          throw new Error('disk on fire');
        },
      ],
      ['rejects', () => Promise.reject(new Error('disk on fire'))],
      ['a string', () => 'token'],
      ['null', () => null],
      ['a list', () => [accessToken]],
      ['an empty token', () => ({ accessToken: '', scopes: [], expiresAt: later })],
      ['a token that is no string', () => ({ accessToken: 42, scopes: [], expiresAt: later })],
      ['expiresAt as text', () => ({ accessToken, scopes: [], expiresAt: later.toISOString() })],
      ['an invalid date', () => ({ accessToken, scopes: [], expiresAt: new Date(Number.NaN) })],
      ['scopes that are no list', () => ({ accessToken, scopes: 'store.webhook:read', expiresAt: later })],
      [
        'obtainedAt in the future',
        () => ({ accessToken, scopes: [], expiresAt: later, obtainedAt: new Date(Date.now() + 600_000) }),
      ],
    ];
    for (const [name, read] of reads) {
      const counter = countingFetch();
      const failures: string[] = [];
      const logger = {
        debug() {},
        info() {},
        error() {},
        warn: (details: object) => failures.push(JSON.stringify(details)),
      };
      const client = t.client({
        auth,
        fetch: counter.fetch,
        rateLimit: false,
        logger,
        tokenCache: {
          read: read as TokenCache['read'],
          write: () => Promise.reject(new Error('read-only disk')),
        },
      });
      const page = await client.webhooks.list();
      expect(page.page, name).toBe(0);
      expect(counter.tokenRequests(), name).toBe(1);
      // the failed write is reported (and the read's when it threw), never with the token
      expect(
        failures.some((line) => line.includes('"write"')),
        name,
      ).toBe(true);
      for (const line of failures) expect(line).not.toContain((await client.getToken()).accessToken);
    }
  });

  it('a forget that throws does not fail the retried call', async () => {
    const foreign = await foreignToken();
    const counter = countingFetch();
    const client = t.client({
      auth,
      fetch: counter.fetch,
      rateLimit: false,
      tokenCache: {
        read: () => ({ accessToken: foreign, scopes: [], expiresAt: new Date(Date.now() + 3_000_000) }),
        write: () => {},
        forget: () => {
          throw new Error('gone');
        },
      },
    });
    expect((await client.webhooks.list()).page).toBe(0);
    expect(counter.tokenRequests()).toBe(1);
  });

  it('refuses a tokenCache that is not one, before any request', () => {
    for (const tokenCache of [
      {},
      { read: () => undefined },
      { read: () => undefined, write: 'x' },
      'file',
      { read() {}, write() {}, forget: 1 },
    ]) {
      expect(() => t.client({ auth, tokenCache: tokenCache as unknown as TokenCache })).toThrow(InputError);
    }
    expect(() => t.client({ auth, tokenCache: {} as TokenCache })).toThrow(
      'tokenCache must be an object with read() and write(token) functions (and optionally forget(accessToken)), got an object',
    );
  });
});
