/**
 * A shop that removed the app while its uninstall call could not reach the receiver (ShopRenter sends
 * it once: a second try is not documented, **assumed** none), then installs the app again: the install call
 * is the receiver's first word of it, and it is a new install — the install time is the call's. Before, the
 * receiver kept the first install's time for a shop it still had as installed, so order recovery (which
 * reads no further back than the install time, and from the watermark of the last pass that worked — before
 * the uninstall) recovered the orders placed while the app was removed and ran the app's handlers on them,
 * and the shops list showed the passes that failed on the refused token in that time ("most likely
 * uninstalled the app") for the shop just installed; and the scheduled recovery, which the shop never left,
 * waited out the removed install's backoff before the new install's first pass. Real receiver, store and
 * sandbox; the uninstall call
 * is lost as in lost-uninstall.ts (its UninstallUri unreachable).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_ID,
  type AppModeFixture,
  adminGet,
  eventually,
  freePort,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';
import { type ShopRow, shopRowWhen } from './test-support/shop-rows.js';

const SHOP = 'returning';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const installedAt = (row: ShopRow) =>
  Date.parse(String((row as ShopRow & { installedAt: string }).installedAt));

/** `POST /admin/api/recover`'s answer: the pass's report, or the error. */
interface RecoverAnswer {
  report?: { recovered: Record<string, number> };
  error?: { code: string; message: string };
}

describe('app mode: a re-install after an uninstall whose call was lost', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: [SHOP] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const recover = async () => {
    const response = await fetch(`${f.baseUrl}/admin/api/recover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shop: SHOP }),
    });
    return { status: response.status, body: (await response.json()) as RecoverAnswer };
  };
  const listed = async () =>
    ((await adminGet(f.baseUrl, '/shops')).items as Array<Record<string, unknown>>).find(
      (item) => item.name === SHOP,
    );
  const installedStepDone = () =>
    shopRowWhen(f.baseUrl, SHOP, (row) => row.status === 'installed' && row.nextAttemptAt === null);

  it('is a new install: recovery reads nothing from while the app was removed, and the old failures are not listed', async () => {
    await f.sandbox.apps.install(APP_ID, SHOP);
    const first = await installedStepDone();
    // A pass that works: the watermark is now.
    expect((await recover()).status).toBe(200);

    // The owner removes the app; its uninstall call never reaches the receiver.
    f.registerApp({ uninstallUri: `http://127.0.0.1:${await freePort()}/app/uninstall` });
    try {
      expect((await f.sandbox.apps.uninstall(APP_ID, SHOP)).uninstall.status).toBeNull();
    } finally {
      f.registerApp({});
    }
    // An order while the app is removed: no subscription delivers it (they went with the app, A29).
    const { order } = await f.sandbox.simulator.placeOrder(SHOP, { seed: 11 });
    await f.sandbox.simulator.waitForIdle();
    // The receiver's pass fails on the refused token (A30), as the scheduled ones would.
    const refused = await recover();
    expect(refused.status).toBe(502);
    expect(refused.body.error?.message).toContain('most likely uninstalled the app');
    // A scheduled pass fails the same way and is counted (an on-demand one is not): recorded as it records it.
    const failedAt = new Date();
    await f.receiver.store.recordRecoveryPass(SHOP, {
      pass: {
        startedAt: failedAt,
        finishedAt: failedAt,
        outcome: 'failed',
        since: failedAt,
        ordersRead: 0,
        subscribersRead: 0,
        recovered: {},
        alreadyStored: 0,
        error: refused.body.error?.message ?? null,
      },
      watermark: null,
    });
    expect(await listed()).toMatchObject({
      recoveryFailures: 1,
      recoveryError: expect.stringContaining('most likely uninstalled'),
    });

    await pause(2100); // the shop's times have whole seconds: the order is well before the re-install
    const reinstallFrom = Date.now();
    await f.sandbox.apps.install(APP_ID, SHOP);
    const again = await installedStepDone();

    // The install time is the re-install's, and the failed passes of the removed install are not this one's.
    expect(installedAt(again)).toBeGreaterThanOrEqual(reinstallFrom - 1000);
    expect(installedAt(again)).toBeGreaterThan(installedAt(first));
    expect(await listed()).toMatchObject({ recoveryFailures: 0, recoveryError: null });
    // …nor count in the backoff of the scheduled passes (as after an uninstall the receiver was told of).
    expect((await f.receiver.store.getRecoveryState(SHOP))?.consecutiveFailures).toBe(0);

    // Order recovery starts at the re-install: the order placed while the app was removed is not the app's.
    const pass = await recover();
    expect(pass.status).toBe(200);
    expect(pass.body.report?.recovered.order_confirm ?? 0).toBe(0);
    const events = await f.receiver.store.listEvents({ shop: SHOP, limit: 50 });
    expect(events.items.filter((event) => event.subjectId === String(order.innerId))).toEqual([]);
  });
});

describe('app mode: the scheduled recovery of a shop re-installed after an uninstall whose call was lost', () => {
  const INTERVAL_MS = 1000;
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: [SHOP],
      config: { logLevel: 'warn' },
      recovery: { schedule: true, intervalMs: INTERVAL_MS },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  const state = () => f.receiver.store.getRecoveryState(SHOP);

  it("starts over with a pass at once, not at the removed install's backoff", async () => {
    await f.sandbox.apps.install(APP_ID, SHOP);
    await eventually(async () => ((await state())?.lastPass?.outcome === 'ok' ? true : undefined));

    f.registerApp({ uninstallUri: `http://127.0.0.1:${await freePort()}/app/uninstall` });
    try {
      expect((await f.sandbox.apps.uninstall(APP_ID, SHOP)).uninstall.status).toBeNull();
    } finally {
      f.registerApp({});
    }
    // The scheduled passes fail on the refused token, each waiting twice as long as the one before: after the
    // fifth, the next is 16 s away.
    await eventually(async () => (((await state())?.consecutiveFailures ?? 0) >= 5 ? true : undefined));
    const reinstalledAt = Date.now();
    await f.sandbox.apps.install(APP_ID, SHOP);

    // A pass of the new install, well before the removed install's backoff would have allowed one.
    const pass = await eventually(async () => {
      const last = (await state())?.lastPass;
      return last && last.startedAt.getTime() >= reinstalledAt && last.outcome === 'ok' ? last : undefined;
    }, 20_000);
    // Half that backoff: room for a loaded machine's slow install call (a 4 s bound against 8 s was tight).
    expect(pass.startedAt.getTime() - reinstalledAt).toBeLessThan(8 * INTERVAL_MS);
    expect((await state())?.consecutiveFailures).toBe(0);
  });
});
