/**
 * The entry point's page for a shop the app's backend has no installation of, over real HTTP: ShopRenter's
 * admin only opens an app that is installed on the shop, so the merchant who reads it has the app listed
 * in the admin while the backend has no record of it (the install call never reached it, or the shop was
 * marked uninstalled). The page says so and what to do — install the app again, else contact the developer —
 * instead of the bare "The app is not installed on …", which contradicts what the merchant sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopSession, sessionQuery } from './shop-session.js';
import {
  ADMIN_TOKEN,
  APP_CLIENT_SECRET,
  type AppModeFixture,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

let codes = 0;
const signed = (path: string, shop: string) => signedAppPath(path, shop, `notinstalled${++codes}`);

describe('app mode: the entry point of a shop the backend has no installation of', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'beta'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const expectAdvice = (html: string, shop: string) => {
    const body = html.replaceAll('&#39;', "'").replaceAll('&#x27;', "'");
    expect(body).toContain(`no installation of this app on ${shop}`);
    expect(body).toContain('install the app again');
    expect(body).toContain("contact the app's developer");
  };

  it('an entry call for a shop whose install never reached the backend', async () => {
    const response = await fetch(`${f.baseUrl}${signed('/app/entry', 'beta')}`);
    expect(response.status).toBe(403);
    expectAdvice(await response.text(), 'beta');
  });

  it("an entry call and an event page's link after the shop was marked uninstalled", async () => {
    await f.sandbox.apps.install('55', 'alpha');
    // The session an entry page's links carry ("← all events"), as a verified entry call gives it.
    const list = `/app/entry?${sessionQuery(createShopSession('alpha', APP_CLIENT_SECRET))}`;
    expect((await fetch(`${f.baseUrl}${list}`)).status).toBe(200);
    const marked = await fetch(`${f.baseUrl}/admin/api/shops/alpha/uninstall`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(marked.status).toBe(200);

    const entry = await fetch(`${f.baseUrl}${signed('/app/entry', 'alpha')}`);
    expect(entry.status).toBe(403);
    expectAdvice(await entry.text(), 'alpha');
    const link = await fetch(`${f.baseUrl}${list}`);
    expect(link.status).toBe(403);
    expectAdvice(await link.text(), 'alpha');
  });
});
