/** The Store contract, prune (retention). */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { type ContractStores, claimAll, delivery, orderEvent, T0 } from './fixtures.js';

export function pruneContract({ open }: ContractStores): void {
  describe('prune (retention)', () => {
    const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);
    /** Claims every runnable job at `now` and completes or dead-letters it. */
    async function finishJobs(store: Store, now: Date, outcome: 'succeeded' | 'dead'): Promise<void> {
      for (const job of await claimAll(store, 'w-prune', now)) {
        if (outcome === 'succeeded') await store.completeJob(job.id, { attempt: job.attempt, now });
        else await store.failJob(job.id, { attempt: job.attempt, error: 'gone', deadLetter: true, now });
      }
    }

    it('deletes old deliveries with their events, jobs and attempts, and nothing newer; keeps quarantined ones unless includeDeadLetters', async () => {
      const store = await open();
      const old = await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent('1')], ['erp']);
      const quarantined = await store.quarantine(delivery({ receivedAt: days(1) }), {
        code: 'invalid_json',
        message: 'x',
      });
      await finishJobs(store, days(1), 'succeeded');
      const recent = await store.ingest(delivery({ receivedAt: days(10) }), [orderEvent('2')], ['erp']);

      // A dry run counts the same and deletes nothing.
      expect(await store.prune({ before: days(5), dryRun: true })).toEqual({
        deliveries: 1,
        events: 1,
        jobs: 1,
        kept: 1,
      });
      expect(await store.getDelivery(old.deliveryId)).not.toBeNull();
      expect(await store.getEvent(old.events[0]?.id ?? '')).not.toBeNull();
      expect(await store.prune({ before: days(5) })).toEqual({
        deliveries: 1,
        events: 1,
        jobs: 1,
        kept: 1,
        paymentBindings: 0,
      });
      expect(await store.getDelivery(old.deliveryId)).toBeNull();
      // Quarantined: authentic, waiting for a decoder fix and a re-process.
      expect(await store.getDelivery(quarantined.deliveryId)).not.toBeNull();
      expect(await store.getEvent(old.events[0]?.id ?? '')).toBeNull();
      expect((await store.getDelivery(recent.deliveryId))?.events).toHaveLength(1);
      expect(await store.countJobs()).toEqual({ pending: 1, running: 0, succeeded: 0, dead: 0 });
      // Nothing left to do: a second run deletes nothing.
      expect(await store.prune({ before: days(5) })).toEqual({
        deliveries: 0,
        events: 0,
        jobs: 0,
        kept: 1,
        paymentBindings: 0,
      });
      // With includeDeadLetters the quarantined delivery goes too.
      expect(await store.prune({ before: days(5), includeDeadLetters: true })).toEqual({
        deliveries: 1,
        events: 0,
        jobs: 0,
        kept: 0,
        paymentBindings: 0,
      });
      expect(await store.getDelivery(quarantined.deliveryId)).toBeNull();
    });

    it('keeps deliveries with unfinished jobs, and dead letters unless includeDeadLetters', async () => {
      const store = await open();
      const dead = await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent('1')], ['erp']);
      await finishJobs(store, days(0), 'dead');
      const pending = await store.ingest(delivery({ receivedAt: days(1) }), [orderEvent('2')], ['erp']);
      const running = await store.ingest(delivery({ receivedAt: days(2) }), [orderEvent('3')], ['chat']);
      await store.claimJobs({ workerId: 'w', limit: 1, handlers: ['chat'], now: days(3), leaseMs: 60_000 });

      expect(await store.prune({ before: days(5) })).toEqual({
        deliveries: 0,
        events: 0,
        jobs: 0,
        kept: 3,
        paymentBindings: 0,
      });
      expect(await store.prune({ before: days(5), includeDeadLetters: true, dryRun: true })).toEqual({
        deliveries: 1,
        events: 1,
        jobs: 1,
        kept: 2,
      });
      expect(await store.prune({ before: days(5), includeDeadLetters: true })).toEqual({
        deliveries: 1,
        events: 1,
        jobs: 1,
        kept: 2,
        paymentBindings: 0,
      });
      expect(await store.getDelivery(dead.deliveryId)).toBeNull();
      expect(await store.listDeadLetters()).toEqual([]);
      expect(await store.getDelivery(pending.deliveryId)).not.toBeNull();
      expect(await store.getDelivery(running.deliveryId)).not.toBeNull();
    });

    it('keeps an original while a kept duplicate refers to it, and prunes both once both are old', async () => {
      const store = await open();
      const original = await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent('7')], []);
      const duplicate = await store.ingest(delivery({ receivedAt: days(10) }), [orderEvent('7')], []);
      expect(duplicate.duplicates).toBe(1);

      expect(await store.prune({ before: days(5) })).toEqual({
        deliveries: 0,
        events: 0,
        jobs: 0,
        kept: 1,
        paymentBindings: 0,
      });
      const kept = await store.getEvent(duplicate.events[0]?.id ?? '');
      expect(kept?.duplicateOf).toBe(original.events[0]?.id);

      expect(await store.prune({ before: days(20) })).toEqual({
        deliveries: 2,
        events: 2,
        jobs: 0,
        kept: 0,
        paymentBindings: 0,
      });
      // The order is unknown again: a new delivery of it is a new event.
      const again = await store.ingest(delivery({ receivedAt: days(21) }), [orderEvent('7')], []);
      expect(again.duplicates).toBe(0);
    });

    it('deletes an original whose old duplicate lies in a later chunk in the same run, and the dry run counts it so', async () => {
      const store = await open();
      // Order 1, order 2, then order 1 again (a duplicate): chunks of one delivery each.
      const first = await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent('1')], []);
      await store.ingest(delivery({ receivedAt: days(1) }), [orderEvent('2')], []);
      const again = await store.ingest(delivery({ receivedAt: days(2) }), [orderEvent('1')], []);
      expect(again.duplicates).toBe(1);
      // A recent duplicate of order 2 keeps order 2's delivery (a kept duplicate refers to it).
      await store.ingest(delivery({ receivedAt: days(20) }), [orderEvent('2')], []);
      for (const chunkSize of [1, 2, 500]) {
        const dry = await store.prune({ before: days(5), dryRun: true, chunkSize });
        expect({ chunkSize, dry }).toEqual({
          chunkSize,
          dry: { deliveries: 2, events: 2, jobs: 0, kept: 1 },
        });
      }
      const done = await store.prune({ before: days(5), chunkSize: 1 });
      expect(done).toMatchObject({ deliveries: 2, events: 2, jobs: 0, kept: 1 });
      expect(await store.getDelivery(first.deliveryId)).toBeNull();
      expect(await store.prune({ before: days(5), chunkSize: 1 })).toMatchObject({ deliveries: 0, kept: 1 });
    });

    it('works through the candidates chunk by chunk, past chunks whose deliveries are all kept', async () => {
      const store = await open();
      // The three oldest keep pending jobs; seven after them are prunable.
      for (let i = 0; i < 3; i++) {
        await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent(`p${i}`)], ['erp']);
      }
      const prunable: string[] = [];
      for (let i = 0; i < 7; i++) {
        prunable.push(
          (await store.ingest(delivery({ receivedAt: days(1) }), [orderEvent(`x${i}`)], [])).deliveryId,
        );
      }
      expect(await store.prune({ before: days(5), chunkSize: 3 })).toEqual({
        deliveries: 7,
        events: 7,
        jobs: 0,
        kept: 3,
        paymentBindings: 0,
      });
      for (const id of prunable) expect(await store.getDelivery(id)).toBeNull();
      expect((await store.listDeliveries()).items).toHaveLength(3);
    });

    it('stops between chunks when its signal aborts, reporting the chunks that committed', async () => {
      const store = await open();
      for (let i = 0; i < 7; i++) {
        await store.ingest(delivery({ receivedAt: days(1) }), [orderEvent(`a${i}`)], []);
      }
      const stop = new AbortController();
      const chunks: number[] = [];
      const counts = await store.prune({
        before: days(5),
        chunkSize: 3,
        signal: stop.signal,
        onChunk: (chunk) => {
          chunks.push(chunk.deliveries);
          stop.abort();
        },
      });
      expect(chunks).toEqual([3]);
      expect(counts).toEqual({ deliveries: 3, events: 3, jobs: 0, kept: 0 });
      expect((await store.listDeliveries()).items).toHaveLength(4);
      // The next run picks up the rest.
      expect(await store.prune({ before: days(5), chunkSize: 3 })).toMatchObject({ deliveries: 4 });
    });
  });
}
