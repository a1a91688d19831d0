/**
 * The Store contract, spooled deliveries (`Store.storeSpooled`): a delivery the receiver spooled while the
 * store was unavailable is stored under its own id exactly once, as ingest or quarantine would store it.
 */
import { describe, expect, it, vi } from 'vitest';
import type { PaymentClaimWrite } from '../../payment-claim.js';
import { newId } from '../../sortable-id.js';
import { PaymentClaimConflictError, type SpooledDelivery, type StoreChange } from '../../store.js';
import { type ContractStores, claimAll, delivery, orderEvent, seconds, T0 } from './fixtures.js';

function spooled(overrides: Partial<SpooledDelivery> = {}): SpooledDelivery {
  return { ...delivery(), id: newId('dlv', T0.getTime()), ...overrides };
}

export function spooledContract({ open }: ContractStores): void {
  describe('spooled deliveries', () => {
    it('stores a spooled delivery under its id with its events and jobs, once however often it is drained', async () => {
      const store = await open();
      const drained = spooled();
      const first = await store.storeSpooled(drained, { events: [orderEvent('91'), orderEvent('92')] }, [
        'erp',
      ]);
      expect(first).toMatchObject({ deliveryId: drained.id, alreadyStored: false, duplicates: 0 });
      expect(first.events).toHaveLength(2);
      // the drain crashed after the commit: the file is drained again
      const again = await store.storeSpooled(drained, { events: [orderEvent('91'), orderEvent('92')] }, [
        'erp',
      ]);
      expect(again).toEqual({ deliveryId: drained.id, alreadyStored: true, events: [], duplicates: 0 });

      const stored = await store.getDelivery(drained.id);
      expect(stored?.status).toBe('stored');
      expect(stored?.receivedAt.toISOString()).toBe(T0.toISOString());
      expect(stored?.rawBody.equals(drained.rawBody)).toBe(true);
      expect(stored?.events.map((event) => event.orderNumber).sort()).toEqual(['91', '92']);
      expect((await store.listDeliveries()).items.map((item) => item.id)).toEqual([drained.id]);
      expect((await store.listEvents()).items).toHaveLength(2);
      // jobs runnable from receivedAt, one per event and handler
      expect(await store.countJobs()).toMatchObject({ pending: 2 });
      expect(await claimAll(store, 'w', seconds(0))).toHaveLength(2);
    });

    it('finds a delivery the failed ingest committed after all by its id, and dedupes against other deliveries', async () => {
      const store = await open();
      const id = newId('dlv', T0.getTime());
      // the ingest call timed out but committed: the spooled copy carries the same id
      const ingested = await store.ingest({ ...delivery(), id }, [orderEvent('93')], ['erp']);
      expect(ingested.deliveryId).toBe(id);
      expect((await store.getDelivery(id))?.storedAt).toBeNull();
      const changes: StoreChange[] = [];
      const unsubscribe = store.onChange((change) => changes.push(change));
      const drained = await store.storeSpooled(spooled({ id }), { events: [orderEvent('93')] }, ['erp'], {
        now: seconds(90),
      });
      expect(drained.alreadyStored).toBe(true);
      expect((await store.listEvents()).items).toHaveLength(1);
      // it entered the store after it was answered as spooled, by the drain's time: a change since then,
      // announced (a follower that was away when the ingest committed lists it, one that was there sees it)
      expect((await store.getDelivery(id))?.storedAt?.toISOString()).toBe(seconds(90).toISOString());
      expect(
        (await store.listDeliveries({ changedSince: seconds(60) })).items.map((item) => item.id),
      ).toEqual([id]);
      const announced = {
        kind: 'delivery',
        deliveryId: id,
        shop: 'demo',
        event: 'order_confirm',
        status: 'stored',
      };
      await vi.waitFor(() => expect(changes).toContainEqual(announced), { timeout: 10_000 });
      // drained again (a crash before the file was removed): said once, its time kept
      await store.storeSpooled(spooled({ id }), { events: [orderEvent('93')] }, ['erp'], {
        now: seconds(95),
      });
      expect((await store.getDelivery(id))?.storedAt?.toISOString()).toBe(seconds(90).toISOString());
      await new Promise((resolve) => setTimeout(resolve, 200));
      unsubscribe();
      expect(changes.filter((change) => change.kind === 'delivery')).toEqual([announced]);

      // another delivery of the same order: a duplicate, as with ingest (no second job)
      const other = await store.storeSpooled(
        spooled({ receivedAt: seconds(5) }),
        { events: [orderEvent('93')] },
        ['erp'],
      );
      expect(other).toMatchObject({ alreadyStored: false, duplicates: 1 });
      expect(other.events[0]?.duplicateOf).toBe(ingested.events[0]?.id);
      expect(await store.countJobs()).toMatchObject({ pending: 1 });
    });

    it('stores a delivery drained twice at once (in one batch) once: the other call finds it stored', async () => {
      // PostgreSQL batches the calls: the batched ingest refuses the second copy (its id is taken by the
      // first), which is then tried alone in a savepoint and found stored (the fallback path).
      const store = await open();
      const twice = spooled();
      const others = [
        spooled({ id: newId('dlv', T0.getTime() + 1) }),
        spooled({ id: newId('dlv', T0.getTime() + 2) }),
      ];
      const results = await Promise.all([
        store.storeSpooled(twice, { events: [orderEvent('95')] }, ['erp']),
        store.storeSpooled(others[0] as SpooledDelivery, { events: [orderEvent('96')] }, ['erp']),
        store.storeSpooled(twice, { events: [orderEvent('95')] }, ['erp']),
        store.storeSpooled(others[1] as SpooledDelivery, { events: [orderEvent('97')] }, ['erp']),
      ]);
      expect(results.map((result) => result.deliveryId)).toEqual([
        twice.id,
        others[0]?.id,
        twice.id,
        others[1]?.id,
      ]);
      expect([results[0]?.alreadyStored, results[2]?.alreadyStored].sort()).toEqual([false, true]);
      expect(results[1]?.alreadyStored).toBe(false);
      expect(results[3]?.alreadyStored).toBe(false);
      expect((await store.listDeliveries()).items).toHaveLength(3);
      expect((await store.listEvents()).items.map((event) => event.orderNumber).sort()).toEqual([
        '95',
        '96',
        '97',
      ]);
      expect(await store.countJobs()).toMatchObject({ pending: 3 });
    });

    it('quarantines a spooled delivery that does not decode, once', async () => {
      const store = await open();
      const drained = spooled({ rawBody: Buffer.from('{"orders":'), contentType: 'application/json' });
      const failure = {
        code: 'invalid_json',
        message: 'Unexpected end of JSON input',
        detail: { part: 'document' },
      };
      expect(await store.storeSpooled(drained, { failure }, ['erp'])).toEqual({
        deliveryId: drained.id,
        alreadyStored: false,
        events: [],
        duplicates: 0,
      });
      expect((await store.storeSpooled(drained, { failure }, ['erp'])).alreadyStored).toBe(true);
      const stored = await store.getDelivery(drained.id);
      expect(stored).toMatchObject({ status: 'quarantined', events: [] });
      expect(stored?.decodeError).toEqual(failure);
      expect(stored?.rawBody.equals(drained.rawBody)).toBe(true);
      expect(await store.countJobs()).toMatchObject({ pending: 0 });
    });

    it('lists a spooled delivery, stored or quarantined, as changed when it was drained, not when it arrived (changedSince), its arrival kept', async () => {
      const store = await open();
      const earlier = await store.ingest(delivery({ receivedAt: seconds(0) }), [orderEvent('7001')], []);
      // spooled at 10 s and 20 s while the store was unavailable, drained at 100 s and 101 s: on PostgreSQL
      // the decoded one goes through the batched ingest function, the quarantined one through a savepoint
      const stored = spooled({ id: newId('dlv', seconds(10).getTime()), receivedAt: seconds(10) });
      const quarantined = spooled({
        id: newId('dlv', seconds(20).getTime()),
        receivedAt: seconds(20),
        rawBody: Buffer.from('{"orders":'),
        contentType: 'application/json',
      });
      const failure = { code: 'invalid_json', message: 'Unexpected end of JSON input' };
      await store.storeSpooled(stored, { events: [orderEvent('7002')] }, ['erp'], { now: seconds(100) });
      await store.storeSpooled(quarantined, { failure }, ['erp'], { now: seconds(101) });

      const changed = async (since: Date) =>
        (await store.listDeliveries({ changedSince: since })).items.map((item) => ({
          id: item.id,
          receivedAt: item.receivedAt.toISOString(),
          storedAt: item.storedAt?.toISOString(),
        }));
      expect(await changed(seconds(50))).toEqual([
        { id: quarantined.id, receivedAt: seconds(20).toISOString(), storedAt: seconds(101).toISOString() },
        { id: stored.id, receivedAt: seconds(10).toISOString(), storedAt: seconds(100).toISOString() },
      ]);
      expect((await changed(seconds(101))).map((item) => item.id)).toEqual([quarantined.id]);
      expect(await changed(seconds(102))).toEqual([]);
      // received before, stored as it arrived: no drain time, no change since
      expect((await store.getDelivery(earlier.deliveryId))?.storedAt).toBeNull();
      expect((await store.getDelivery(stored.id))?.storedAt?.toISOString()).toBe(seconds(100).toISOString());

      // drained again after a crash: found stored, its drain time kept
      await store.storeSpooled(stored, { events: [orderEvent('7002')] }, ['erp'], { now: seconds(200) });
      expect((await store.getDelivery(stored.id))?.storedAt?.toISOString()).toBe(seconds(100).toISOString());

      // without `now`: the time of the write
      const before = Date.now();
      const late = spooled({ id: newId('dlv', seconds(30).getTime()), receivedAt: seconds(30) });
      await store.storeSpooled(late, { events: [orderEvent('7003')] }, []);
      const storedAt = (await store.getDelivery(late.id))?.storedAt?.getTime() ?? 0;
      expect(storedAt).toBeGreaterThanOrEqual(before - 1);
      expect(storedAt).toBeLessThanOrEqual(Date.now());
    });

    it("stores a spooled delivery's failed field with its path and value", async () => {
      const store = await open();
      const drained = spooled({ rawBody: Buffer.from('{"orders":{}}'), contentType: 'application/json' });
      const failure = {
        code: 'invalid_field',
        message: 'Field orders.order[0].phone is invalid: Expected string (got 36705551234).',
        detail: { part: 'field', path: 'orders.order[0].phone', value: 36705551234 },
      };
      await store.storeSpooled(drained, { failure }, []);
      expect((await store.getDelivery(drained.id))?.decodeError).toEqual(failure);
      expect((await store.listDeliveries({ status: 'quarantined' })).items[0]?.decodeError).toEqual(failure);
    });

    it("writes a spooled payment notification's claim with it, nothing when the claim conflicts, and no claim when it was stored already", async () => {
      const store = await open();
      const payment = (shop: string) =>
        spooled({
          shop,
          event: 'payment_status' as never,
          contentType: 'application/json',
          rawBody: Buffer.from('{"id":77,"status":"paid","time":1}'),
        });
      const claim = (shop: string): PaymentClaimWrite => ({
        subject: 'payment:77',
        shop,
        bind: true,
        dedupeKey: 'payment:77:paid:1',
        expiresAt: seconds(3600),
        now: T0,
      });
      const content = {
        events: [
          { dedupeKey: 'payment:77:paid:1', subjectId: '77', payload: { id: 77, status: 'paid', time: 1 } },
        ],
      };
      const alpha = payment('alpha');
      expect(await store.storeSpooled(alpha, content, [], { paymentClaim: claim('alpha') })).toMatchObject({
        deliveryId: alpha.id,
        alreadyStored: false,
        duplicates: 0,
      });
      // drained again after a crash: found by its id before its claim is looked at
      expect(
        (await store.storeSpooled(alpha, content, [], { paymentClaim: claim('beta') })).alreadyStored,
      ).toBe(true);
      // the claim was written with it: the charge is alpha's, so beta's copy stores nothing
      const beta = spooled({ ...payment('beta'), id: newId('dlv', seconds(1).getTime()) });
      await expect(
        store.storeSpooled(beta, content, [], { paymentClaim: claim('beta') }),
      ).rejects.toBeInstanceOf(PaymentClaimConflictError);
      expect(await store.getDelivery(beta.id)).toBeNull();
      expect((await store.listEvents()).items).toHaveLength(1);
    });
  });
}
