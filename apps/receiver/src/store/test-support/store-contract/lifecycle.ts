/** The Store contract, lifecycle: migrations, change announcements, ping and close. */
import { describe, expect, it } from 'vitest';
import type { StoreChange } from '../../store.js';
import { StoreUnavailableError } from '../../store.js';
import { type ContractStores, claimAll, delivery, orderEvent, seconds } from './fixtures.js';

export function lifecycleContract({ open, openPeer }: ContractStores): void {
  describe('lifecycle', () => {
    it('migrates idempotently and keeps data', async () => {
      const store = await open();
      const { deliveryId } = await store.ingest(delivery(), [orderEvent('1')], []);
      await store.migrate();
      await store.migrate();
      const peer = await openPeer(store);
      await peer.migrate();
      expect((await peer.getDelivery(deliveryId))?.events).toHaveLength(1);
    });

    it('announces commits to listeners until they unsubscribe', async () => {
      const store = await open();
      const changes: StoreChange[] = [];
      const unsubscribe = store.onChange((change) => changes.push(change));
      store.onChange(() => {
        throw new Error('a broken listener must not break the store');
      });
      const { deliveryId, events } = await store.ingest(delivery(), [orderEvent('1')], ['erp']);
      expect(changes).toEqual([
        { kind: 'delivery', deliveryId, shop: 'demo', event: 'order_confirm', status: 'stored' },
      ]);
      const [job] = await claimAll(store, 'w', seconds(1));
      await store.completeJob(job?.id ?? '', { attempt: 1, now: seconds(2) });
      expect(changes.slice(1)).toEqual([
        { kind: 'job', jobId: job?.id, eventId: events[0]?.id, handler: 'erp', status: 'running' },
        { kind: 'job', jobId: job?.id, eventId: events[0]?.id, handler: 'erp', status: 'succeeded' },
        { kind: 'event', eventId: events[0]?.id, status: 'succeeded' },
      ]);
      unsubscribe();
      await store.quarantine(delivery(), { code: 'bad', message: 'bad' });
      expect(changes).toHaveLength(4);
    });

    it('pings while open and reports unavailable once closed', async () => {
      const store = await open();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.listDeliveries()).rejects.toMatchObject({ code: 'store_unavailable' });
    });

    it('finishes pending commits on close', async () => {
      const store = await open();
      const pending = Array.from({ length: 20 }, (_, i) =>
        store.ingest(delivery(), [orderEvent(`p${i}`)], []),
      );
      const closing = store.close();
      const results = await Promise.all(pending);
      await closing;
      const peer = await openPeer(store);
      for (const result of results) expect(await peer.getDelivery(result.deliveryId)).not.toBeNull();
    });
  });
}
