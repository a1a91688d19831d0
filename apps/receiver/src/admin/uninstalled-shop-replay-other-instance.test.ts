/**
 * App mode, two receivers on one PostgreSQL store, B's change feed down: the admin API's replays on B judge a
 * shop by the store's install state (one read), not by B's list in memory, which still says what B last read.
 * A shop re-installed through A while B's list says uninstalled: its event replays, its dead letters and a
 * backfill include it (before, 409 shop_uninstalled / left out, until B's next re-read — 5 s by default, never
 * while the feed is down). A shop uninstalled through A while B's list says installed: refused / left out
 * (before, accepted, its jobs then cancelled at once by the worker). B's store cut: 503 store_unavailable
 * saying the install state could not be read and nothing was replayed. Over real HTTP, sandbox and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, APP_ID } from '../app-mode/test-support/app-mode-fixture.js';
import { deliverOrder, useSharedStorePair } from '../app-mode/test-support/shared-store-pair.js';

const SHOPS = ['beta', 'gamma', 'delta', 'epsilon', 'eta', 'theta'];

describe("admin replays on a receiver whose list of uninstalled shops is behind the store's", () => {
  // Neither receiver runs jobs: a delivery's job waits, and the uninstall cancels it (a dead letter).
  const pair = useSharedStorePair('admin_replay_uninstalled', SHOPS, {
    feedOnB: false,
    processingOnB: false,
    proxyB: true,
    storeTimeoutMs: 2000,
  });

  const postB = async (path: string, body: Record<string, unknown> = {}) => {
    const response = await fetch(`${pair.receivers.b.url}/admin/api${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** The event of a delivery taken by A for the shop (installed then), its job waiting. */
  const deliveredEvent = async (shop: string): Promise<string> => {
    const { status } = await deliverOrder(pair.receivers.a, shop);
    expect(status).toBe(200);
    const page = await pair.receivers.a.app.store.listEvents({ shop, limit: 10 });
    expect(page.items).toHaveLength(1);
    return page.items[0]?.id as string;
  };

  /** Installed, an event taken, uninstalled (its job a dead letter) — B reads that — then installed again through A. */
  const reinstalledBehindB = async (shop: string): Promise<string> => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, shop)).install.status).toBe(302);
    const eventId = await deliveredEvent(shop);
    expect((await sandbox.apps.uninstall(APP_ID, shop)).uninstall.status).toBe(200);
    await receivers.b.app.shopDirectory.refresh(); // B's periodic re-read, after the uninstall
    expect((await sandbox.apps.install(APP_ID, shop)).install.status).toBe(302);
    expect(receivers.b.app.shopDirectory.isUninstalled(shop)).toBe(true); // B has not heard
    return eventId;
  };

  /** Installed — B reads that — an event taken, then uninstalled through A (its job a dead letter). */
  const uninstalledBehindB = async (shop: string): Promise<string> => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, shop)).install.status).toBe(302);
    await receivers.b.app.shopDirectory.refresh();
    const eventId = await deliveredEvent(shop);
    expect((await sandbox.apps.uninstall(APP_ID, shop)).uninstall.status).toBe(200);
    expect(receivers.b.app.shopDirectory.appShop(shop)?.status).toBe('installed'); // B has not heard
    return eventId;
  };

  it("replays the event of a shop A re-installed while B's list says uninstalled", async () => {
    const eventId = await reinstalledBehindB('beta');
    const replay = await postB(`/events/${eventId}/replay`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);
    expect(replay.body.jobs).toMatchObject([{ eventId, handler: 'audit', status: 'pending' }]);
    expect(pair.receivers.b.app.shopDirectory.isUninstalled('beta')).toBe(false); // B took what it read
  }, 60_000);

  it("refuses the event of a shop A uninstalled while B's list says installed (409 shop_uninstalled)", async () => {
    const eventId = await uninstalledBehindB('gamma');
    const replay = await postB(`/events/${eventId}/replay`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(409);
    expect(replay.body.error).toMatchObject({ code: 'shop_uninstalled' });
    const event = await pair.receivers.a.app.store.getEvent(eventId);
    expect(event?.jobs.map((job) => job.status)).toEqual(['dead']); // left as it was
  }, 60_000);

  it("replays the dead letters of the re-installed shop, leaves the uninstalled shop's", async () => {
    const from = new Date();
    const reinstalled = await reinstalledBehindB('delta');
    const uninstalled = await uninstalledBehindB('epsilon');
    const replay = await postB('/dead-letters/replay', { from: from.toISOString() });
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);
    expect((replay.body.jobs as Array<{ eventId: string }>).map((job) => job.eventId)).toEqual([reinstalled]);
    expect(replay.body.uninstalledShops).toBe(1);
    const left = await pair.receivers.a.app.store.getEvent(uninstalled);
    expect(left?.jobs.map((job) => job.status)).toEqual(['dead']);
  }, 60_000);

  it('backfills the re-installed shop, skips the uninstalled one', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    await reinstalledBehindB('eta');
    await uninstalledBehindB('theta');
    const backfill = (shop: string) =>
      postB('/events/backfill', { handler: 'audit', from, shop, dryRun: true });
    const eta = await backfill('eta');
    expect(eta.status, JSON.stringify(eta.body)).toBe(200);
    expect(eta.body).toMatchObject({ events: 1, skipped: { uninstalled: 0 } });
    const theta = await backfill('theta');
    expect(theta.status, JSON.stringify(theta.body)).toBe(200);
    expect(theta.body).toMatchObject({ events: 0, skipped: { uninstalled: 1 } });
  }, 60_000);

  it("B's store cut: a dead-letter replay is 503 store_unavailable, saying the install state could not be read", async () => {
    await pair.proxy?.stop();
    try {
      const replay = await postB('/dead-letters/replay');
      expect(replay.status, JSON.stringify(replay.body)).toBe(503);
      const error = replay.body.error as { code: string; message: string };
      expect(error.code).toBe('store_unavailable');
      expect(error.message).toMatch(/^Cannot read the shops' install state from the store \(/);
      expect(error.message).toMatch(
        /the dead letters of uninstalled shops were not counted, and no dead letter was replayed\. Retry once the database is reachable again\.$/,
      );
    } finally {
      await pair.proxy?.start();
    }
  }, 60_000);
});
