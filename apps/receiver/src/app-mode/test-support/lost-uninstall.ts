/**
 * The situation an operator marks a shop uninstalled in: the shop has an order whose job has not run
 * (the app's `audit` handler paused, so it stays pending), and the owner uninstalls the app while its
 * UninstallUri cannot be reached, so the receiver still has the shop installed.
 */
import {
  ADMIN_TOKEN,
  APP_ID,
  type AppModeFixture,
  adminGet,
  eventually,
  freePort,
} from './app-mode-fixture.js';

/** POST /admin/api/shops/:shop/uninstall with the admin token (or `token`, or none with null). */
export const markUninstalled = (baseUrl: string, shop: string, token: string | null = ADMIN_TOKEN) =>
  fetch(`${baseUrl}/admin/api/shops/${shop}/uninstall`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

/**
 * Places an order on `shop` whose job stays pending, then has the shop uninstall the app with its
 * UninstallUri unreachable: the order's event, and the status the uninstall call got (null: none).
 */
export async function pendingOrderThenLostUninstall(
  f: AppModeFixture,
  shop: string,
  seed: number,
): Promise<{ waiting: Record<string, string>; uninstallStatus: number | null }> {
  const admin = (path: string) => adminGet(f.baseUrl, path);
  await f.receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
  const { order } = await f.sandbox.simulator.placeOrder(shop, { seed });
  await f.sandbox.simulator.waitForIdle();
  const waiting = await eventually(async () => {
    const items = (await admin(`/events?shop=${shop}&event=order_confirm`)).items as Array<
      Record<string, string>
    >;
    return items.find((e) => e.subjectId === String(order.innerId) && e.status === 'pending');
  });
  f.registerApp({ uninstallUri: `http://127.0.0.1:${await freePort()}/app/uninstall` });
  try {
    return { waiting, uninstallStatus: (await f.sandbox.apps.uninstall(APP_ID, shop)).uninstall.status };
  } finally {
    f.registerApp({});
  }
}
