/**
 * The admin API's lists show erased rows as such: `GET /events` and `GET /deliveries` items carry
 * `erasure: {at, reason}` as `GET /events/:id` and `GET /deliveries/:id` do, and both lists take
 * `erased=true|false` (another value: 400 naming the field). A real receiver over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import type { Json } from './test-support/admin-api-fixture.js';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

const EMAIL = 'erased.list@example.hu';
const REASON = 'GDPR-2026-061';

describe('admin API: erased rows in the lists', () => {
  let receiver: TestReceiver;
  const ids = { erased: '', kept: '', erasedEvent: '', keptEvent: '' };

  async function api(path: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${receiver.baseUrl}/admin/api${path}`, { headers: bearer() });
    return { status: response.status, body: (await response.json()) as Json };
  }
  const listed = async (path: string) =>
    ((await api(path)).body.items as Array<{ id: string }>).map((item) => item.id);

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const erased = await postDelivery(receiver, orderDelivery([order(1, { innerId: '6101', email: EMAIL })]));
    const kept = await postDelivery(receiver, orderDelivery([order(2, { innerId: '6102' })]));
    ids.erased = erased.body.deliveryId;
    ids.kept = kept.body.deliveryId;
    ids.erasedEvent = (await receiver.app.store.getDelivery(ids.erased))?.events[0]?.id ?? '';
    ids.keptEvent = (await receiver.app.store.getDelivery(ids.kept))?.events[0]?.id ?? '';
    const result = await receiver.app.store.erasePersonalData({
      email: EMAIL,
      reason: REASON,
      dryRun: false,
      includeUnfinished: true,
    });
    expect(result.erased).toBe(true);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('list items carry erasure {at, reason} as the single-item answers do; kept rows have none', async () => {
    const { event } = (await api(`/events/${ids.erasedEvent}`)).body as { event: { erasure: Json } };
    expect(event.erasure).toEqual({ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), reason: REASON });
    const { delivery } = (await api(`/deliveries/${ids.erased}`)).body as { delivery: { erasure: Json } };

    const events = (await api('/events')).body.items as Array<{ id: string; erasure?: Json }>;
    expect(events.find((item) => item.id === ids.erasedEvent)?.erasure).toEqual(event.erasure);
    expect(events.find((item) => item.id === ids.keptEvent)).not.toHaveProperty('erasure');

    const deliveries = (await api('/deliveries')).body.items as Array<{
      id: string;
      erasure?: Json;
      events: Array<{ erasure?: Json }>;
    }>;
    const erased = deliveries.find((item) => item.id === ids.erased);
    expect(erased?.erasure).toEqual(delivery.erasure);
    expect(erased?.events[0]?.erasure).toEqual(event.erasure);
    const kept = deliveries.find((item) => item.id === ids.kept);
    expect(kept).not.toHaveProperty('erasure');
    expect(kept?.events[0]).not.toHaveProperty('erasure');
  });

  it('filters both lists by erased (true/false, 1/0)', async () => {
    expect(await listed('/events?erased=true')).toEqual([ids.erasedEvent]);
    expect(await listed('/events?erased=false')).toEqual([ids.keptEvent]);
    expect(await listed('/events?erased=1&shop=demo')).toEqual([ids.erasedEvent]);
    expect(await listed('/deliveries?erased=true')).toEqual([ids.erased]);
    expect(await listed('/deliveries?erased=0')).toEqual([ids.kept]);
    // blank, as a form's "any" sends it: no filter
    expect(await listed('/deliveries?erased=')).toEqual([ids.kept, ids.erased]);
  });

  // docs/admin-api-and-inspector.md, POST /events/:id/replay: its 409 `conflict` is also this one, which
  // is not to be retried (the row named only the transient one, "try again").
  it('refuses to replay an erased event with 409 conflict saying its payload is gone', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/events/${ids.erasedEvent}/replay`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(response.status).toBe(409);
    const body = (await response.json()) as Json;
    expect(body.error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(
        /personal data was erased on request, so it cannot be replayed: its payload is gone/,
      ),
    });
  });

  it.each(['/events?erased=yes', '/deliveries?erased=maybe'])(
    'answers %s with 400 naming the field',
    async (path) => {
      const { status, body } = await api(path);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({
        code: 'invalid_request',
        in: 'query',
        field: 'erased',
        message: 'query.erased: must be true or false',
      });
    },
  );
});
