/**
 * An install step whose turn comes after the shop was uninstalled (it waited for the shop's install lock
 * — another step, the background retry — while the uninstall call, or an operator's mark, arrived) must
 * not call the shop's API: it would register subscriptions whose URLs this receiver now answers 404,
 * left behind on the shop, and log "app installed" for a shop that is not.
 */
import { createShopRenterClient } from '@srhooks/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  type AppModeFixture,
  eventually,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: an install step that runs after the uninstall', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  it("leaves the shop's subscriptions alone and the shop uninstalled", async () => {
    await f.sandbox.apps.install('55', 'alpha'); // ShopRenter's side: the app is installed there
    const client = createShopRenterClient({
      shop: 'alpha',
      auth: { clientId: APP_CLIENT_ID, clientSecret: APP_CLIENT_SECRET },
      apiUrl: `${f.sandbox.url}/{shop}/api`,
      tokenUrl: `${f.sandbox.url}/{shop}/app/token`,
    });
    for (const hook of await client.webhooks.all()) await client.webhooks.delete(hook.id);
    const appShops = f.receiver.appShops;
    if (!appShops) throw new Error('app mode is on in this fixture');

    const installedLines = () => f.logLines.filter((line) => line.includes('app installed: token obtained'));
    const installedBefore = installedLines().length;
    let answer: Promise<Response> | undefined;
    // Another holder has the shop's install lock while the install call arrives and the shop is then
    // marked uninstalled: the call's step runs only after both.
    await appShops.withInstallLock('alpha', async () => {
      answer = fetch(`${f.baseUrl}${signedAppPath('/app/install', 'alpha', 'late1')}`, {
        redirect: 'manual',
      });
      // the install call recorded (the shop, installed, stays so while its step is due)
      await eventually(async () =>
        (await appShops.get('alpha'))?.pendingReason === 'installing' ? true : undefined,
      );
      const marked = await fetch(`${f.baseUrl}/admin/api/shops/alpha/uninstall`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(marked.status).toBe(200);
    });
    expect((await answer)?.status).toBe(302);

    expect(f.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? []).toEqual([]);
    expect(await appShops.get('alpha')).toMatchObject({ status: 'uninstalled', subscriptions: [] });
    expect(installedLines()).toHaveLength(installedBefore);
    expect(f.logLines.join('\n')).toContain('the shop uninstalled the app meanwhile');
  });
});
