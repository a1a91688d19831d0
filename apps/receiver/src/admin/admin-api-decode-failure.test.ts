/**
 * The admin API (the unmasked view, behind the admin token) answers a quarantined delivery's failure
 * with where it failed: `decodeError.detail` {part, path, value}; null for a delivery quarantined before
 * the receiver recorded them. A re-process that still fails records today's failure.
 */
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { bearer, postDelivery, startAdminReceiver } from './test-support/admin-test-receiver.js';

const PATH = 'orders.order[0].orderProducts.orderProduct[0].quantity';
const VALUE = 'Kovács Éva, 1051 Budapest';

describe('admin API: where a quarantined delivery failed to decode', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startAdminReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  async function api(path: string, init: RequestInit = {}) {
    const response = await fetch(`${receiver.baseUrl}/admin/api${path}`, {
      ...init,
      headers: { ...bearer(), ...(init.headers ?? {}) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function quarantineBadField(): Promise<string> {
    const order = {
      ...sampleOrder('admin-field'),
      orderProducts: { orderProduct: [{ innerId: '1', quantity: VALUE }] },
    };
    const encoded = encodeDelivery('order_confirm', { orders: { order: [order] } } as never, {
      format: 'json',
    });
    const posted = await postDelivery(receiver, { contentType: encoded.contentType, body: encoded.body });
    expect(posted.status).toBe(400);
    return posted.body.deliveryId;
  }

  it('answers the part, path and value with the delivery and in the list', async () => {
    const deliveryId = await quarantineBadField();
    const { status, body } = await api(`/deliveries/${deliveryId}`);
    expect(status).toBe(200);
    expect((body.delivery as { decodeError: unknown }).decodeError).toMatchObject({
      code: 'invalid_field',
      detail: { part: 'field', path: PATH, value: VALUE },
    });
    const list = await api('/deliveries?status=quarantined');
    const listed = (list.body.items as Array<{ id: string; decodeError: unknown }>).find(
      (item) => item.id === deliveryId,
    );
    expect(listed?.decodeError).toMatchObject({ detail: { part: 'field', path: PATH, value: VALUE } });
  });

  it('answers detail null for a delivery quarantined before; a re-process that still fails records it', async () => {
    const deliveryId = await quarantineBadField();
    const db = new Database(receiver.config.db);
    try {
      db.prepare('UPDATE deliveries SET decode_error_detail = NULL WHERE id = ?').run(deliveryId);
    } finally {
      db.close();
    }
    const before = await api(`/deliveries/${deliveryId}`);
    expect((before.body.delivery as { decodeError: { detail: unknown } }).decodeError.detail).toBeNull();

    const reprocess = await api(`/deliveries/${deliveryId}/reprocess`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(reprocess.status).toBe(422);
    expect(reprocess.body.error).toMatchObject({
      code: 'still_undecodable',
      decodeError: { code: 'invalid_field', part: 'field', path: PATH },
    });
    const after = await api(`/deliveries/${deliveryId}`);
    expect((after.body.delivery as { decodeError: { detail: unknown } }).decodeError.detail).toEqual({
      part: 'field',
      path: PATH,
      value: VALUE,
    });
  });
});
