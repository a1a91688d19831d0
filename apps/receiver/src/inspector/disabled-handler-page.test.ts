/**
 * A job of a disabled handler on the delivery page: it waits until the handler is enabled, and the page
 * says so (it said "next run <a time already past>", nothing about the handler being disabled). Real
 * receiver (HTTP, tmp SQLite, its worker running).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  postFormAsBrowser,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('delivery page: a job of a disabled handler', () => {
  let receiver: TestReceiver;
  let cookie = '';
  let browser: Awaited<ReturnType<typeof loginAsBrowser>>;

  beforeAll(async () => {
    receiver = await startAdminReceiver({}, { worker: true, logWrite: () => {} });
    browser = await loginAsBrowser(receiver);
    ({ cookie } = browser);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function deliveryPage(deliveryId: string, path = ''): Promise<string> {
    const response = await fetch(`${receiver.baseUrl}/ui/deliveries/${deliveryId}${path}`, {
      headers: { cookie },
    });
    expect(response.status).toBe(200);
    return response.text();
  }

  async function eventFragment(eventId: string): Promise<string> {
    const response = await fetch(`${receiver.baseUrl}/ui/fragments/event/${eventId}`, {
      headers: { cookie },
    });
    expect(response.status).toBe(200);
    return response.text();
  }

  it('says the job waits for the handler to be enabled, by whom it was disabled and since when', async () => {
    const disabled = await fetch(`${receiver.baseUrl}/admin/api/handlers/log/disable`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(disabled.status).toBe(200);
    const posted = await postDelivery(
      receiver,
      orderDelivery([order(1, { innerId: '4101', firstname: 'Éva', lastname: 'Kovács' })]),
    );
    expect(posted.status).toBe(200);
    const { changedAt } = (await disabled.json()) as { changedAt: string };
    const since = `${changedAt.slice(0, 10)} ${changedAt.slice(11, 19)} UTC`;
    const page = await deliveryPage(posted.body.deliveryId);
    expect(page).toContain(
      `waits: handler log is disabled by an operator since <time datetime="${changedAt}">${since}</time>; enabling it runs this job (srhooks handlers enable log)`,
    );
    expect(page).not.toContain('next run');
    const eventId = /data-event-id="(evt_[0-9a-z]+)"/.exec(page)?.[1] ?? '';
    expect(await eventFragment(eventId)).toContain('waits: handler log is disabled by an operator since');

    const enabled = await fetch(`${receiver.baseUrl}/admin/api/handlers/log/enable`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(enabled.status).toBe(200);
    await expect
      .poll(async () => (await deliveryPage(posted.body.deliveryId)).includes('finished'), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(await deliveryPage(posted.body.deliveryId)).not.toContain('is disabled');
  });

  it('a replay of a disabled handler\'s job says the job waits (it said "the job runs again now")', async () => {
    const posted = await postDelivery(
      receiver,
      orderDelivery([order(2, { innerId: '4102', firstname: 'Éva', lastname: 'Kovács' })]),
    );
    await expect
      .poll(async () => (await deliveryPage(posted.body.deliveryId)).includes('finished'), {
        timeout: 10_000,
      })
      .toBe(true);
    const page = await deliveryPage(posted.body.deliveryId);
    const eventId = /data-event-id="(evt_[0-9a-z]+)"/.exec(page)?.[1] ?? '';
    const disabled = await fetch(`${receiver.baseUrl}/admin/api/handlers/log/disable`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(disabled.status).toBe(200);
    const replay = await postFormAsBrowser(
      receiver,
      browser,
      `/ui/events/${eventId}/replay`,
      new URLSearchParams({ _csrf: browser.csrfToken, handler: 'log' }),
    );
    expect(replay.status).toBe(303);
    const location = replay.headers.get('location') ?? '';
    expect(location).toMatch(/\?notice=[A-Za-z0-9_-]{24}#event-/);
    const after = await fetch(`${receiver.baseUrl}${location}`, { headers: { cookie } }).then((answer) =>
      answer.text(),
    );
    expect(after).toContain(
      'Replay queued, but its handler is disabled: the job waits until the handler is enabled (see below).',
    );
    expect(after).not.toContain('the job runs again now');
    // A made-up link saying so (it showed the notice) shows none.
    const crafted = await fetch(
      `${receiver.baseUrl}${location.replace(/\?notice=[^#]*/, '?notice=replayed-waiting')}`,
      {
        headers: { cookie },
      },
    ).then((answer) => answer.text());
    expect(crafted).not.toContain('Replay queued');
    await fetch(`${receiver.baseUrl}/admin/api/handlers/log/enable`, { method: 'POST', headers: bearer() });
  });

  it('a handler its target disabled (410): the job waits until the target is fixed and the handler enabled', async () => {
    await receiver.app.store.disableHandler('log', {
      reason: 'HTTP 410 Gone from erp.example.com',
      by: 'target',
    });
    const posted = await postDelivery(
      receiver,
      orderDelivery([order(3, { innerId: '4103', firstname: 'Éva', lastname: 'Kovács' })]),
    );
    const page = await deliveryPage(posted.body.deliveryId);
    expect(page).toMatch(
      /waits: handler log is disabled by its target \(HTTP 410 Gone\) since <time[^>]*>[^<]*<\/time>; fix its target, then enabling it runs this job \(srhooks handlers enable log\)/,
    );
    await receiver.app.store.enableHandler('log');
  });
});
