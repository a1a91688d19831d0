/**
 * An inspector page whose store read does not answer within the store timeout is a 503 page saying the
 * page cannot be shown now and to reload it: not "Something went wrong" with the store's own words for a
 * write ("Nothing was stored"), which on a page that only reads sounded as if a delivery had been lost.
 * A form action keeps saying nothing was done.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startAdminReceiver({ storeTimeoutMs: 1000 });
});
afterAll(async () => {
  await receiver.close();
});

it('says a page cannot be shown while the store does not answer, and to reload it; nothing about storing', async () => {
  // The store timeout is short for the page's read below; it binds the delivery's write too, which a
  // loaded machine can take longer than 1 s for (503, nothing stored): sent again then (deduplicated),
  // for up to a minute (five tries were not enough on a machine at load 18).
  const delivery = orderDelivery([order(1)]);
  const deadline = Date.now() + 60_000;
  let posted = await postDelivery(receiver, delivery);
  while (posted.status === 503 && Date.now() < deadline) posted = await postDelivery(receiver, delivery);
  expect(posted.status).toBe(200);
  const store = receiver.app.store as { getDelivery: (id: string) => Promise<unknown> };
  const read = store.getDelivery;
  store.getDelivery = () => new Promise(() => {}); // never answered
  try {
    const page = await fetch(`${receiver.baseUrl}/ui/deliveries/${posted.body.deliveryId}`, {
      headers: bearer(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(page.status).toBe(503);
    const text = await page.text();
    expect(text).toContain('<title>Store unavailable · srhooks inspector</title>');
    expect(text).toContain('<h1>Store unavailable</h1>');
    expect(text).toContain(
      'The event store did not answer (read delivery did not finish within 1000 ms), so this page cannot be shown now: reload it once the database is reachable again.',
    );
    expect(text).not.toContain('Nothing was stored');
  } finally {
    store.getDelivery = read;
  }
  // the page again once the store answers (its read bound by the same 1 s: tried again on a loaded machine)
  await expect
    .poll(
      async () =>
        (await fetch(`${receiver.baseUrl}/ui/deliveries/${posted.body.deliveryId}`, { headers: bearer() }))
          .status,
    )
    .toBe(200);
});
