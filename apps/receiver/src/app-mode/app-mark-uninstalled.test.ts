/**
 * An uninstall call that never arrived (the UninstallUri unreachable when the owner uninstalled), made
 * good by an operator: `POST /admin/api/shops/{shop}/uninstall` has the effects of the real call (the
 * shop's URLs answer 404, its pending jobs are dead letters with the cancellation text, on-demand
 * recovery answers shop_uninstalled, the app's handlers get app_uninstalled — saying an operator marked
 * it), a second call says already uninstalled, and a re-install through the sandbox works as after a
 * real uninstall. Refusals: app mode off, a config-file shop, a shop the app never had, no admin token.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsBrowser } from '../admin/test-support/admin-test-receiver.js';
import { CANCELLED_BY_UNINSTALL, type UninstallMarked } from '../store/app-shops/app-shop-store.js';
import { startTestReceiver, TEST_SECRET } from '../test-support/test-receiver.js';
import {
  ADMIN_TOKEN,
  APP_ID,
  type AppModeFixture,
  adminGet,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';
import { markUninstalled, pendingOrderThenLostUninstall } from './test-support/lost-uninstall.js';

describe('app mode: an operator marks a shop uninstalled when its uninstall call was lost', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['lost', 'kept', 'half'],
      config: { shops: [{ name: 'configured', handlers: ['audit'] }] },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = (path: string) => adminGet(f.baseUrl, path);
  const shop = async (name: string) =>
    ((await admin('/shops')).items as Array<Record<string, unknown>>).find((s) => s.name === name);

  let seed = 0;
  /** The first mark's answer: the `app_uninstalled` event's delivery. */
  let firstDeliveryId = '';
  const uninstallDeliveries = async (name: string) =>
    (await admin(`/deliveries?shop=${name}&event=app_uninstalled`)).items as Array<{ id: string }>;
  async function handledOrder(name: string): Promise<void> {
    const { order } = await f.sandbox.simulator.placeOrder(name, { seed: ++seed });
    await f.sandbox.simulator.waitForIdle();
    await eventually(async () => {
      const events = (await admin(`/events?shop=${name}&event=order_confirm`)).items as Array<
        Record<string, string>
      >;
      return events.find((e) => e.subjectId === String(order.innerId))?.status === 'succeeded'
        ? true
        : undefined;
    });
  }

  it('has the effects of the real uninstall call, and says an operator marked it', async () => {
    await f.sandbox.apps.install(APP_ID, 'lost');
    await f.sandbox.apps.install(APP_ID, 'kept');
    expect(await shop('lost')).toMatchObject({ status: 'installed', recovery: false });

    // A job that has not run yet, then the owner uninstalls while the UninstallUri cannot be reached.
    const { waiting, uninstallStatus } = await pendingOrderThenLostUninstall(f, 'lost', 100);
    expect(uninstallStatus).toBeNull();
    expect(await shop('lost')).toMatchObject({ status: 'installed' });
    expect((await admin('/recovery')).shops).toContain('lost');

    const response = await markUninstalled(f.baseUrl, 'lost');
    const answer = await response.json();
    expect(response.status, JSON.stringify(answer)).toBe(200);
    expect(answer).toEqual({
      ok: true,
      shop: 'lost',
      uninstalledAt: expect.any(String),
      cancelledJobs: 1,
      deliveryId: expect.stringMatching(/^dlv_/),
      alreadyUninstalled: false,
    });
    firstDeliveryId = answer.deliveryId;
    expect(await shop('lost')).toMatchObject({
      status: 'uninstalled',
      uninstalledAt: answer.uninstalledAt,
      subscriptions: [],
      recovery: false,
    });

    // Its pending job: a dead letter with the receiver's cancellation text.
    const cancelled = (await admin(`/events/${waiting.id}`)).event;
    expect(cancelled.status).toBe('dead');
    expect(cancelled.jobs[0]).toMatchObject({ status: 'dead', lastError: CANCELLED_BY_UNINSTALL });

    // Its delivery URLs answer the forged-URL 404.
    const late = await fetch(
      `${f.baseUrl}${signDeliveryPath({ shop: 'lost', event: 'order_confirm' }, TEST_SECRET)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"orders":{"order":[{"innerId":"1"}]}}',
      },
    );
    expect(late.status).toBe(404);

    // Recovery no longer serves it.
    expect((await admin('/recovery')).shops).not.toContain('lost');
    const recover = await fetch(`${f.baseUrl}/admin/api/recover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shop: 'lost' }),
    });
    expect(recover.status).toBe(404);
    expect((await recover.json()).error.code).toBe('shop_uninstalled');

    // The app's handlers get app_uninstalled, saying an operator marked it.
    await f.receiver.store.enableHandler('audit');
    const uninstalled = await eventually(async () => {
      const items = (await admin('/events?shop=lost&event=app_uninstalled')).items as Array<
        Record<string, string>
      >;
      return items[0]?.status === 'succeeded' ? items[0] : undefined;
    });
    const detail = (await admin(`/events/${uninstalled.id}`)).event;
    expect(detail.payload).toEqual({
      shop: 'lost',
      uninstalledAt: answer.uninstalledAt,
      cancelledJobs: 1,
      uninstalledBy: 'operator',
    });
    expect(detail.jobs.map((j: { handler: string }) => j.handler)).toEqual(['audit']);
    // Its delivery holds no credential of the admin request.
    const delivery = (await admin(`/deliveries/${answer.deliveryId}`)).delivery;
    expect(JSON.stringify(delivery)).not.toContain(ADMIN_TOKEN);

    // The other shop is untouched.
    await handledOrder('kept');
  });

  it('a second call says already uninstalled and changes nothing: no second delivery is stored', async () => {
    const before = await shop('lost');
    expect((await uninstallDeliveries('lost')).map((d) => d.id)).toEqual([firstDeliveryId]);
    for (let again = 0; again < 2; again++) {
      const response = await markUninstalled(f.baseUrl, 'lost');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        ok: true,
        shop: 'lost',
        uninstalledAt: before?.uninstalledAt,
        cancelledJobs: 0,
        // the first mark's delivery, which holds the event the handlers got
        deliveryId: firstDeliveryId,
        alreadyUninstalled: true,
      });
    }
    expect((await uninstallDeliveries('lost')).map((d) => d.id)).toEqual([firstDeliveryId]);
    const events = (await admin('/events?shop=lost&event=app_uninstalled')).items as Array<{
      duplicateOf: string | null;
    }>;
    expect(events).toHaveLength(1);
    expect(events[0]?.duplicateOf).toBeNull();
  });

  it('an uninstall recorded whose event was never stored (the store failed in between): the mark stores it', async () => {
    await f.sandbox.apps.install(APP_ID, 'half');
    expect(await shop('half')).toMatchObject({ status: 'installed' });
    // What an uninstall call leaves when the store fails after recording the uninstall: no event.
    const marked = (await f.receiver.appShops?.markUninstalled('half', {
      reason: CANCELLED_BY_UNINSTALL,
      cancelJobs: true,
    })) as UninstallMarked | null;
    expect(marked).toMatchObject({ already: false });
    expect(await uninstallDeliveries('half')).toEqual([]);

    const response = await markUninstalled(f.baseUrl, 'half');
    const answer = await response.json();
    expect(response.status, JSON.stringify(answer)).toBe(200);
    expect(answer).toMatchObject({
      shop: 'half',
      uninstalledAt: marked?.uninstalledAt.toISOString(),
      alreadyUninstalled: true,
      deliveryId: expect.stringMatching(/^dlv_/),
    });
    expect((await uninstallDeliveries('half')).map((d) => d.id)).toEqual([answer.deliveryId]);
    const events = (await admin('/events?shop=half&event=app_uninstalled')).items as Array<{
      duplicateOf: string | null;
    }>;
    expect(events).toHaveLength(1);
    expect(events[0]?.duplicateOf).toBeNull();

    // Told once more: nothing stored, the same delivery named.
    const again = await (await markUninstalled(f.baseUrl, 'half')).json();
    expect(again).toMatchObject({ alreadyUninstalled: true, deliveryId: answer.deliveryId });
    expect(await uninstallDeliveries('half')).toHaveLength(1);
  });

  it('a re-install through the sandbox afterwards starts over as after a real uninstall', async () => {
    const report = await f.sandbox.apps.install(APP_ID, 'lost');
    expect(report.redirectedToAppUrl).toBe(true);
    expect(await shop('lost')).toMatchObject({ status: 'installed', uninstalledAt: null });
    expect(f.sandbox.sandbox.findShop('lost')?.data.webhooks).toHaveLength(2);
    await handledOrder('lost');
  });

  it('refuses a config-file shop (409 config_shop), a shop the app never had (404 unknown_shop), a bad name (400), no token (401)', async () => {
    const configured = await markUninstalled(f.baseUrl, 'configured');
    expect(configured.status).toBe(409);
    const configuredBody = await configured.json();
    expect(configuredBody.error.code).toBe('config_shop');
    expect(configuredBody.error.message).toMatch(/configured is a shop of the config file/);

    const unknown = await markUninstalled(f.baseUrl, 'nowhere');
    expect(unknown.status).toBe(404);
    const unknownBody = await unknown.json();
    expect(unknownBody.error.code).toBe('unknown_shop');
    expect(unknownBody.error.message).toContain('The app was never installed on nowhere here');

    const badName = await markUninstalled(f.baseUrl, 'Not_A_Shop');
    expect(badName.status).toBe(400);
    expect((await badName.json()).error).toMatchObject({ code: 'invalid_request', field: 'shop' });

    const anonymous = await markUninstalled(f.baseUrl, 'kept', null);
    expect(anonymous.status).toBe(401);
    const wrong = await markUninstalled(f.baseUrl, 'kept', 'not-the-admin-token-0123456789');
    expect(wrong.status).toBe(401);
    expect(await shop('kept')).toMatchObject({ status: 'installed' });
  });

  it('from an inspector session: refused without the CSRF token (403), taken with it', async () => {
    const { cookie, csrfToken } = await loginAsBrowser(f, ADMIN_TOKEN);
    const post = (headers: Record<string, string>) =>
      fetch(`${f.baseUrl}/admin/api/shops/kept/uninstall`, {
        method: 'POST',
        headers: { cookie, origin: f.baseUrl, ...headers },
      });

    const refused = await post({});
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('csrf_missing');
    expect(await shop('kept')).toMatchObject({ status: 'installed' });

    const taken = await post({ 'x-csrf-token': csrfToken });
    expect(taken.status).toBe(200);
    expect(await taken.json()).toMatchObject({ shop: 'kept', alreadyUninstalled: false });
    expect(await shop('kept')).toMatchObject({ status: 'uninstalled' });
  });
});

describe('marking a shop uninstalled without app mode', () => {
  it('answers 409 app_mode_off', async () => {
    const receiver = await startTestReceiver({
      adminToken: ADMIN_TOKEN,
      shops: [{ name: 'configured' }],
    });
    try {
      const response = await markUninstalled(receiver.baseUrl, 'configured');
      expect(response.status).toBe(409);
      const body = await response.json();
      expect(body.error.code).toBe('app_mode_off');
      expect(body.error.message).toContain('does not run app mode');
    } finally {
      await receiver.close();
    }
  });
});
