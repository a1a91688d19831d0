/**
 * App mode, two receivers on one PostgreSQL store, B's change feed down: an on-demand recovery pass on B
 * (`POST /admin/api/recover`) judges the shop by the store's install state (one read), not by B's list in
 * memory. A shop re-installed through A while B's list says uninstalled is recovered (before: 404
 * shop_uninstalled until B's next re-read, never while the feed is down); a shop uninstalled through A while
 * B's list says installed is refused with 404 shop_uninstalled (before: a pass was tried against the API
 * of a shop that had uninstalled the app). Over real HTTP, sandbox and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, APP_ID } from '../app-mode/test-support/app-mode-fixture.js';
import { useSharedStorePair } from '../app-mode/test-support/shared-store-pair.js';

describe("on-demand recovery on a receiver whose list of installed shops is behind the store's", () => {
  const pair = useSharedStorePair('recover_uninstalled', ['kappa', 'lambda'], {
    feedOnB: false,
    processingOnB: false,
  });

  const recoverOnB = async (shop: string) => {
    const response = await fetch(`${pair.receivers.b.url}/admin/api/recover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shop, dryRun: true }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("recovers a shop A re-installed while B's list says uninstalled", async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'kappa')).install.status).toBe(302);
    expect((await sandbox.apps.uninstall(APP_ID, 'kappa')).uninstall.status).toBe(200);
    await receivers.b.app.shopDirectory.refresh(); // B's periodic re-read, after the uninstall
    expect((await sandbox.apps.install(APP_ID, 'kappa')).install.status).toBe(302);
    expect(receivers.b.app.shopDirectory.isUninstalled('kappa')).toBe(true); // B has not heard

    const recovered = await recoverOnB('kappa');
    expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
    expect(recovered.body.report).toMatchObject({ shop: 'kappa', dryRun: true });
    expect(receivers.b.app.shopDirectory.isUninstalled('kappa')).toBe(false); // B took what it read
  }, 60_000);

  it("refuses a shop A uninstalled while B's list says installed (404 shop_uninstalled)", async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'lambda')).install.status).toBe(302);
    await receivers.b.app.shopDirectory.refresh();
    expect((await sandbox.apps.uninstall(APP_ID, 'lambda')).uninstall.status).toBe(200);
    expect(receivers.b.app.shopDirectory.appShop('lambda')?.status).toBe('installed'); // B has not heard

    const refused = await recoverOnB('lambda');
    expect(refused.status, JSON.stringify(refused.body)).toBe(404);
    expect(refused.body.error).toMatchObject({ code: 'shop_uninstalled' });
    expect(receivers.b.app.shopDirectory.isUninstalled('lambda')).toBe(true); // B took what it read
  }, 60_000);
});
