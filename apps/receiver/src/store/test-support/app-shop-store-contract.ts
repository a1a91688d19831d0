/**
 * The AppShopStore contract (app mode): one suite for both engines (`app-shops/*.test.ts`). Each test
 * gets a migrated Store and the app shop store on the same database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AppShopStore, CANCELLED_BY_UNINSTALL } from '../app-shops/app-shop-store.js';
import { PaymentClaimConflictError, type Store, type WebhookEvent } from '../store.js';
import { jsonDelivery, T0 } from './store-contract.js';

export interface AppShopStoreHarness {
  open(): Promise<{ store: Store; appShops: AppShopStore }>;
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export function defineAppShopStoreContract(engine: string, harness: AppShopStoreHarness): void {
  describe(`AppShopStore contract: ${engine}`, () => {
    const opened: Array<{ store: Store; appShops: AppShopStore }> = [];
    const open = async () => {
      const pair = await harness.open();
      opened.push(pair);
      return pair;
    };
    afterEach(async () => {
      for (const { store, appShops } of opened.splice(0)) {
        await appShops.close();
        await store.close();
      }
    });

    it('accepts an app request code once until it expires', async () => {
      const { appShops } = await open();
      expect(await appShops.useRequestCode('install:demo:abc', at(600), { now: T0 })).toBe(true);
      expect(await appShops.useRequestCode('install:demo:abc', at(600), { now: at(10) })).toBe(false);
      expect(await appShops.useRequestCode('install:other:abc', at(600), { now: at(10) })).toBe(true);
      expect(await appShops.useRequestCode('install:demo:abc', at(1300), { now: at(601) })).toBe(true);
    });

    it('records an install as pending, then installed with its subscriptions', async () => {
      const { appShops } = await open();
      const pending = await appShops.recordInstall('demo', {
        appVersion: '1.2.0',
        nextAttemptAt: at(60),
        now: T0,
      });
      expect(pending).toMatchObject({
        shop: 'demo',
        status: 'pending',
        pendingReason: 'installing',
        appVersion: '1.2.0',
        attempts: 0,
        subscriptions: [],
      });
      expect(pending.installedAt.getTime()).toBe(T0.getTime());
      expect(await appShops.dueSteps({ now: at(59) })).toEqual([]);
      expect((await appShops.dueSteps({ now: at(60) })).map((s) => s.shop)).toEqual(['demo']);
      const subscriptions = [{ event: 'order_confirm', id: 'd2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==' }];
      expect(
        await appShops.markInstalled('demo', { subscriptions, secretFingerprint: 'aaaa', now: at(1) }),
      ).toBe(true);
      const installed = await appShops.get('demo');
      expect(installed).toMatchObject({
        status: 'installed',
        pendingReason: null,
        nextAttemptAt: null,
        subscriptions,
      });
      expect(await appShops.dueSteps({ now: at(600) })).toEqual([]);
      expect(await appShops.get('nope')).toBeNull();
    });

    it('keeps a failed install pending with the reason and counts the attempts', async () => {
      const { appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      expect(
        await appShops.markStepFailed('demo', {
          reason: 'token endpoint down',
          nextAttemptAt: at(30),
          now: at(1),
        }),
      ).toBe(true);
      await appShops.markStepFailed('demo', { reason: 'still down', nextAttemptAt: at(90), now: at(31) });
      const shop = await appShops.get('demo');
      expect(shop).toMatchObject({ status: 'pending', pendingReason: 'still down', attempts: 2 });
      expect(shop?.nextAttemptAt?.getTime()).toBe(at(90).getTime());
    });

    it("records a step's outcome only while the install it started from is the shop's latest (ifInstalledAt)", async () => {
      const { appShops } = await open();
      const subscriptions = [{ event: 'order_confirm', id: 'a' }];
      const first = await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      // An install call came since the step read the shop: its step records the outcome, not this one.
      await appShops.recordInstall('demo', { nextAttemptAt: at(70), now: at(10) });
      expect(
        await appShops.markInstalled('demo', {
          subscriptions,
          secretFingerprint: 'aaaa',
          now: at(11),
          ifInstalledAt: first.installedAt,
        }),
      ).toBe(false);
      expect(
        await appShops.markStepFailed('demo', {
          reason: 'token endpoint down',
          nextAttemptAt: at(90),
          now: at(11),
          ifInstalledAt: first.installedAt,
        }),
      ).toBe(false);
      const kept = await appShops.get('demo');
      expect(kept).toMatchObject({
        status: 'pending',
        pendingReason: 'installing',
        attempts: 0,
        subscriptions: [],
        secretFingerprint: null,
      });
      expect(kept?.nextAttemptAt?.getTime()).toBe(at(70).getTime());
      // The newer install's step records it.
      expect(
        await appShops.markStepFailed('demo', {
          reason: 'token endpoint down',
          nextAttemptAt: at(90),
          now: at(12),
          ifInstalledAt: at(10),
        }),
      ).toBe(true);
      expect(await appShops.get('demo')).toMatchObject({ pendingReason: 'token endpoint down', attempts: 1 });
      expect(
        await appShops.markInstalled('demo', {
          subscriptions,
          secretFingerprint: 'aaaa',
          now: at(13),
          ifInstalledAt: at(10),
        }),
      ).toBe(true);
      expect(await appShops.get('demo')).toMatchObject({
        status: 'installed',
        pendingReason: null,
        nextAttemptAt: null,
        subscriptions,
      });
      // An installed shop's later step (a re-install call came meanwhile): the shop stays as recorded.
      await appShops.recordInstall('demo', { nextAttemptAt: at(80), now: at(20) });
      expect(
        await appShops.markInstalled('demo', {
          subscriptions: [],
          secretFingerprint: 'bbbb',
          now: at(21),
          ifInstalledAt: at(10),
        }),
      ).toBe(false);
      expect(await appShops.get('demo')).toMatchObject({
        status: 'installed',
        pendingReason: 'installing',
        subscriptions,
        secretFingerprint: 'aaaa',
      });
    });

    it('keeps an installed shop installed when a later step fails (re-install call, re-registration), and retries it', async () => {
      const { appShops } = await open();
      await appShops.recordInstall('demo', { appVersion: '1', nextAttemptAt: at(60), now: T0 });
      const subscriptions = [{ event: 'order_confirm', id: 'a' }];
      await appShops.markInstalled('demo', { subscriptions, secretFingerprint: 'aaaa', now: at(1) });
      // the install call again (the shop is still installed): the step runs again, the shop stays installed
      const again = await appShops.recordInstall('demo', {
        appVersion: '2',
        nextAttemptAt: at(70),
        now: at(10),
      });
      expect(again).toMatchObject({
        status: 'installed',
        pendingReason: 'installing',
        attempts: 0,
        appVersion: '2',
        subscriptions,
        secretFingerprint: 'aaaa',
      });
      // A re-install (its uninstall call lost): the install time is the call's.
      expect(again.installedAt.getTime()).toBe(at(10).getTime());
      expect(
        await appShops.markStepFailed('demo', {
          reason: 'token endpoint down',
          nextAttemptAt: at(90),
          now: at(11),
        }),
      ).toBe(true);
      const failed = await appShops.get('demo');
      expect(failed).toMatchObject({
        status: 'installed',
        pendingReason: 'token endpoint down',
        attempts: 1,
        subscriptions,
      });
      expect(await appShops.dueSteps({ now: at(89) })).toEqual([]);
      expect((await appShops.dueSteps({ now: at(90) })).map((shop) => [shop.shop, shop.status])).toEqual([
        ['demo', 'installed'],
      ]);
      await appShops.markInstalled('demo', { subscriptions, secretFingerprint: 'bbbb', now: at(91) });
      // The failures in a row end with the step that succeeded: the next failure (a re-registration after a
      // secret or subscription change) is retried after the first interval, not the backoff of failures
      // long past (it grew with every failure the shop ever had, to an hour).
      expect(await appShops.get('demo')).toMatchObject({
        status: 'installed',
        pendingReason: null,
        attempts: 0,
        nextAttemptAt: null,
      });
      expect(await appShops.dueSteps({ now: at(600) })).toEqual([]);
      // uninstalled: nothing due, a late failure ignored
      await appShops.markStepFailed('demo', { reason: 'x', nextAttemptAt: at(95), now: at(92) });
      await appShops.markUninstalled('demo', { reason: CANCELLED_BY_UNINSTALL, now: at(93) });
      expect(await appShops.dueSteps({ now: at(600) })).toEqual([]);
      expect(await appShops.markStepFailed('demo', { reason: 'x', nextAttemptAt: at(95) })).toBe(false);
    });

    it('uninstalls: later outcomes of the install step are ignored, pending jobs of that shop are cancelled, other shops untouched', async () => {
      const { store, appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await appShops.recordInstall('other', { nextAttemptAt: at(60), now: T0 });
      const demoEvents = [{ dedupeKey: 'order:1', subjectId: '1', payload: { innerId: '1' } }];
      const ingested = await store.ingest(jsonDelivery({ shop: 'demo' }), demoEvents, ['erp']);
      await store.ingest(jsonDelivery({ shop: 'other' }), demoEvents, ['erp']);

      expect(await appShops.markUninstalled('demo', { reason: CANCELLED_BY_UNINSTALL, now: at(5) })).toEqual({
        cancelledJobs: 1,
        uninstalledAt: at(5),
        already: false,
      });
      expect(
        await appShops.markInstalled('demo', {
          subscriptions: [{ event: 'order_confirm', id: 'x' }],
          secretFingerprint: 'aaaa',
        }),
      ).toBe(false);
      expect(await appShops.markStepFailed('demo', { reason: 'x', nextAttemptAt: at(1) })).toBe(false);
      const shop = await appShops.get('demo');
      expect(shop).toMatchObject({ status: 'uninstalled', subscriptions: [] });
      expect(shop?.uninstalledAt?.getTime()).toBe(at(5).getTime());

      const event = await store.getEvent(ingested.events[0]?.id ?? '');
      expect(event?.status).toBe('dead');
      expect(event?.jobs[0]).toMatchObject({
        status: 'dead',
        lastError: CANCELLED_BY_UNINSTALL,
        lastErrorSummary: CANCELLED_BY_UNINSTALL,
      });
      expect((await store.countJobs()).pending).toBe(1);
      expect(await appShops.markUninstalled('never-installed', { reason: 'x' })).toBeNull();

      // Told again: nothing changes, and the first uninstall's time comes back.
      await store.ingest(
        jsonDelivery({ shop: 'demo' }),
        [{ dedupeKey: 'order:2', subjectId: '2', payload: { innerId: '2' } }],
        ['erp'],
      );
      expect(await appShops.markUninstalled('demo', { reason: 'again', now: at(50) })).toEqual({
        cancelledJobs: 0,
        uninstalledAt: at(5),
        already: true,
      });
      expect((await appShops.get('demo'))?.uninstalledAt?.getTime()).toBe(at(5).getTime());
      expect((await store.countJobs()).pending).toBe(2);
    });

    it('a late uninstall (spooled, applied at its call time): its code checked in the same transaction, applied once, never over a later change', async () => {
      const { appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await appShops.markInstalled('demo', { subscriptions: [], secretFingerprint: 'aaaa', now: at(1) });
      const late = (code: string) => ({ requestCode: { key: `code:demo:${code}`, expiresAt: at(400) } });
      // a code used before (an entry-point link's): a replay, nothing changes
      expect(await appShops.useRequestCode('code:demo:used', at(400), { now: at(2) })).toBe(true);
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(3),
          late: late('used'),
        }),
      ).toEqual({ refused: 'replayed', status: 'installed', updatedAt: at(1) });
      // an install call after the call's time (the owner installed the app again; the shop stays installed):
      // nothing changes; the code is used
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: at(2) });
      await appShops.markInstalled('demo', { subscriptions: [], secretFingerprint: 'aaaa', now: at(2) });
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(1),
          late: late('old'),
        }),
      ).toEqual({ refused: 'changed_since', status: 'installed', updatedAt: at(2) });
      expect(await appShops.useRequestCode('code:demo:old', at(400), { now: at(2) })).toBe(false);
      expect((await appShops.get('demo'))?.status).toBe('installed');
      // a call after the last change: applied at its time, its code recorded
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(5),
          late: late('fresh'),
        }),
      ).toEqual({ cancelledJobs: 0, uninstalledAt: at(5), already: false });
      expect(await appShops.useRequestCode('code:demo:fresh', at(400), { now: at(6) })).toBe(false);
      // the same call applied again (a drain interrupted after the commit): already, the time kept
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(5),
          late: late('fresh'),
        }),
      ).toEqual({ cancelledJobs: 0, uninstalledAt: at(5), already: true });
      // its code recorded by the route before the store failed: nothing to check
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(5),
          late: { requestCode: null },
        }),
      ).toEqual({ cancelledJobs: 0, uninstalledAt: at(5), already: true });
      // another call with a used code, the shop uninstalled at another time: a replay
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(7),
          late: late('used'),
        }),
      ).toMatchObject({ refused: 'replayed', status: 'uninstalled' });
      // re-installed after the uninstall: a late call older than that install does not undo it
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: at(10) });
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(8),
          late: late('later'),
        }),
      ).toMatchObject({ refused: 'changed_since', status: 'pending' });
      expect(
        await appShops.markUninstalled('ghost', { reason: 'x', now: at(8), late: late('x') }),
      ).toBeNull();
    });

    it('a late uninstall is not held back by an install step written after the call (the background retry, a re-registration): only an install call after it is', async () => {
      const { appShops } = await open();
      const late = (code: string) => ({ requestCode: { key: `code:demo:${code}`, expiresAt: at(400) } });
      // pending: the owner uninstalled at 3 s while the store was down; the background retry of the install
      // step wrote its failure at 4 s, before the spool drained
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await appShops.markStepFailed('demo', { reason: 'token refused', nextAttemptAt: at(90), now: at(4) });
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(3),
          late: late('pending'),
        }),
      ).toEqual({ cancelledJobs: 0, uninstalledAt: at(3), already: false });
      // installed: its subscriptions registered again at 9 s (a secret rotation) after an uninstall at 8 s
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: at(6) });
      await appShops.markInstalled('demo', { subscriptions: [], secretFingerprint: 'bbbb', now: at(7) });
      await appShops.markInstalled('demo', { subscriptions: [], secretFingerprint: 'cccc', now: at(9) });
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(8),
          late: late('installed'),
        }),
      ).toEqual({ cancelledJobs: 0, uninstalledAt: at(8), already: false });
      expect((await appShops.get('demo'))?.status).toBe('uninstalled');
    });

    it("does not cancel the app's own events on uninstall: payment notifications (ShopRenter cancels the shop's charges then) and an earlier app_uninstalled", async () => {
      const { store, appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await store.ingest(
        jsonDelivery({ shop: 'demo' }),
        [{ dedupeKey: 'order:1', subjectId: '1', payload: {} }],
        ['erp'],
      );
      for (const event of ['payment_status', 'payment_card_change', 'app_uninstalled']) {
        await store.ingest(
          jsonDelivery({ shop: 'demo', event: event as unknown as WebhookEvent }),
          [{ dedupeKey: `${event}:1`, subjectId: '1', payload: {} }],
          ['billing'],
        );
      }
      expect(await appShops.markUninstalled('demo', { reason: CANCELLED_BY_UNINSTALL, now: at(5) })).toEqual({
        cancelledJobs: 1,
        uninstalledAt: at(5),
        already: false,
      });
      expect((await store.countJobs()).pending).toBe(3);
    });

    it('cancels no job with cancelJobs: false (a shop of the config file, still served by that entry)', async () => {
      const { store, appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await store.ingest(
        jsonDelivery({ shop: 'demo' }),
        [{ dedupeKey: 'order:1', subjectId: '1', payload: {} }],
        ['erp'],
      );
      expect(
        await appShops.markUninstalled('demo', {
          reason: CANCELLED_BY_UNINSTALL,
          now: at(5),
          cancelJobs: false,
        }),
      ).toEqual({ cancelledJobs: 0, uninstalledAt: at(5), already: false });
      expect((await store.countJobs()).pending).toBe(1);
      expect((await appShops.get('demo'))?.status).toBe('uninstalled');
    });

    /** Each shop installed, one event with an `erp` job, then uninstalled: the job is a dead letter. */
    async function uninstalledWithDeadLetters(shops: readonly string[]) {
      const opened = await open();
      for (const shop of shops) {
        await opened.appShops.recordInstall(shop, { nextAttemptAt: at(60), now: T0 });
        await opened.store.ingest(
          jsonDelivery({ shop }),
          [{ dedupeKey: `order:${shop}`, subjectId: '1', payload: {} }],
          ['erp'],
        );
        await opened.appShops.markUninstalled(shop, { reason: CANCELLED_BY_UNINSTALL, now: at(5) });
      }
      return opened;
    }

    it("leaves the uninstalled shops' dead letters out of a dead-letter query with exceptShops", async () => {
      const { store } = await uninstalledWithDeadLetters(['demo', 'other']);
      expect(await store.countDeadLetters({})).toBe(2);
      expect(await store.countDeadLetters({ exceptShops: ['demo'] })).toBe(1);
      const left = await store.listDeadLetters({ exceptShops: ['demo'], handler: 'erp' });
      expect(left.map((entry) => entry.event.shop)).toEqual(['other']);
      expect((await store.replayDeadLetters({ exceptShops: ['demo', 'other'] })).jobs).toHaveLength(0);
      expect(await store.countDeadLetters({})).toBe(2);
    });

    it('takes exceptShops of any length (a platform app with many uninstalled shops)', async () => {
      const { store } = await uninstalledWithDeadLetters(['demo', 'other']);
      // more names than SQLite (32,766) or PostgreSQL (65,535) take as bound parameters of one statement
      const many = Array.from({ length: 70_000 }, (_, index) => `gone-${index}`);
      expect(await store.countDeadLetters({ exceptShops: [...many, 'demo'] })).toBe(1);
      const left = await store.listDeadLetters({ exceptShops: [...many, 'demo'], handler: 'erp' });
      expect(left.map((entry) => entry.event.shop)).toEqual(['other']);
      expect((await store.replayDeadLetters({ exceptShops: [...many, 'other'] })).jobs).toHaveLength(1);
      expect(await store.countDeadLetters({})).toBe(1);
      expect(await store.listDeadLetters({ exceptShops: ["it's", 'a "quoted", name'] })).toHaveLength(1);
    });

    it('starts over on a re-install and lists every shop', async () => {
      const { appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await appShops.markInstalled('demo', {
        subscriptions: [{ event: 'order_confirm', id: 'a' }],
        secretFingerprint: 'aaaa',
      });
      await appShops.markUninstalled('demo', { reason: 'x', now: at(5) });
      const again = await appShops.recordInstall('demo', {
        appVersion: '2',
        nextAttemptAt: at(70),
        now: at(10),
      });
      expect(again).toMatchObject({ status: 'pending', uninstalledAt: null, attempts: 0, appVersion: '2' });
      await appShops.recordInstall('alpha', { nextAttemptAt: at(60), now: T0 });
      expect((await appShops.list()).map((s) => [s.shop, s.status])).toEqual([
        ['alpha', 'pending'],
        ['demo', 'pending'],
      ]);
    });

    it("records which secret signed a shop's subscriptions: kept while pending or installed again, forgotten on uninstall", async () => {
      const { appShops } = await open();
      expect(
        (await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 })).secretFingerprint,
      ).toBeNull();
      const subscriptions = [{ event: 'order_confirm', id: 'a' }];
      await appShops.markInstalled('demo', {
        subscriptions,
        secretFingerprint: '0123456789abcdef',
        now: at(1),
      });
      expect((await appShops.get('demo'))?.secretFingerprint).toBe('0123456789abcdef');
      // The subscriptions on the shop are still those until the step runs again.
      const again = await appShops.recordInstall('demo', { nextAttemptAt: at(70), now: at(10) });
      expect(again.secretFingerprint).toBe('0123456789abcdef');
      await appShops.markStepFailed('demo', { reason: 'down', nextAttemptAt: at(90), now: at(11) });
      expect((await appShops.get('demo'))?.secretFingerprint).toBe('0123456789abcdef');
      await appShops.markInstalled('demo', {
        subscriptions,
        secretFingerprint: 'fedcba9876543210',
        now: at(12),
      });
      expect((await appShops.list()).map((shop) => shop.secretFingerprint)).toEqual(['fedcba9876543210']);
      // ShopRenter drops an uninstalled shop's subscriptions: nothing is signed for it any more.
      await appShops.markUninstalled('demo', { reason: 'x', now: at(20) });
      expect((await appShops.get('demo'))?.secretFingerprint).toBeNull();
      expect(
        (await appShops.recordInstall('demo', { nextAttemptAt: at(90), now: at(30) })).secretFingerprint,
      ).toBeNull();
    });

    it("takes every install call's time as the install time: a shop still installed or pending re-installed (its uninstall call lost)", async () => {
      // Order recovery reads no further back than the install time: the first install's, kept, had the
      // orders placed while the app was removed recovered.
      const { appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await appShops.markInstalled('demo', {
        subscriptions: [{ event: 'order_confirm', id: 'a' }],
        secretFingerprint: 'aaaa',
      });
      const again = await appShops.recordInstall('demo', { nextAttemptAt: at(3660), now: at(3600) });
      expect(again.installedAt.getTime()).toBe(at(3600).getTime());
      // Still installed with its subscriptions while the step runs again (see the step-failure test).
      expect(again).toMatchObject({
        status: 'installed',
        subscriptions: [{ event: 'order_confirm', id: 'a' }],
      });
      await appShops.recordInstall('pending', { nextAttemptAt: at(60), now: T0 });
      const pendingAgain = await appShops.recordInstall('pending', { nextAttemptAt: at(160), now: at(100) });
      expect(pendingAgain.installedAt.getTime()).toBe(at(100).getTime());
      await appShops.markUninstalled('demo', { reason: 'x', now: at(4000) });
      const reinstalled = await appShops.recordInstall('demo', { nextAttemptAt: at(5060), now: at(5000) });
      expect(reinstalled.installedAt.getTime()).toBe(at(5000).getTime());
    });

    it("resets the shop's recovery failures in a row at an install call, unless told not to (a config shop)", async () => {
      const { store, appShops } = await open();
      const failedPass = (seconds: number) => ({
        pass: {
          startedAt: at(seconds),
          finishedAt: at(seconds),
          outcome: 'failed' as const,
          since: at(seconds),
          ordersRead: 0,
          subscribersRead: 0,
          recovered: {},
          alreadyStored: 0,
          error: 'refused',
        },
        watermark: null,
      });
      for (const shop of ['demo', 'config']) {
        await appShops.recordInstall(shop, { nextAttemptAt: at(60), now: T0 });
        await appShops.markInstalled(shop, { subscriptions: [], secretFingerprint: 'aaaa' });
        await store.recordRecoveryPass(shop, failedPass(100));
        await store.recordRecoveryPass(shop, failedPass(200));
      }
      // The removed install's failures (its uninstall call lost) do not put the re-install's passes back.
      await appShops.recordInstall('demo', { nextAttemptAt: at(3660), now: at(3600) });
      expect((await store.getRecoveryState('demo'))?.consecutiveFailures).toBe(0);
      // A config file's shop is recovered on that entry's credentials: its failures stay.
      await appShops.recordInstall('config', {
        nextAttemptAt: at(3660),
        now: at(3600),
        resetRecoveryFailures: false,
      });
      expect((await store.getRecoveryState('config'))?.consecutiveFailures).toBe(2);
    });
    /** Files a payment notification under `shop` with its claim, as the payment route does. */
    const filePayment = (
      store: Store,
      claim: { subject: string; dedupeKey: string; shop: string; bind?: boolean; now: Date },
    ) =>
      store.ingest(
        jsonDelivery({
          shop: claim.shop,
          event: (claim.subject.startsWith('card-change:')
            ? 'payment_card_change'
            : 'payment_status') as WebhookEvent,
          receivedAt: claim.now,
          rawBody: Buffer.from('{}'),
        }),
        [{ dedupeKey: claim.dedupeKey, subjectId: claim.subject.split(':')[1] ?? null, payload: {} }],
        [],
        {
          paymentClaim: {
            subject: claim.subject,
            shop: claim.shop,
            bind: claim.bind ?? true,
            dedupeKey: claim.dedupeKey,
            expiresAt: new Date(claim.now.getTime() + 400_000),
            now: claim.now,
          },
        },
      );
    const deliveryCount = async (store: Store) => (await store.listDeliveries({ limit: 500 })).items.length;

    it('binds a payment subject to the shop its first notification is filed under, app-wide, in the transaction that files it', async () => {
      const { store, appShops } = await open();
      const pending = { subject: 'payment:69', dedupeKey: 'payment:69:pending:100' };
      expect(await appShops.paymentClaimState({ ...pending, now: T0 })).toEqual({
        subjectShop: null,
        seen: false,
      });
      await filePayment(store, { ...pending, shop: 'alpha', now: T0 });
      expect(await appShops.paymentClaimState({ ...pending, now: at(1) })).toEqual({
        subjectShop: 'alpha',
        seen: true,
      });
      // The same notification again under alpha: filed there again (the store dedupes the event).
      const again = await filePayment(store, { ...pending, shop: 'alpha', now: at(1) });
      expect(again.duplicates).toBe(1);
      // A later status of the charge filed under another shop: refused in its transaction, nothing stored.
      const paid = { subject: 'payment:69', dedupeKey: 'payment:69:paid:200' };
      const before = await deliveryCount(store);
      await expect(filePayment(store, { ...paid, shop: 'beta', now: at(2) })).rejects.toBeInstanceOf(
        PaymentClaimConflictError,
      );
      expect(await deliveryCount(store)).toBe(before);
      expect(await appShops.paymentClaimState({ ...paid, now: at(3) })).toEqual({
        subjectShop: 'alpha',
        seen: false,
      });
      // A card change is another subject than a charge with that id.
      await filePayment(store, {
        subject: 'card-change:69',
        dedupeKey: 'card-change:69:declined:100',
        shop: 'beta',
        now: at(5),
      });
      expect(
        await appShops.paymentClaimState({ subject: 'card-change:69', dedupeKey: 'x', now: at(5) }),
      ).toEqual({ subjectShop: 'beta', seen: false });
      // A filed notification is forgotten once expired (its time is then out of tolerance anyway); the
      // charge's shop is kept (until retention prunes it, see the store contract).
      expect(await appShops.paymentClaimState({ ...pending, now: at(401) })).toEqual({
        subjectShop: 'alpha',
        seen: false,
      });
    });

    it('files under a shop without binding only a charge bound to it before (a shop that has since uninstalled)', async () => {
      const { store, appShops } = await open();
      const claim = { subject: 'payment:7', dedupeKey: 'payment:7:paid:100', now: T0 };
      await expect(filePayment(store, { ...claim, shop: 'gone', bind: false })).rejects.toBeInstanceOf(
        PaymentClaimConflictError,
      );
      expect(await deliveryCount(store)).toBe(0);
      expect(await appShops.paymentClaimState(claim)).toEqual({ subjectShop: null, seen: false });
      await filePayment(store, { ...claim, shop: 'alpha' });
      await filePayment(store, {
        ...claim,
        dedupeKey: 'payment:7:cancelled:150',
        shop: 'alpha',
        bind: false,
        now: at(1),
      });
      expect(
        await appShops.paymentClaimState({ ...claim, dedupeKey: 'payment:7:cancelled:150', now: at(2) }),
      ).toEqual({ subjectShop: 'alpha', seen: true });
    });

    it('binds a subject once when notifications under several shops are filed at the same time', async () => {
      const { store, appShops } = await open();
      const results = await Promise.allSettled(
        ['alpha', 'beta', 'gamma', 'delta'].map((shop) =>
          filePayment(store, { subject: 'payment:9', dedupeKey: 'payment:9:paid:100', shop, now: T0 }),
        ),
      );
      const filed = results.filter((result) => result.status === 'fulfilled');
      expect(filed).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(PaymentClaimConflictError);
      }
      const owner = (await appShops.paymentClaimState({ subject: 'payment:9', dedupeKey: 'k', now: T0 }))
        .subjectShop;
      const deliveries = (await store.listDeliveries({ limit: 10 })).items;
      expect(deliveries.map((delivery) => delivery.shop)).toEqual([owner]);
    });
  });
}
