/**
 * The delivery page of a quarantined delivery: which part and field failed to decode shown plainly, the
 * value found (from the body: personal data) masked until "Show personal data"; a delivery quarantined
 * before the receiver recorded them says so; a re-process that still fails records today's failure.
 */
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SHOP } from '../admin/test-support/admin-test-receiver.js';
import { type InspectorFixture, inspectorFixture } from './test-support/inspector-fixture.js';

const PATH = 'orders.order[0].orderProducts.orderProduct[0].quantity';
const VALUE = 'Kovács Éva, 1051 Budapest';

describe('inspector: where a quarantined delivery failed to decode', () => {
  const fixture: InspectorFixture = inspectorFixture();

  async function quarantineBadField(seed = 'inspector-field'): Promise<string> {
    const order = {
      ...sampleOrder(seed),
      orderProducts: { orderProduct: [{ innerId: '1', quantity: VALUE }] },
    };
    const encoded = encodeDelivery('order_confirm', { orders: { order: [order] } } as never, {
      format: 'json',
    });
    const response = await fetch(
      `${fixture.receiver.baseUrl}${fixture.receiver.path(SHOP, 'order_confirm')}`,
      {
        method: 'POST',
        headers: { 'content-type': encoded.contentType },
        body: new Uint8Array(encoded.body),
      },
    );
    expect(response.status).toBe(400);
    return ((await response.json()) as { deliveryId: string }).deliveryId;
  }

  it('shows the part and the field plainly and the value only when revealed', async () => {
    const deliveryId = await quarantineBadField();
    const masked = await fixture.get(`/ui/deliveries/${deliveryId}`);
    expect(masked.text).toContain('<dt>Part</dt><dd class="mono">field</dd>');
    expect(masked.text).toContain(`<dt>Field</dt><dd class="mono">${PATH}</dd>`);
    expect(masked.text).toContain(
      `<dt>Value</dt><dd class="muted">value hidden (${Array.from(VALUE).length} characters; Show personal data to read it)</dd>`,
    );
    expect(masked.text).not.toContain('Kovács');

    const revealed = await fixture.get(`/ui/deliveries/${deliveryId}?reveal=1`);
    expect(revealed.text).toContain(`<dt>Value</dt><dd class="mono">${VALUE}</dd>`);
  });

  it('shows nothing of part, field or value for a quarantine reason that has none', async () => {
    const { deliveryId } = await fixture.receiver.app.store.quarantine(
      {
        shop: SHOP,
        event: 'order_confirm',
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      { code: 'unknown_shop', message: 'authentic payment notification not filed' },
    );
    const page = await fixture.get(`/ui/deliveries/${deliveryId}?reveal=1`);
    expect(page.text).toContain('Could not be decoded: unknown_shop');
    expect(page.text).not.toContain('decode-detail');
  });

  it('says "not recorded" for a delivery quarantined before; a re-process that still fails records it', async () => {
    const deliveryId = await quarantineBadField();
    const db = new Database(fixture.receiver.config.db);
    try {
      db.prepare('UPDATE deliveries SET decode_error_detail = NULL WHERE id = ?').run(deliveryId);
    } finally {
      db.close();
    }
    const before = await fixture.get(`/ui/deliveries/${deliveryId}?reveal=1`);
    expect(before.text).toContain('not recorded (quarantined before this version)');
    expect(before.text).not.toContain('<dt>Part</dt>');

    const reprocess = await fixture.postForm(`/ui/deliveries/${deliveryId}/reprocess`, {
      _csrf: fixture.browser.csrfToken,
    });
    expect(reprocess.status).toBe(422);
    const after = await fixture.get(`/ui/deliveries/${deliveryId}`);
    expect(after.text).not.toContain('not recorded');
    expect(after.text).toContain(`<dt>Field</dt><dd class="mono">${PATH}</dd>`);
    expect(after.text).not.toContain('Kovács');
  });

  it('says the detail was erased on request once the delivery is erased, not that it was never recorded', async () => {
    const deliveryId = await quarantineBadField('inspector-erased');
    const innerId = String(sampleOrder('inspector-erased').innerId);
    const erased = await fixture.receiver.app.store.erasePersonalData({
      order: { shop: SHOP, innerId },
      reason: 'GDPR-2026-078',
      dryRun: false,
      includeUnfinished: true,
    });
    expect(erased.deliveries.map((delivery) => delivery.id)).toContain(deliveryId);
    const page = await fixture.get(`/ui/deliveries/${deliveryId}?reveal=1`);
    expect(page.text).toContain('erased on request (with the body as received)');
    expect(page.text).not.toContain('not recorded');
  });
});
