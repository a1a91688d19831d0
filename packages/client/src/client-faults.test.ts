import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NetworkError, ServerError, ValidationError } from './errors.js';
import { countingFetch, receiverUrl, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

let t: TestSandbox;
const fast = { baseDelayMs: 5, maxDelayMs: 20 };

beforeAll(async () => {
  t = await startTestSandbox({ rateLimit: false });
});

afterAll(async () => {
  await t.close();
});

beforeEach(() => {
  t.sandbox.setFaults('demo', {});
});

function byStatus(status: number): number {
  return t.sandbox.requestCount('demo').byStatus[status] ?? 0;
}

describe('faults injected by the sandbox', () => {
  it('a 60 % fraction of 500s plus latency: reads still succeed within bounded retries', async () => {
    const client = t.client({ rateLimit: false, retry: { ...fast, maxAttempts: 40 } });
    await client.getToken();
    const before = { ok: byStatus(200), failed: byStatus(500) };
    t.sandbox.setFaults('demo', { errorRate: 0.6, errorStatus: 500, latencyMs: 30 });
    const pages = await Promise.all(
      Array.from({ length: 16 }, (_, i) => client.webhooks.list({ limit: i + 1 })),
    );
    expect(pages.map((page) => page.limit)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(byStatus(200) - before.ok).toBe(16);
    expect(byStatus(500) - before.failed).toBeGreaterThan(0);
  });

  it('503s are retried for writes too (the request was not processed)', async () => {
    const client = t.client({ rateLimit: false, retry: { ...fast, maxAttempts: 40 } });
    await client.getToken();
    const before = byStatus(503);
    t.sandbox.setFaults('demo', { errorRate: 0.6, errorStatus: 503 });
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client.webhooks.create({ event: 'order_confirm', url: receiverUrl(`fault-${i}`) }),
      ),
    );
    t.sandbox.setFaults('demo', {});
    expect(created).toHaveLength(10);
    expect(byStatus(503) - before).toBeGreaterThan(0);
    const listed = await client.webhooks.all();
    expect(listed.filter((w) => w.webHookParameters[0]?.url.includes('receiver-fault-'))).toHaveLength(10);
  });

  it('forced 429s are waited out', async () => {
    const client = t.client({ rateLimit: false, retry: fast });
    await client.getToken();
    const before = byStatus(429);
    t.sandbox.setFaults('demo', { force429: 3 });
    expect((await client.webhooks.list()).page).toBe(0);
    expect(byStatus(429) - before).toBe(3);
  });

  it('gives up after maxAttempts with a ServerError that says what happened', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch, retry: { ...fast, maxAttempts: 3 } });
    await client.getToken();
    t.sandbox.setFaults('demo', { errorRate: 1, errorStatus: 500 });
    const error = await client.webhooks.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(500);
    expect((error as ServerError).message).toContain('after 3 attempts');
    expect(counter.apiRequests()).toBe(3);
  });

  it('does not retry a 500 on POST (it may have been processed)', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch, retry: fast });
    await client.getToken();
    t.sandbox.setFaults('demo', { errorRate: 1, errorStatus: 500 });
    const error = await client.webhooks
      .create({ event: 'order_confirm', url: receiverUrl('no-retry') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(counter.apiRequests()).toBe(1);
    // Not "try again later" alone: sent again blindly, a create that went through would make a second webhook.
    expect((error as ServerError).message).toMatch(
      /answered 500: "Internal Server Error": ShopRenter is having trouble, and the POST may have been carried out anyway \(it is not retried\): look whether it was \(list the webhooks\) before sending it again, or it may be done twice\.$/,
    );
  });

  it('does not retry 4xx answers', async () => {
    const counter = countingFetch();
    const client = t.client({ rateLimit: false, fetch: counter.fetch, retry: fast });
    // Another resource's API id (an order's) → 400/40007.
    const error = await client.webhooks.get('b3JkZXItb3JkZXJfaWQ9MQ==').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).innerCode).toBe(40007);
    await expect(client.webhooks.get('d2ViSG9vay1ub3RpZmljYXRpb25faWQ9ODg4OA==')).rejects.toMatchObject({
      status: 404,
    });
    expect(counter.apiRequests()).toBe(2);
  });

  it('times out a slow answer per request and reports it', async () => {
    const client = t.client({ rateLimit: false, timeoutMs: 100, retry: { ...fast, maxAttempts: 2 } });
    await client.getToken();
    t.sandbox.setFaults('demo', { latencyMs: 400 });
    const error = await client.webhooks.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('timeout');
    expect((error as NetworkError).message).toMatch(/timed out after 2 attempts/);
    t.sandbox.setFaults('demo', { latencyMs: 50 });
    const patient = t.client({ rateLimit: false, timeoutMs: 2_000 });
    expect((await patient.webhooks.list()).page).toBe(0);
  });
});
