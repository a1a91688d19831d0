/**
 * The reason shown for a pending app install gives app-mode advice (against the sandbox): the app's
 * credentials and scopes are the platform app's (registered with ShopRenter, approved by the shop
 * owner), not a per-shop API client's from the shop admin's "Settings > API Settings".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  APP_ID,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: the reason of a pending install', () => {
  let f: AppModeFixture;

  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['lacking', 'refused', 'busy'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const pendingReason = async (shop: string): Promise<string | undefined> => {
    const response = await fetch(`${f.baseUrl}/admin/api/shops`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const items = (await response.json()).items as Array<{ name: string; pendingReason: string | null }>;
    return items.find((item) => item.name === shop)?.pendingReason ?? undefined;
  };
  const inspectorNotice = async (): Promise<string> => {
    const page = await (
      await fetch(`${f.baseUrl}/ui`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).text();
    return /<div class="notice error" id="pending-installs"[\s\S]*?<\/div>/.exec(page)?.[0] ?? '';
  };

  it("ShopRenter's rate limit (429): who shares the shop's budget, no advice about a client the developer does not hold", async () => {
    f.sandbox.setFaults('busy', { force429: true });
    const report = await f.sandbox.apps.install(APP_ID, 'busy');
    expect(report.redirectedToAppUrl).toBe(true);
    const reason = await eventually(async () => {
      const pending = await pendingReason('busy');
      return pending && pending !== 'installing' ? pending : undefined;
    });
    f.sandbox.setFaults('busy', {});
    expect(reason).toMatch(/ShopRenter answered 429 \(its rate limit, 3 requests\/s per app and shop\)/);
    expect(reason).toContain('on shop "busy"');
    expect(reason).toContain('several receivers');
    // The client's own advice is for code that holds the client: the receiver's install step is not the app's.
    expect(reason).not.toContain("keep the client's rate limiter on");
    expect(reason).not.toContain('use batch');
  });

  it('a scope the app lacks: add it to the app at ShopRenter, the owner approves it; no per-shop API Settings advice', async () => {
    f.registerApp({ scopes: ['store.webhook:read', 'order.order:read'] });
    const report = await f.sandbox.apps.install(APP_ID, 'lacking');
    expect(report.redirectedToAppUrl).toBe(true);
    const reason = await eventually(() => pendingReason('lacking'));
    expect(reason).toMatch(
      /^the app's subscription create for order_(confirm|status_change) on shop "lacking" failed: POST \S+\/webHooks answered 40[13]\b/,
    );
    expect(reason).toContain('lacks scope store.webhook:write on shop "lacking"');
    expect(reason).not.toContain('/hooks/'); // the signed URL (its token is a secret)
    expect(reason).toContain(
      `have the shop owner approve it at ${f.sandbox.url}/lacking/admin/app/${APP_CLIENT_ID}/approveScopes`,
    );
    expect(reason).not.toContain('API Settings');
    const notice = await inspectorNotice();
    expect(notice).toContain('data-shop="lacking"');
    expect(notice).toContain('lacks scope store.webhook:write on shop &quot;lacking&quot;');
    expect(notice).not.toContain('API Settings');
    f.registerApp({});
  });

  it("the app's credentials refused: check the app's ClientId/ClientSecret settings, not a shop's API client", async () => {
    f.sandbox.setFaults('refused', { tokenEndpointDown: true });
    await f.sandbox.apps.install(APP_ID, 'refused');
    await eventually(() => pendingReason('refused'));
    // ShopRenter now holds another secret for the app (rotated there, not here): the retry is refused.
    f.registerApp({ clientSecret: 'rotated-at-shoprenter-only' });
    f.sandbox.setFaults('refused', {});
    const reason = await eventually(async () => {
      const now = await pendingReason('refused');
      return now?.includes('credentials') ? now : undefined;
    });
    expect(reason).toMatch(/^ShopRenter refused the app's client credentials for shop "refused" \(401/);
    expect(reason).toContain('SRHOOKS_APP_CLIENT_ID');
    expect(reason).toContain('SRHOOKS_APP_CLIENT_SECRET');
    expect(reason).not.toContain('API Settings');
    expect(reason).not.toContain('rotated-at-shoprenter-only');
    expect(reason).not.toContain(APP_CLIENT_SECRET);
    expect(await inspectorNotice()).not.toContain('API Settings');
    f.registerApp({});
  });
});
