/**
 * `srhooks erase`'s lines about spooled deliveries (spoolLines): one that holds the address is found again
 * by the same erasure once stored; one found through the person's order or subscription holds no address,
 * so its line names the erasure by that order or subscriber (the address no longer finds it once erased).
 */
import { describe, expect, it } from 'vitest';
import { type EraseResult, spoolLines } from './erase.js';

const result = (matches: NonNullable<EraseResult['spool']>['matches']): EraseResult => ({
  receiver: 'http://127.0.0.1:4750',
  lookedFor: { email: true },
  dryRun: true,
  erased: false,
  reason: 'GDPR-2026-031',
  events: [],
  deliveries: [],
  groups: [],
  jobs: 0,
  unfinishedJobs: [],
  cancelledJobs: 0,
  spool: { matches },
});

describe('erase: spooled deliveries', () => {
  it('names the erasure by order or by subscriber for a delivery found through them, "again" for one holding the address', () => {
    const lines = spoolLines(
      result([
        { id: 'dlv_direct', shop: 'demo', event: 'order_confirm', unreadable: false },
        { id: 'dlv_status', shop: 'demo', event: 'order_status_change', unreadable: false, orders: ['601'] },
        {
          id: 'dlv_unsub',
          shop: 'demo',
          event: 'newsletter_unsubscribe',
          unreadable: false,
          subscribers: ['77'],
        },
        { id: 'broken.spool', shop: null, event: null, unreadable: true },
      ]),
    );
    expect(lines).toEqual([
      '  1 spooled delivery holds this data (dlv_direct): not changed; the receiver stores them once its store is reachable again — run srhooks erase again then',
      "  spooled delivery dlv_status (demo order_status_change) holds this person's order without the address: not changed; once the receiver has stored it, run srhooks erase --shop demo --order-id 601 (the address no longer finds it)",
      "  spooled delivery dlv_unsub (demo newsletter_unsubscribe) holds this person's subscription without the address: not changed; once the receiver has stored it, run srhooks erase --shop demo --subscriber-id 77 (the address no longer finds it)",
      "  1 file in the spool's unreadable/ folder holds this data (broken.spool): never drained; delete them by hand",
    ]);
  });

  it('says nothing when no spool file matched, or the receiver has no spool', () => {
    expect(spoolLines(result([]))).toEqual([]);
    expect(spoolLines({ ...result([]), spool: null })).toEqual([]);
  });
});
