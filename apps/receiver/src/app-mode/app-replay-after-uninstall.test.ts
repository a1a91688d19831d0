/**
 * Replaying the events of a shop that uninstalled the app: the worker cancels such a shop's jobs at their
 * turn, so a replay that answered "queued" would only turn the job (one that had succeeded, too) into a
 * dead letter again. `POST /events/:id/replay` refuses it with 409 `shop_uninstalled`, and
 * `POST /dead-letters/replay` leaves those dead letters as they are (counted in `uninstalledShops`); the
 * app's own events (`app_uninstalled`) still replay — one by one and by backfill —, and after a re-install
 * the shop's events replay again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  adminGet,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

interface Job {
  handler: string;
  status: string;
  lastError: string | null;
}

describe('app mode: replays of a shop that uninstalled the app', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'beta'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = (path: string) => adminGet(f.baseUrl, path);
  const post = async (path: string, body: unknown = {}) => {
    const response = await fetch(`${f.baseUrl}/admin/api${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const jobOf = async (eventId: string): Promise<Job> => (await admin(`/events/${eventId}`)).event.jobs[0];
  const orderEvent = (shop: string) =>
    eventually(async () => {
      const items = (await admin(`/events?shop=${shop}&event=order_confirm`)).items as Array<{
        id: string;
      }>;
      return items[0];
    });

  it('refuses to replay a webhook event of the shop (409 shop_uninstalled) and keeps its succeeded job', async () => {
    await f.sandbox.apps.install('55', 'alpha');
    await f.sandbox.simulator.placeOrder('alpha', { seed: 1 });
    await f.sandbox.simulator.waitForIdle();
    const event = await orderEvent('alpha');
    await eventually(async () => ((await jobOf(event.id)).status === 'succeeded' ? true : undefined));
    await f.sandbox.apps.uninstall('55', 'alpha');

    const replay = await post(`/events/${event.id}/replay`);
    expect(replay.status).toBe(409);
    expect(replay.body.error).toMatchObject({ code: 'shop_uninstalled', shop: 'alpha' });
    expect(replay.body.error.message).toContain('uninstalled the app');
    expect(replay.body.error.message).toContain('installed on alpha again');
    const handlerReplay = await post(`/events/${event.id}/replay`, { handler: 'audit' });
    expect(handlerReplay.status).toBe(409);
    expect(await jobOf(event.id)).toMatchObject({ status: 'succeeded' });

    // The app's own event of the shop is handled after the uninstall too: it replays.
    const uninstalled = await eventually(async () => {
      const items = (await admin('/events?shop=alpha&event=app_uninstalled')).items as Array<{ id: string }>;
      return items[0];
    });
    // once its jobs ran (a job still waiting or running is not replayed: 409, seen on a slow machine)
    await eventually(async () => {
      const jobs = (await admin(`/events/${uninstalled.id}`)).event.jobs as Job[];
      return jobs.every((job) => job.status !== 'pending' && job.status !== 'running') ? true : undefined;
    });
    expect((await post(`/events/${uninstalled.id}/replay`)).status).toBe(200);

    // Installed again, the shop's events replay again.
    const again = await f.sandbox.apps.install('55', 'alpha');
    expect(again.install.status, JSON.stringify(again.install)).toBe(302);
    expect((await post(`/events/${event.id}/replay`)).status).toBe(200);
  });

  it("leaves the shop's cancelled jobs as dead letters on a dead-letter replay, and says so", async () => {
    await f.sandbox.apps.install('55', 'beta');
    // The handler is paused, so the order's job waits and the uninstall cancels it.
    await f.receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
    try {
      await f.sandbox.simulator.placeOrder('beta', { seed: 2 });
      await f.sandbox.simulator.waitForIdle();
      const event = await orderEvent('beta');
      await f.sandbox.apps.uninstall('55', 'beta');
      expect(await jobOf(event.id)).toMatchObject({ status: 'dead', lastError: CANCELLED_BY_UNINSTALL });

      const replay = await post('/dead-letters/replay');
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ replayed: 0, uninstalledShops: 1 });
      expect(await jobOf(event.id)).toMatchObject({ status: 'dead', lastError: CANCELLED_BY_UNINSTALL });
      const listed = (await admin('/dead-letters')).items as Array<{ event: { id: string } }>;
      expect(listed.map((item) => item.event.id)).toContain(event.id);
    } finally {
      await f.receiver.store.enableHandler('audit');
    }
  });

  it("backfills the app's own events of the shop (handled after an uninstall too), not its webhook events", async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    // The shop's app_uninstalled job has run (the previous test paused its handler).
    const uninstalled = await eventually(async () => {
      const items = (await admin('/events?shop=beta&event=app_uninstalled')).items as Array<{
        id: string;
      }>;
      return items[0];
    });
    await eventually(async () => ((await jobOf(uninstalled.id)).status === 'succeeded' ? true : undefined));
    const appEvents = await post('/events/backfill', {
      handler: 'audit',
      from,
      shop: 'beta',
      event: 'app_uninstalled',
    });
    expect(appEvents.status).toBe(200);
    expect(appEvents.body).toMatchObject({ events: 1, skipped: { uninstalled: 0 } });
    const orders = await post('/events/backfill', {
      handler: 'audit',
      from,
      shop: 'beta',
      event: 'order_confirm',
    });
    expect(orders.body).toMatchObject({ events: 0, skipped: { uninstalled: 1 } });
  });
});
