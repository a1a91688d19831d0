/**
 * A shop that uninstalled the app has its delivery URLs answer 404 whatever way the URL is spelt. The
 * router decodes percent-encoding in a path segment (`/hooks/%62eta/…` is shop `beta`) and the signed
 * URL's token still verifies, so the uninstalled check must judge the decoded shop, not the raw URL: found
 * by posting an old signed URL with one letter of the shop percent-encoded after the uninstall (stored
 * and handled before the fix).
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import {
  type AppModeFixture,
  adminGet,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: the URLs of an uninstalled shop, percent-encoded', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['beta'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('answers 404 and stores nothing for every spelling of the shop segment', async () => {
    await f.sandbox.apps.install('55', 'beta');
    await f.sandbox.apps.uninstall('55', 'beta');
    await eventually(async () =>
      ((await adminGet(f.baseUrl, '/shops')).items as Array<{ name: string; status: string }>).some(
        (shop) => shop.name === 'beta' && shop.status === 'uninstalled',
      )
        ? true
        : undefined,
    );
    const path = signDeliveryPath({ shop: 'beta', event: 'order_confirm' }, TEST_SECRET);
    const spellings = [
      path,
      path.replace('/hooks/beta/', '/hooks/%62eta/'),
      path.replace('/hooks/beta/', '/hooks/b%65t%61/'),
      path.replace('/hooks/beta/', '/hooks/%62%65%74%61/'),
    ];
    for (const [index, spelling] of spellings.entries()) {
      const response = await fetch(`${f.baseUrl}${spelling}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orders: { order: [{ innerId: String(7000 + index) }] } }),
      });
      expect({ spelling, status: response.status }).toEqual({ spelling, status: 404 });
    }
    const events = (await adminGet(f.baseUrl, '/events?shop=beta&event=order_confirm')).items as unknown[];
    expect(events).toEqual([]);
  });
});
