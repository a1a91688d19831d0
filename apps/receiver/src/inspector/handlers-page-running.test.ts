/**
 * `/ui/handlers`: each handler's jobs running now (leased by a worker of any receiver on the store)
 * beside its waiting jobs and dead letters, and a link to the deliveries list filtered by that handler
 * (`/ui?handler=…`), which lists only the deliveries with a job for it. Real receiver over HTTP, tmp
 * SQLite, no worker of its own: the test leases jobs through the store as a worker would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('handlers page: running jobs and the per-handler deliveries link', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;
  const ids = { both: '', logOnly: '' };

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [
        { name: SHOP, handlers: ['log', 'audit'] },
        { name: 'other', handlers: ['log'] },
      ],
      handlers: { log: { type: 'log' }, audit: { type: 'log' } },
    });
    browser = await loginAsBrowser(receiver);
    const both = await postDelivery(
      receiver,
      orderDelivery([order(1, { innerId: '6101' }), order(2, { innerId: '6102' })]),
    );
    const logOnly = await postDelivery(receiver, orderDelivery([order(3, { innerId: '6103' })]), 'other');
    expect([both.status, logOnly.status]).toEqual([200, 200]);
    ids.both = both.body.deliveryId;
    ids.logOnly = logOnly.body.deliveryId;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function get(path: string): Promise<string> {
    const response = await fetch(`${receiver.baseUrl}${path}`, { headers: { cookie: browser.cookie } });
    expect(response.status).toBe(200);
    return response.text();
  }

  function row(page: string, handler: string): string {
    return new RegExp(`<tr data-handler="${handler}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
  }

  it('counts the jobs running now per handler', async () => {
    const before = await get('/ui/handlers');
    expect(before).toContain('<th class="num">Running</th>');
    expect(row(before, 'audit')).toContain('<td data-label="Running" class="num">0</td>');
    expect(row(before, 'audit')).toContain('<td data-label="Waiting" class="num">2</td>');

    const leased = await receiver.app.store.claimJobs({
      workerId: 'another-receiver',
      handlers: ['audit'],
      limit: 1,
      now: new Date(),
      leaseMs: 300_000,
    });
    expect(leased).toHaveLength(1);
    const after = await get('/ui/handlers');
    expect(row(after, 'audit')).toContain('<td data-label="Running" class="num">1</td>');
    expect(row(after, 'audit')).toContain('<td data-label="Waiting" class="num">1</td>');
    expect(row(after, 'log')).toContain('<td data-label="Running" class="num">0</td>');
    expect(row(after, 'log')).toContain('<td data-label="Waiting" class="num">3</td>');
  });

  it("links each handler to the deliveries list filtered by it, which lists only that handler's deliveries", async () => {
    const page = await get('/ui/handlers');
    expect(row(page, 'audit')).toContain('<a href="/ui?handler=audit">Deliveries with audit jobs</a>');
    expect(row(page, 'log')).toContain('<a href="/ui?handler=log">Deliveries with log jobs</a>');

    const audit = await get('/ui?handler=audit');
    expect(audit).toContain(`data-delivery-id="${ids.both}"`);
    expect(audit).not.toContain(`data-delivery-id="${ids.logOnly}"`);
    // the filter shows in the form, and paging/reveal links keep it
    expect(audit).toContain('<input name="handler" value="audit"');
    expect(audit).toContain('href="/ui?reveal=1&amp;handler=audit"');
    const log = await get('/ui?handler=log');
    expect(log).toContain(`data-delivery-id="${ids.both}"`);
    expect(log).toContain(`data-delivery-id="${ids.logOnly}"`);
  });

  it('refuses a handler value that is no handler name', async () => {
    const response = await fetch(`${receiver.baseUrl}/ui?handler=no%20such`, {
      headers: { cookie: browser.cookie },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('must be a handler name from srhooks.config.json');
  });
});
