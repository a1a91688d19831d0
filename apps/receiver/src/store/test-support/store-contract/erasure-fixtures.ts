/** What the Store contract's erasure parts share: Eva's address, the erasure's options, two customers' orders. */
import type { ErasureOptions, Store } from '../../store.js';
import { claimAll, delivery, orderEvent, seconds } from './fixtures.js';

export const EVA = 'Kovacs.Eva@Example.HU';
export const erase = (overrides: Partial<ErasureOptions>): ErasureOptions => ({
  reason: 'GDPR-2026-014',
  dryRun: false,
  includeUnfinished: false,
  now: seconds(100),
  ...overrides,
});

/** Eva's order 1 and Peter's order 2, each dead-lettered with a target answer quoting Eva's address. */
export async function twoCustomers(store: Store) {
  const eva = await store.ingest(
    delivery({ rawBody: Buffer.from(`{"orders":{"order":[{"innerId":"1","email":"${EVA}"}]}}`) }),
    [orderEvent('1', { email: EVA, lastname: 'Kovács', firstname: 'Éva' })],
    ['erp'],
  );
  const peter = await store.ingest(
    delivery({ receivedAt: seconds(1) }),
    [orderEvent('2', { email: 'peter@example.com' })],
    ['erp'],
  );
  for (const job of await claimAll(store, 'w-erase', seconds(2))) {
    await store.failJob(job.id, {
      attempt: job.attempt,
      error: `HTTP 422: customer ${EVA} refused`,
      deadLetter: true,
      now: seconds(2),
    });
  }
  return { eva, peter, evaEvent: eva.events[0]?.id ?? '', peterEvent: peter.events[0]?.id ?? '' };
}
