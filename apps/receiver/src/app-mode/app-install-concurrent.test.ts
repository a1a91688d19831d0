/**
 * Two install calls for one shop at once (the owner's double click, a browser retrying the redirect):
 * their API steps run one after the other, so the shop gets its subscriptions once and ends installed.
 */
import { createShopRenterClient } from '@srhooks/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  type AppModeFixture,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: concurrent install calls for one shop', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('registers each subscription once and leaves the shop installed', async () => {
    const install = (code: string) =>
      fetch(`${f.baseUrl}${signedAppPath('/app/install', 'alpha', code)}`, { redirect: 'manual' });
    await f.sandbox.apps.install('55', 'alpha'); // ShopRenter's side: the app is installed there
    // Its subscriptions were deleted on the shop meanwhile: each install step has some to create.
    const client = createShopRenterClient({
      shop: 'alpha',
      auth: { clientId: APP_CLIENT_ID, clientSecret: APP_CLIENT_SECRET },
      apiUrl: `${f.sandbox.url}/{shop}/api`,
      tokenUrl: `${f.sandbox.url}/{shop}/app/token`,
    });
    for (const hook of await client.webhooks.all()) await client.webhooks.delete(hook.id);
    const answers = await Promise.all([install('twice1'), install('twice2')]);
    expect(answers.map((answer) => answer.status)).toEqual([302, 302]);

    const hooks = f.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? [];
    expect(hooks.map((hook) => hook.event).sort()).toEqual(['order_confirm', 'order_status_change']);
    const shops = await (
      await fetch(`${f.baseUrl}/admin/api/shops`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json();
    expect(shops.items.find((shop: { name: string }) => shop.name === 'alpha')).toMatchObject({
      status: 'installed',
      pendingReason: null,
    });
  });
});
