/**
 * The deliveries list's Status filter offers every delivery status the admin API filters by (one list,
 * admin-values.ts): `reprocessed` lists the deliveries re-processed after quarantine, not the others.
 * Real receiver (HTTP, tmp SQLite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_STATUSES } from '../admin/admin-values.js';
import {
  type BrowserSession,
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('deliveries list: status filter', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;
  let reprocessed = '';
  let quarantined = '';
  let stored = '';

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await loginAsBrowser(receiver);
    reprocessed = await quarantineOrderDelivery(receiver, order(1, { innerId: '6101' }));
    const answer = await fetch(`${receiver.baseUrl}/admin/api/deliveries/${reprocessed}/reprocess`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(answer.status).toBe(200);
    quarantined = await quarantineOrderDelivery(receiver, order(2, { innerId: '6102' }));
    stored = (await postDelivery(receiver, orderDelivery([order(3, { innerId: '6103' })]))).body.deliveryId;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function list(query: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${receiver.baseUrl}/ui${query}`, { headers: { cookie: browser.cookie } });
    return { status: response.status, text: await response.text() };
  }

  function listed(text: string): string[] {
    return [...text.matchAll(/<tr data-delivery-id="(dlv_[0-9a-z]+)"/g)].map((match) => match[1] ?? '');
  }

  it('offers every delivery status of the admin API', async () => {
    const { text } = await list('');
    const select = /<select name="status">[\s\S]*?<\/select>/.exec(text)?.[0] ?? '';
    for (const status of DELIVERY_STATUSES) expect(select).toContain(`<option value="${status}">`);
  });

  it('lists only the re-processed deliveries with status=reprocessed', async () => {
    const { status, text } = await list('?status=reprocessed');
    expect(status).toBe(200);
    expect(listed(text)).toEqual([reprocessed]);
    expect(text).toContain('<option value="reprocessed" selected>');
    expect(listed((await list('?status=quarantined')).text)).toEqual([quarantined]);
    expect(listed((await list('')).text)).toEqual(expect.arrayContaining([reprocessed, quarantined, stored]));
  });
});
