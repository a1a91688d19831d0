/**
 * The AppShopStore contract (app mode): one suite for both engines (`app-shops/*.test.ts`). Each test
 * gets a migrated Store and the app shop store on the same database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AppShopStore, CANCELLED_BY_UNINSTALL } from '../app-shops/app-shop-store.js';
import type { Store } from '../store.js';
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
      expect(await appShops.duePending({ now: at(59) })).toEqual([]);
      expect((await appShops.duePending({ now: at(60) })).map((s) => s.shop)).toEqual(['demo']);
      const subscriptions = [{ event: 'order_confirm', id: 'd2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==' }];
      expect(await appShops.markInstalled('demo', { subscriptions, now: at(1) })).toBe(true);
      const installed = await appShops.get('demo');
      expect(installed).toMatchObject({
        status: 'installed',
        pendingReason: null,
        nextAttemptAt: null,
        subscriptions,
      });
      expect(await appShops.duePending({ now: at(600) })).toEqual([]);
      expect(await appShops.get('nope')).toBeNull();
    });

    it('keeps a failed install pending with the reason and counts the attempts', async () => {
      const { appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      expect(
        await appShops.markPending('demo', {
          reason: 'token endpoint down',
          nextAttemptAt: at(30),
          now: at(1),
        }),
      ).toBe(true);
      await appShops.markPending('demo', { reason: 'still down', nextAttemptAt: at(90), now: at(31) });
      const shop = await appShops.get('demo');
      expect(shop).toMatchObject({ status: 'pending', pendingReason: 'still down', attempts: 2 });
      expect(shop?.nextAttemptAt?.getTime()).toBe(at(90).getTime());
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
      });
      expect(
        await appShops.markInstalled('demo', { subscriptions: [{ event: 'order_confirm', id: 'x' }] }),
      ).toBe(false);
      expect(await appShops.markPending('demo', { reason: 'x', nextAttemptAt: at(1) })).toBe(false);
      const shop = await appShops.get('demo');
      expect(shop).toMatchObject({ status: 'uninstalled', subscriptions: [] });
      expect(shop?.uninstalledAt?.getTime()).toBe(at(5).getTime());

      const event = await store.getEvent(ingested.events[0]?.id ?? '');
      expect(event?.status).toBe('dead');
      expect(event?.jobs[0]).toMatchObject({ status: 'dead', lastError: CANCELLED_BY_UNINSTALL });
      expect((await store.countJobs()).pending).toBe(1);
      expect(await appShops.markUninstalled('never-installed', { reason: 'x' })).toBeNull();
    });

    it('starts over on a re-install and lists every shop', async () => {
      const { appShops } = await open();
      await appShops.recordInstall('demo', { nextAttemptAt: at(60), now: T0 });
      await appShops.markInstalled('demo', { subscriptions: [{ event: 'order_confirm', id: 'a' }] });
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
    it('binds a payment subject to the first shop it came under, app-wide, and remembers filed notifications until they expire', async () => {
      const { appShops } = await open();
      const pending = { subject: 'payment:69', dedupeKey: 'payment:69:pending:100', expiresAt: at(400) };
      expect(await appShops.claimPaymentNotification({ ...pending, shop: 'alpha', now: T0 })).toEqual({
        subjectShop: 'alpha',
        seen: false,
      });
      // The same notification again under the same shop: filed there before (the store dedupes it).
      expect(await appShops.claimPaymentNotification({ ...pending, shop: 'alpha', now: at(1) })).toEqual({
        subjectShop: 'alpha',
        seen: true,
      });
      // Under another shop: the subject stays alpha's, and the notification was filed there.
      expect(await appShops.claimPaymentNotification({ ...pending, shop: 'beta', now: at(2) })).toEqual({
        subjectShop: 'alpha',
        seen: true,
      });
      // A later status of the same charge under another shop: alpha's subject, never filed.
      const paid = { subject: 'payment:69', dedupeKey: 'payment:69:paid:200', expiresAt: at(500) };
      expect(await appShops.claimPaymentNotification({ ...paid, shop: 'beta', now: at(3) })).toEqual({
        subjectShop: 'alpha',
        seen: false,
      });
      // …so it was not recorded as filed: alpha's own copy is new to it.
      expect(await appShops.claimPaymentNotification({ ...paid, shop: 'alpha', now: at(4) })).toEqual({
        subjectShop: 'alpha',
        seen: false,
      });
      // Other subjects are independent; a card change is another subject than a charge with that id.
      expect(
        await appShops.claimPaymentNotification({
          subject: 'card-change:69',
          dedupeKey: 'card-change:69:declined:100',
          expiresAt: at(400),
          shop: 'beta',
          now: at(5),
        }),
      ).toEqual({ subjectShop: 'beta', seen: false });
      // A filed notification is forgotten once expired (its time is then out of tolerance anyway);
      // the subject's shop is kept for good.
      expect(await appShops.claimPaymentNotification({ ...pending, shop: 'beta', now: at(401) })).toEqual({
        subjectShop: 'alpha',
        seen: false,
      });
    });

    it('does not bind a subject when asked not to (a shop the app is not installed on)', async () => {
      const { appShops } = await open();
      const claim = {
        subject: 'payment:7',
        dedupeKey: 'payment:7:paid:100',
        expiresAt: at(400),
        shop: 'gone',
        now: T0,
      };
      expect(await appShops.claimPaymentNotification({ ...claim, bind: false })).toEqual({
        subjectShop: null,
        seen: false,
      });
      // Nothing was recorded: the first binding call still wins.
      expect(await appShops.claimPaymentNotification({ ...claim, shop: 'alpha' })).toEqual({
        subjectShop: 'alpha',
        seen: false,
      });
      // A subject bound to the shop before is still its own (e.g. a cancellation after an uninstall).
      expect(
        await appShops.claimPaymentNotification({
          ...claim,
          dedupeKey: 'payment:7:cancelled:150',
          shop: 'alpha',
          bind: false,
        }),
      ).toEqual({ subjectShop: 'alpha', seen: false });
    });

    it('binds a subject once when two shops claim it at the same time', async () => {
      const { appShops } = await open();
      const results = await Promise.all(
        ['alpha', 'beta', 'gamma', 'delta'].map((shop) =>
          appShops.claimPaymentNotification({
            subject: 'payment:9',
            dedupeKey: 'payment:9:paid:100',
            expiresAt: at(400),
            shop,
            now: T0,
          }),
        ),
      );
      const owners = new Set(results.map((result) => result.subjectShop));
      expect(owners.size).toBe(1);
      expect(results.filter((result) => !result.seen)).toHaveLength(1);
    });
  });
}
