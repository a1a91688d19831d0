import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiverUrl, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

let t: TestSandbox;

beforeAll(async () => {
  // The sandbox enforces ShopRenter's documented 3 requests/second per (client, shop).
  t = await startTestSandbox({
    rateLimit: { perSecond: 3 },
    shops: [
      {
        name: 'limited',
        clients: [
          {
            clientId: 'limited-client',
            clientSecret: 'limited-secret-123',
            scopes: ['store.webhook:read', 'store.webhook:write'],
          },
        ],
      },
      {
        name: 'unlimited',
        clients: [
          {
            clientId: 'free-client',
            clientSecret: 'free-secret-12345',
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

describe('rate limiting against a 3 req/s sandbox', () => {
  it('20 concurrent creates all succeed with zero 429s (client token bucket)', async () => {
    const client = t.client({
      shop: 'limited',
      auth: { clientId: 'limited-client', clientSecret: 'limited-secret-123' },
    });
    await client.getToken();
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.webhooks.create({
          event: 'order_confirm',
          url: receiverUrl(`burst-${i}`),
          label: `burst ${i}`,
        }),
      ),
    );
    expect(new Set(created.map((w) => w.id)).size).toBe(20);
    expect(created.map((w) => w.label).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `burst ${i}`).sort(),
    );
    const counts = t.sandbox.requestCount('limited');
    expect(counts.byStatus[429] ?? 0).toBe(0);
    expect(counts.byStatus[201]).toBe(20);
  });

  it('with the client limiter off the sandbox answers 429, and retries recover every call', async () => {
    const client = t.client({
      shop: 'unlimited',
      auth: { clientId: 'free-client', clientSecret: 'free-secret-12345' },
      rateLimit: false,
      retry: { maxAttempts: 10, baseDelayMs: 400, maxDelayMs: 2_000 },
    });
    await client.getToken();
    const pages = await Promise.all(Array.from({ length: 9 }, () => client.webhooks.list()));
    expect(pages.every((page) => page.page === 0)).toBe(true);
    const counts = t.sandbox.requestCount('unlimited');
    expect(counts.byStatus[429]).toBeGreaterThan(0);
    expect(counts.byStatus[200]).toBe(9 + 1);
  });
});
