/**
 * Payment API notifications whose URL names no shop are filed under the shop name `payment-api`. A real
 * shop of that name installing the app would then see them — other shops' charges — in its entry page.
 * The install of a shop so named is refused (403 `reserved_shop`, nothing recorded), so its entry point
 * never opens them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppModeFixture,
  eventually,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: a shop named like the Payment API bucket', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['payment-api'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('cannot install the app, so its entry point never shows notifications filed without a shop', async () => {
    const report = await f.sandbox.apps.install('55', 'payment-api');
    expect(report.install.status).toBe(403);
    expect(await f.receiver.appShops?.get('payment-api')).toBeNull();
    const page = await fetch(`${f.baseUrl}${signedAppPath('/app/install', 'payment-api', 'reserved2')}`, {
      redirect: 'manual',
    });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('reserves that name for Payment API notifications');

    // A notification whose URL names no shop is filed under the bucket…
    const sent = await f.sandbox.apps.notify('55', { url: `${f.baseUrl}/app/payments` });
    expect(sent.response.status).toBe(200);
    await eventually(async () => (await f.receiver.store.listEvents({ shop: 'payment-api' })).items[0]);
    // …and the shop's entry point does not open it.
    const entry = await fetch(`${f.baseUrl}${signedAppPath('/app/entry', 'payment-api', 'reserved3')}`);
    expect(entry.status).toBe(403);
    expect(await entry.text()).not.toContain('payment_status');
  });
});
