/**
 * The entry point's pages as the merchant sees them (against the sandbox, over HTTP): a pending install
 * shows a plain message, never the developer's reason (it names environment variables and scopes; that
 * stays in the admin API, the CLI and the logs).
 */
import { signAppRequest } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_CLIENT_SECRET,
  APP_ID,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

let codes = 0;
function signed(path: string, shop: string): string {
  const query = { shopname: shop, code: `pages${++codes}`, timestamp: String(Math.floor(Date.now() / 1000)) };
  return `${path}?${new URLSearchParams({ ...query, hmac: signAppRequest(query, APP_CLIENT_SECRET) })}`;
}

describe('app mode: the entry pages the merchant sees', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'lacking'] });
    expect((await f.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
  }, 30_000);
  afterAll(async () => {
    await f?.close();
  });

  it("shows a pending shop's merchant a plain message, not the developer's reason", async () => {
    f.registerApp({ scopes: ['store.webhook:read', 'order.order:read'] });
    try {
      await f.sandbox.apps.install(APP_ID, 'lacking');
      const reason = await eventually(async () => {
        const response = await fetch(`${f.baseUrl}/admin/api/shops`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const items = (await response.json()).items as Array<{ name: string; pendingReason: string | null }>;
        return items.find((item) => item.name === 'lacking')?.pendingReason ?? undefined;
      });
      expect(reason).toContain('store.webhook:write'); // the developer's reason is kept for them
      const response = await fetch(`${f.baseUrl}${signed('/app/entry', 'lacking')}`);
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page).toContain('The app is finishing its setup on this shop');
      expect(page).toContain("contact the app's developer");
      expect(page).not.toContain('store.webhook:write');
      expect(page).not.toContain('approveScopes');
      expect(page).not.toMatch(/SRHOOKS_|scope|subscription/);
    } finally {
      f.registerApp({});
    }
  }, 20_000);
});
