/**
 * A shop re-installs the app through receiver A; its first delivery reaches A; receiver B — on the same
 * PostgreSQL store (its own schema per run), running the handlers, and knowing the shop as uninstalled — runs
 * that delivery's job. Over real HTTP against the sandbox. B learns of the re-install from A's delivery on
 * the store's change feed (it reads the shop then), so its worker runs the job instead of cancelling it as
 * an uninstalled shop's (a dead letter "cancelled: the app was uninstalled from this shop", as it did until
 * B's next periodic re-read — an hour here, 5 s by default).
 *
 * With B's change feed down (or B's worker claiming the job before its read of the shop has answered), B's
 * list in memory still says what it knew before: the worker decides from the store's install state when the
 * job's turn comes (one read), so the re-installed shop's job runs, and a job of a shop another instance saw
 * uninstall — delivered to B, which still lists the shop as installed — is cancelled.
 */
import { describe, expect, it } from 'vitest';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import { APP_ID, eventually } from './test-support/app-mode-fixture.js';
import { deliverOrder, type Receivers, useSharedStorePair } from './test-support/shared-store-pair.js';

/** The delivery's events once each job has ended (succeeded or dead), with their last error. */
const settledEventsOf = (receivers: Receivers, shop: string, deliveryId: string) =>
  eventually(async () => {
    const page = await receivers.a.app.store.listEvents({ shop, limit: 50 });
    const found = page.items.filter((event) => event.deliveryId === deliveryId);
    if (found.length === 0 || !found.every((e) => e.status === 'succeeded' || e.status === 'dead'))
      return undefined;
    return Promise.all(
      found.map(async (e) => {
        const detail = await receivers.a.app.store.getEvent(e.id);
        return { status: e.status, lastError: detail?.jobs[0]?.lastError ?? null };
      }),
    );
  }, 15_000);

describe("a re-installed shop's jobs run by another receiver instance on one PostgreSQL store", () => {
  const pair = useSharedStorePair('app_reinstall_jobs', ['beta'], { feedOnB: true });

  it('B runs the job of a delivery A took after the re-install', async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    expect((await sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    // B hears of the uninstall through the change feed.
    await eventually(
      async () => (receivers.b.app.shopDirectory.isUninstalled('beta') ? true : undefined),
      5000,
    );

    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    // The handler paused while the delivery comes, so B's worker claims its job only after B had the chance
    // to hear of the delivery (the claim racing that read is the next describe's, with the feed down).
    await receivers.a.app.store.disableHandler('audit', { reason: 'test: hold the job', by: 'operator' });
    const first = await deliverOrder(receivers.a, 'beta');
    expect(first.status).toBe(200);
    await eventually(
      async () => (receivers.b.app.shopDirectory.isUninstalled('beta') ? undefined : true),
      5000,
    );
    await receivers.a.app.store.enableHandler('audit');
    const events = await settledEventsOf(receivers, 'beta', first.deliveryId as string);
    expect(events.map((event) => event.status)).toEqual(['succeeded']);
  });
});

describe("B's change feed down: its worker decides from the store's install state, not its list in memory", () => {
  const pair = useSharedStorePair('app_reinstall_claim', ['beta', 'gamma'], { feedOnB: false });

  it("runs the job of a shop A re-installed while B's list still says uninstalled", async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    expect((await sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    await receivers.b.app.shopDirectory.refresh(); // B's periodic re-read, after the uninstall
    expect(receivers.b.app.shopDirectory.isUninstalled('beta')).toBe(true);

    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    const first = await deliverOrder(receivers.a, 'beta');
    expect(first.status).toBe(200);
    const events = await settledEventsOf(receivers, 'beta', first.deliveryId as string);
    expect(events).toEqual([{ status: 'succeeded', lastError: null }]);
    // B took what it read
    expect(receivers.b.app.shopDirectory.isUninstalled('beta')).toBe(false);
  });

  it("still cancels the job of a shop that uninstalled through A while B's list still says installed", async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'gamma')).install.status).toBe(302);
    await receivers.b.app.shopDirectory.refresh();
    expect(receivers.b.app.shopDirectory.appShop('gamma')?.status).toBe('installed');
    expect((await sandbox.apps.uninstall(APP_ID, 'gamma')).uninstall.status).toBe(200);
    expect(receivers.b.app.shopDirectory.isUninstalled('gamma')).toBe(false); // B has not heard

    // B takes the delivery (its list says installed) and its worker claims the job
    const late = await deliverOrder(receivers.b, 'gamma');
    expect(late.status).toBe(200);
    const events = await settledEventsOf(receivers, 'gamma', late.deliveryId as string);
    expect(events).toEqual([{ status: 'dead', lastError: CANCELLED_BY_UNINSTALL }]);
  });
});
