import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopRenterClient } from './client.js';
import { InputError, TokenError } from './errors.js';

// A token endpoint that accepts the request and never answers: the `tokenRequest` policy decides how
// many requests it sees and how long the caller waits.
let server: Server;
let tokenUrl: string;
const arrived: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((request) => {
    arrived.push(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{shop}/app/token`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = (tokenRequest: { maxAttempts?: number; timeoutMs?: number }) =>
  createShopRenterClient({
    shop: 'demo',
    auth: { clientId: 'id', clientSecret: 'secret' },
    apiUrl: 'http://127.0.0.1:1/{shop}/api',
    tokenUrl,
    rateLimit: false,
    sleep: async () => {},
    tokenRequest,
  });

describe('tokenRequest: the token request policy', () => {
  it('maxAttempts 1 and a 300 ms limit: one request, a timeout error after ≈ 0.3 s', async () => {
    arrived.length = 0;
    const started = Date.now();
    const error = await client({ maxAttempts: 1, timeoutMs: 300 })
      .getToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenError);
    expect((error as TokenError).code).toBe('token_endpoint_unavailable');
    expect((error as TokenError).message).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(arrived).toHaveLength(1);
  });

  it('maxAttempts 2: two requests, each with its own limit', async () => {
    arrived.length = 0;
    await expect(client({ maxAttempts: 2, timeoutMs: 200 }).getToken()).rejects.toBeInstanceOf(TokenError);
    expect(arrived).toHaveLength(2);
  });

  it('a token URL on a port fetch refuses outright (bad port): one attempt, saying to use another port', async () => {
    let sent = 0;
    const error = await createShopRenterClient({
      shop: 'demo',
      auth: { clientId: 'id', clientSecret: 'secret' },
      apiUrl: 'http://127.0.0.1:1/{shop}/api',
      tokenUrl: 'http://127.0.0.1:6000/{shop}/app/token',
      rateLimit: false,
      sleep: async () => {},
      fetch: (request) => {
        sent += 1;
        return globalThis.fetch(request);
      },
    })
      .getToken()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenError);
    expect(sent).toBe(1);
    expect((error as TokenError).message).toContain(
      'port 6000 is one that HTTP clients refuse to connect to: use another port',
    );
  });

  it('refuses a policy that cannot work, naming the field', () => {
    for (const [policy, field] of [
      [{ maxAttempts: 0 }, 'tokenRequest.maxAttempts'],
      [{ maxAttempts: 1.5 }, 'tokenRequest.maxAttempts'],
      [{ timeoutMs: 0 }, 'tokenRequest.timeoutMs'],
      [{ timeoutMs: Number.NaN }, 'tokenRequest.timeoutMs'],
    ] as const) {
      let caught: unknown;
      try {
        client(policy);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect((caught as InputError).field).toBe(field);
    }
  });
});
