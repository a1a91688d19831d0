/**
 * App mode's events on the delivery page: a Payment API notification (payment_status,
 * payment_card_change) and an app_uninstalled event each get a card of their own saying what happened
 * (status, ids, time, who told the receiver), never the order card (which read them as an order with
 * no customer and "No products in the delivery"). The notification's own texts (`reason`, `message`)
 * come from outside and are hidden whole until "Show personal data", like a handler's error text.
 *
 * Real app-mode receiver (HTTP, tmp SQLite) with the sandbox over real HTTP sending signed
 * notifications, and an operator marking the shop uninstalled through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsBrowser, pageText } from '../admin/test-support/admin-test-receiver.js';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  adminGet,
  eventually,
  startAppModeFixture,
} from '../app-mode/test-support/app-mode-fixture.js';
import { markUninstalled } from '../app-mode/test-support/lost-uninstall.js';

const REASON = 'Kártya elutasítva: Kovács Éva, kovacs.eva@gmail.com';
const MESSAGE = 'Lejárt kártya (Nagy Győző)';

describe('app events on the delivery page', () => {
  let f: AppModeFixture;
  let cookie = '';

  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
    ({ cookie } = await loginAsBrowser(f, ADMIN_TOKEN));
  });

  afterAll(async () => {
    await f?.close();
  });

  async function deliveryOf(event: string): Promise<string> {
    return eventually(async () => {
      const items = (await adminGet(f.baseUrl, `/deliveries?shop=alpha&event=${event}`)).items as Array<{
        id: string;
      }>;
      return items[0]?.id;
    });
  }

  const page = (path: string): Promise<string> => pageText(f.baseUrl, cookie, path);

  it('shows a charge notification as a payment: its id, status and time, the reason hidden until revealed', async () => {
    const sent = await f.sandbox.apps.notify('55', {
      url: `${f.baseUrl}/app/payments?shop=alpha`,
      notification: { id: 69, status: 'failed', reason: REASON },
    });
    expect(sent.response.status).toBe(200);
    const time = new Date(JSON.parse(sent.rawBody).time * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const id = await deliveryOf('payment_status');

    const masked = await page(`/ui/deliveries/${id}`);
    expect(masked).toContain('<h3>Payment</h3>');
    expect(masked).toMatch(/<dt>Payment id<\/dt><dd>69<\/dd>/);
    expect(masked).toMatch(/<dt>Status<\/dt><dd><span class="badge failed">failed<\/span><\/dd>/);
    expect(masked).toContain(`${time} UTC`);
    expect(masked).toContain(`hidden (${Array.from(REASON).length} characters)`);
    expect(masked).not.toContain('Kovács');
    expect(masked).not.toContain('kovacs.eva');
    // Not read as an order.
    expect(masked).not.toContain('No products in the delivery');
    expect(masked).not.toContain('<h3>Customer</h3>');

    const revealed = await page(`/ui/deliveries/${id}?reveal=1`);
    expect(revealed).toMatch(/<dt>Reason<\/dt><dd>Kártya elutasítva: Kovács Éva, kovacs.eva@gmail.com<\/dd>/);
  });

  it('shows a card change with its ids, statuses and time, the message hidden until revealed', async () => {
    const sent = await f.sandbox.apps.notify('55', {
      url: `${f.baseUrl}/app/payments?shop=alpha`,
      notification: {
        changeId: 42,
        subscriptionId: 12,
        status: 'declined',
        paymentStatus: 'active',
        message: MESSAGE,
      },
    });
    expect(sent.response.status).toBe(200);
    const id = await deliveryOf('payment_card_change');

    const masked = await page(`/ui/deliveries/${id}`);
    expect(masked).toContain('<h3>Card change</h3>');
    expect(masked).toMatch(/<dt>Change id<\/dt><dd>42<\/dd>/);
    expect(masked).toMatch(/<dt>Subscription id<\/dt><dd>12<\/dd>/);
    expect(masked).toMatch(/<dt>Status<\/dt><dd><span class="badge declined">declined<\/span><\/dd>/);
    expect(masked).toMatch(/<dt>Payment status<\/dt><dd>active<\/dd>/);
    expect(masked).toContain(`hidden (${Array.from(MESSAGE).length} characters)`);
    expect(masked).not.toContain('Győző');
    expect(masked).not.toContain('No products in the delivery');

    const revealed = await page(`/ui/deliveries/${id}?reveal=1`);
    expect(revealed).toMatch(/<dt>Message<\/dt><dd>Lejárt kártya \(Nagy Győző\)<\/dd>/);
  });

  it('shows an app_uninstalled event as the uninstall: when, who told the receiver, the jobs it cancelled', async () => {
    expect((await markUninstalled(f.baseUrl, 'alpha')).status).toBe(200);
    const id = await deliveryOf('app_uninstalled');
    const shown = await page(`/ui/deliveries/${id}`);
    expect(shown).toContain('<h3>App uninstalled</h3>');
    expect(shown).toMatch(/<dt>Shop<\/dt><dd>alpha<\/dd>/);
    expect(shown).toMatch(/<dt>Told by<\/dt><dd>an operator \(marked uninstalled\)<\/dd>/);
    expect(shown).toMatch(/<dt>Uninstalled<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/dd>/);
    expect(shown).toMatch(/<dt>Jobs cancelled<\/dt><dd>\d+<\/dd>/);
    expect(shown).not.toContain('No products in the delivery');
    expect(shown).not.toContain('<h3>Customer</h3>');
  });
});
