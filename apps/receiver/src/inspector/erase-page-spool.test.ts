/**
 * The inspector's erase page on spooled deliveries the dry run named: one holding the address is found
 * again by the same erasure once stored; one found through the person's order or subscription holds no
 * address, so its notice names the erasure by that order or subscriber (the address no longer finds it
 * once erased). The event comes from a real SQLite store; the report's spool matches are as
 * erase-spool.ts answers them (erase-spool.test.ts covers how they are found).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ErasureReport } from '../personal-data/erase-personal-data.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { erasePageContent } from './erase-page.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-erase-page-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspector erase page: spooled deliveries', () => {
  it('names the erasure by order or by subscriber for a spooled delivery found through them', async () => {
    const store = new SqliteStore({ file: join(dir, 'store.db') });
    try {
      await store.migrate();
      const stored = await store.ingest(
        {
          shop: 'demo',
          event: 'newsletter_subscribe',
          receivedAt: new Date(),
          remoteAddress: '203.0.113.7',
          headers: {},
          contentType: 'application/json',
          rawBody: Buffer.from('{}'),
        },
        [{ dedupeKey: 'subscriber:77:x', subjectId: '77', payload: { id: '77', email: 'eva@example.hu' } }],
        [],
      );
      const event = await store.getEvent(stored.events[0]?.id ?? '');
      if (event === null) throw new Error('the event was not stored');
      const report: ErasureReport = {
        dryRun: true,
        erased: false,
        reason: '',
        events: [
          {
            id: event.id,
            deliveryId: event.deliveryId,
            shop: 'demo',
            event: event.event,
            status: event.status,
          },
        ],
        deliveries: [],
        groups: [],
        jobs: 0,
        unfinishedJobs: [],
        cancelledJobs: 0,
        spool: {
          matches: [
            { id: 'dlv_direct', shop: 'demo', event: 'newsletter_subscribe', unreadable: false },
            {
              id: 'dlv_status',
              shop: 'demo',
              event: 'order_status_change',
              unreadable: false,
              orders: ['601'],
            },
            {
              id: 'dlv_unsub',
              shop: 'demo',
              event: 'newsletter_unsubscribe',
              unreadable: false,
              subscribers: ['77'],
            },
          ],
        },
      };
      const page = String(
        erasePageContent({
          base: '/ui',
          session: null,
          reveal: false,
          event,
          targets: { order: null, email: 'eva@example.hu', subscriber: null },
          scope: 'email',
          report,
          unfinished: [],
          form: { reason: '', includeUnfinished: false },
          error: null,
        }),
      );
      expect(page).toContain('1 spooled delivery (dlv_direct) holds this data');
      expect(page).toContain('— erase again then.');
      expect(page).toContain(
        "Spooled delivery dlv_status (demo order_status_change) holds this person's order without the address",
      );
      expect(page).toContain('<code>srhooks erase --shop demo --order-id 601</code>');
      expect(page).toContain(
        "Spooled delivery dlv_unsub (demo newsletter_unsubscribe) holds this person's subscription without the address",
      );
      expect(page).toContain('<code>srhooks erase --shop demo --subscriber-id 77</code>');
      // Neither is told "erase again then": the address would not find it.
      expect(page.match(/erase again then/g)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
