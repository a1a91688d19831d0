/**
 * Found by the inspector QA: a delivery re-processed after quarantine (too_large, then the body limit
 * raised) still showed the red "Could not be decoded: too_large … Raise SRHOOKS_BODY_LIMIT … and
 * re-process it" box above the events it had been decoded into, as if it were failing still. The page
 * now keeps why it was quarantined as history, said as such.
 */
import { describe, expect, it } from 'vitest';
import { bearer, order, quarantineOrderDelivery } from '../admin/test-support/admin-test-receiver.js';
import { deliveryPageFixture } from './test-support/delivery-page.js';

describe('inspector: a re-processed delivery', () => {
  let reprocessed = '';
  let quarantined = '';

  const { page } = deliveryPageFixture(async (receiver) => {
    reprocessed = await quarantineOrderDelivery(receiver, order(1, { innerId: '6201' }));
    const answer = await fetch(`${receiver.baseUrl}/admin/api/deliveries/${reprocessed}/reprocess`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(answer.status).toBe(200);
    quarantined = await quarantineOrderDelivery(receiver, order(2, { innerId: '6202' }));
  });

  it('says why it was quarantined as history, not as an error, above its events', async () => {
    const text = await page(reprocessed);
    expect(text).toContain('<span class="badge reprocessed">reprocessed</span>');
    expect(text).not.toContain('Could not be decoded');
    expect(text).not.toContain('class="notice error"');
    expect(text).toContain(
      '<div class="notice"><strong>Quarantined when received: decoder_bug</strong>; decoded since, by its re-process. What the decoder said then:<br>an old decoder could not read this',
    );
    expect(text).toContain('Order #6201');
  });

  it('still shows a delivery in quarantine as an error, with its Re-process button', async () => {
    const text = await page(quarantined);
    expect(text).toContain(
      '<div class="notice error"><strong>Could not be decoded: decoder_bug</strong><br>an old decoder could not read this',
    );
    expect(text).toContain(`action="/ui/deliveries/${quarantined}/reprocess"`);
  });
});
