/**
 * A shop that is in the config file's `shops` (the receiver manages its own subscriptions there with the
 * shop's API client) and also installs the platform app: the config entry serves it, so the install must
 * not plan the shop's subscriptions against the app's events — that deleted the config's own subscription
 * at this receiver's URLs (and the next reconcile would delete the app's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileShops } from '../reconcile/reconcile-shops.js';
import {
  type AppModeFixture,
  adminGet,
  eventually,
  freePort,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

const OWN_CLIENT = { clientId: 'own-client', clientSecret: 'own-client-secret' };
const SCOPES = [
  'store.webhook:read',
  'store.webhook:write',
  'order.order:read',
  'newsletter.subscriber:read',
];

describe('app mode: the app installed on a shop of the config file', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    const sandboxPort = await freePort();
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    f = await startAppModeFixture({
      shops: ['alpha'],
      sandbox: {
        port: sandboxPort,
        shops: [{ name: 'alpha', clients: [{ ...OWN_CLIENT, scopes: SCOPES }] }],
      },
      config: {
        shops: [
          {
            name: 'alpha',
            ...OWN_CLIENT,
            apiUrl: `${sandboxUrl}/alpha/api`,
            tokenUrl: `${sandboxUrl}/alpha/app/token`,
            events: ['newsletter_subscribe'],
            handlers: ['audit'],
            reconcile: true,
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  it("keeps the config shop's own subscriptions", async () => {
    const hooks = () => (f.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? []).map((h) => h.event).sort();
    // The start-up reconcile (run-receiver.ts) of the config shop.
    await reconcileShops(f.config, { logger: f.receiver.log, store: f.receiver.store });
    expect(hooks()).toEqual(['newsletter_subscribe']);
    await f.sandbox.apps.install('55', 'alpha');
    // The config entry serves the shop: the install leaves its subscriptions as they are, and says why.
    expect(hooks()).toEqual(['newsletter_subscribe']);
    expect(await f.receiver.appShops?.get('alpha')).toMatchObject({ status: 'installed', subscriptions: [] });
    const warning = f.logLines.find((line) => line.includes('app_install_config_shop'));
    expect(warning).toContain("also in the config file's shops");
    // Its next reconcile changes nothing either.
    await reconcileShops(f.config, { logger: f.receiver.log, store: f.receiver.store });
    expect(hooks()).toEqual(['newsletter_subscribe']);
  });

  it("leaves the config shop's waiting jobs alone when the app is uninstalled there", async () => {
    // The handler is paused, so the subscriber's job waits when the uninstall call arrives.
    await f.receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
    try {
      await f.sandbox.simulator.subscribe('alpha');
      await f.sandbox.simulator.waitForIdle();
      const event = await eventually(async () => {
        const items = (await adminGet(f.baseUrl, '/events?shop=alpha&event=newsletter_subscribe'))
          .items as Array<{ id: string }>;
        return items[0];
      });
      await f.sandbox.apps.uninstall('55', 'alpha');
      const uninstalled = await adminGet(f.baseUrl, '/events?shop=alpha&event=app_uninstalled');
      expect(uninstalled.items).toHaveLength(1);
      const job = (await adminGet(f.baseUrl, `/events/${event.id}`)).event.jobs[0];
      expect(job).toMatchObject({ handler: 'audit', status: 'pending' });
    } finally {
      await f.receiver.store.enableHandler('audit');
    }
  });
});
