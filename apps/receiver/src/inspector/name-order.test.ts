/**
 * Names are shown family name first (Hungarian order: `Kovács Éva`), masked in the same order
 * (`K*** É***`), wherever the receiver shows one: the deliveries list, the order card with its shipping
 * and billing addresses, the subscriber card, the event fragment and the admin API's `customerName`.
 */
import { encodeDelivery, sampleSubscriber } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { maskedText } from './masked-text.js';

describe('name order (family name first)', () => {
  let receiver: TestReceiver;
  let cookie: string;
  let orderDeliveryId: string;
  let subscriberDeliveryId: string;

  /** The inspector's HTML as the browser gets it. */
  async function page(url: string): Promise<string> {
    const response = await receiver.app.inject({ method: 'GET', url, headers: { cookie } });
    expect(response.statusCode, url).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const posted = await postDelivery(
      receiver,
      orderDelivery([
        order(1, {
          innerId: '4001',
          firstname: 'Éva',
          lastname: 'Kovács',
          shippingFirstname: 'Réka',
          shippingLastname: 'Lakatos',
          paymentFirstname: 'Tamás',
          paymentLastname: 'Balogh',
        }),
      ]),
    );
    expect(posted.status).toBe(200);
    orderDeliveryId = posted.body.deliveryId;
    const { contentType, body } = encodeDelivery(
      'newsletter_subscribe',
      { newsletter: { subscriber: [{ ...sampleSubscriber(1), firstname: 'Ödön', lastname: 'Tóth' }] } },
      { format: 'json' },
    );
    const subscribed = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, 'newsletter_subscribe')}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
    expect(subscribed.status).toBe(200);
    subscriberDeliveryId = ((await subscribed.json()) as { deliveryId: string }).deliveryId;
    cookie = (await loginAsBrowser(receiver)).cookie;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('lists customers and subscribers as family name first, masked and revealed', async () => {
    const masked = await page('/ui');
    expect(masked).toContain('K*** É***');
    expect(masked).toContain('T*** Ö***');
    expect(masked).not.toContain('É*** K***');
    expect(masked).not.toContain('Ö*** T***');
    const revealed = await page('/ui?reveal=1');
    expect(revealed).toContain('Kovács Éva');
    expect(revealed).toContain('Tóth Ödön');
    expect(revealed).not.toContain('Éva Kovács');
    expect(revealed).not.toContain('Ödön Tóth');
  });

  it("shows the order card's customer, shipping and billing names family name first", async () => {
    const masked = await page(`/ui/deliveries/${orderDeliveryId}`);
    expect(masked).toContain(`<dt>Name</dt><dd>${maskedText('K*** É***')}</dd>`);
    expect(masked).toContain(`<address>${maskedText('L*** R***')}<br>`);
    expect(masked).toContain(`<address>${maskedText('B*** T***')}<br>`);
    const revealed = await page(`/ui/deliveries/${orderDeliveryId}?reveal=1`);
    expect(revealed).toContain('<dt>Name</dt><dd>Kovács Éva</dd>');
    expect(revealed).toContain('<address>Lakatos Réka<br>');
    expect(revealed).toContain('<address>Balogh Tamás<br>');
    for (const western of ['Éva Kovács', 'Réka Lakatos', 'Tamás Balogh'])
      expect(revealed).not.toContain(western);
  });

  it("shows the subscriber card's name family name first, in the page and in the live fragment", async () => {
    const masked = await page(`/ui/deliveries/${subscriberDeliveryId}`);
    expect(masked).toContain(`<dt>Name</dt><dd>${maskedText('T*** Ö***')}</dd>`);
    const revealed = await page(`/ui/deliveries/${subscriberDeliveryId}?reveal=1`);
    expect(revealed).toContain('<dt>Name</dt><dd>Tóth Ödön</dd>');
    const eventId = (await receiver.app.store.getDelivery(subscriberDeliveryId))?.events[0]?.id ?? '';
    expect(await page(`/ui/fragments/event/${eventId}?reveal=1`)).toContain(
      '<dt>Name</dt><dd>Tóth Ödön</dd>',
    );
  });

  it("gives the admin API's customerName family name first (and search finds either order)", async () => {
    for (const q of ['kovacs eva', 'eva kovacs']) {
      const response = await fetch(`${receiver.baseUrl}/admin/api/events?q=${encodeURIComponent(q)}`, {
        headers: bearer(),
      });
      const { items } = (await response.json()) as { items: Array<{ customerName: string | null }> };
      expect(items.map((item) => item.customerName)).toEqual(['Kovács Éva']);
    }
  });
});
