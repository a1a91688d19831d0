/**
 * `GET /admin/api/events?handler=…` and `GET /admin/api/deliveries?handler=…`: only the events (the
 * deliveries) that have a job for that handler; a value that is no handler name is refused (400) naming
 * the field. Real receiver over HTTP, tmp SQLite, no worker (the jobs stay as they were made).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

describe('the admin API lists filtered by handler', () => {
  let receiver: TestReceiver;
  const ids = { both: '', logOnly: '' };

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [
        { name: SHOP, handlers: ['log', 'audit'] },
        { name: 'other', handlers: ['log'] },
      ],
      handlers: { log: { type: 'log' }, audit: { type: 'log' } },
    });
    const both = await postDelivery(receiver, orderDelivery([order(1, { innerId: '7101' })]));
    const logOnly = await postDelivery(receiver, orderDelivery([order(2, { innerId: '7102' })]), 'other');
    expect([both.status, logOnly.status]).toEqual([200, 200]);
    ids.both = both.body.deliveryId;
    ids.logOnly = logOnly.body.deliveryId;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function api(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${receiver.baseUrl}/admin/api${path}`, { headers: bearer() });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function deliveryIdsOf(body: Record<string, unknown>): string[] {
    return (body.items as Array<{ deliveryId?: string; id: string }>).map(
      (item) => item.deliveryId ?? item.id,
    );
  }

  it('lists only the events with a job for the handler', async () => {
    const audit = await api('/events?handler=audit');
    expect(audit.status).toBe(200);
    expect(deliveryIdsOf(audit.body)).toEqual([ids.both]);
    const log = await api('/events?handler=log');
    expect(deliveryIdsOf(log.body)).toEqual([ids.logOnly, ids.both]);
    expect(deliveryIdsOf((await api('/events?handler=nobody')).body)).toEqual([]);
    expect(deliveryIdsOf((await api(`/events?handler=log&shop=${SHOP}`)).body)).toEqual([ids.both]);
  });

  it('lists only the deliveries with an event that has a job for the handler', async () => {
    const audit = await api('/deliveries?handler=audit');
    expect(audit.status).toBe(200);
    expect(deliveryIdsOf(audit.body)).toEqual([ids.both]);
    expect(deliveryIdsOf((await api('/deliveries?handler=log')).body)).toEqual([ids.logOnly, ids.both]);
  });

  it('refuses a handler value that is no handler name, naming the field', async () => {
    for (const path of ['/events?handler=no%20such', '/deliveries?handler=%2Fetc']) {
      const refused = await api(path);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_request', in: 'query', field: 'handler' });
      expect((refused.body.error as { message: string }).message).toContain(
        'must be a handler name from srhooks.config.json',
      );
    }
  });
});
