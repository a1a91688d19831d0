/**
 * The deliveries list (`GET /ui`) reads the shops' recovery states for its recovery panel. Its other reads
 * are bounded by the store timeout (AdminOperations: a hanging store turns into a quick 503); that one was
 * not, so a store that never answered it (a lock held elsewhere, a link gone silent) kept the page loading
 * until the driver's own timeout, or for ever. Now it is bounded the same way.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, startAdminReceiver } from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startAdminReceiver({ storeTimeoutMs: 1000 });
});
afterAll(async () => {
  await receiver.close();
});

it('answers the deliveries list 503 when the recovery states are not read within the store timeout', async () => {
  const store = receiver.app.store as { listRecoveryStates: () => Promise<unknown> };
  const read = store.listRecoveryStates;
  store.listRecoveryStates = () => new Promise(() => {}); // never answered
  try {
    const asked = Date.now();
    // Before: no answer at all (the fetch's own limit ended it).
    const page = await fetch(`${receiver.baseUrl}/ui/`, {
      headers: bearer(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/list recovery states did not finish within 1000 ms/);
    expect(Date.now() - asked).toBeLessThan(5000);
  } finally {
    store.listRecoveryStates = read;
  }
  // The store answering again, the page is whole again.
  expect((await fetch(`${receiver.baseUrl}/ui/`, { headers: bearer() })).status).toBe(200);
});
