/**
 * A caller's AbortSignal ends a read at once (against the sandbox): a request stalled on a slow API,
 * the pause before a retry (429 with a long Retry-After), and a multi-page read between pages. The
 * call rejects with the signal's reason, long before the client's own timeout.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

let t: TestSandbox;
const TIMEOUT_MS = 20_000;

beforeAll(async () => {
  t = await startTestSandbox({ rateLimit: false });
});
afterAll(async () => {
  t.sandbox.setFaults('demo', {});
  await t.close();
});
beforeEach(() => {
  t.sandbox.setFaults('demo', {});
});

async function abortedAfter(ms: number, call: (signal: AbortSignal) => Promise<unknown>) {
  const controller = new AbortController();
  const reason = new Error('shutting down');
  setTimeout(() => controller.abort(reason), ms);
  const started = Date.now();
  const outcome = await call(controller.signal).then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { outcome, elapsedMs: Date.now() - started, reason };
}

describe('AbortSignal on reads', () => {
  it('ends an order search stalled on a slow API, with the signal reason', async () => {
    const client = t.client({ rateLimit: false, timeoutMs: TIMEOUT_MS, retry: { maxAttempts: 1 } });
    await client.getToken();
    t.sandbox.setFaults('demo', { latencyMs: 60_000 });
    const { outcome, elapsedMs, reason } = await abortedAfter(300, (signal) =>
      client.orders.search({}, { signal }),
    );
    expect(outcome).toEqual({ ok: false, error: reason });
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS / 4);
  });

  it('ends the pause before a retry (429, the next attempt a minute away)', async () => {
    const client = t.client({
      rateLimit: false,
      timeoutMs: TIMEOUT_MS,
      retry: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000, maxRetryAfterMs: 60_000 },
    });
    await client.getToken();
    t.sandbox.setFaults('demo', { force429: true });
    const { outcome, elapsedMs, reason } = await abortedAfter(500, (signal) =>
      client.newsletterSubscribers.all({ status: 1 }, { signal }),
    );
    expect(outcome).toEqual({ ok: false, error: reason });
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS / 4);
  });

  it('ends a batch of histories and a subscription listing as well', async () => {
    const client = t.client({ rateLimit: false, timeoutMs: TIMEOUT_MS, retry: { maxAttempts: 1 } });
    await client.getToken();
    t.sandbox.setFaults('demo', { latencyMs: 60_000 });
    const histories = await abortedAfter(300, (signal) => client.orders.histories(['1', '2'], { signal }));
    expect(histories.outcome).toEqual({ ok: false, error: histories.reason });
    expect(histories.elapsedMs).toBeLessThan(TIMEOUT_MS / 4);
    const hooks = await abortedAfter(300, (signal) => client.webhooks.all({ signal }));
    expect(hooks.outcome).toEqual({ ok: false, error: hooks.reason });
    expect(hooks.elapsedMs).toBeLessThan(TIMEOUT_MS / 4);
  });

  it('a signal that never aborts changes nothing', async () => {
    const client = t.client({ rateLimit: false });
    const page = await client.orders.search({ limit: 5 }, { signal: new AbortController().signal });
    expect(Array.isArray(page.items)).toBe(true);
  });
});
