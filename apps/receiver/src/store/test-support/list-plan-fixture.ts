/**
 * A store shaped like a large one in miniature, for the query-plan tests: many deliveries of one shop,
 * a few of a rare shop, a few recovery records, and a status and a name that few events have. The plan
 * tests assert which index a list query reads (not how long it takes).
 */
import { deliveryListQuery, eventListQuery } from '../list-query.js';
import { pruneChunk, type SqlStep } from '../prune-plan.js';
import { DELIVERY_SUMMARY_COLUMNS, EVENT_SUMMARY_COLUMNS } from '../row-mapping.js';
import type { SqlDialect } from '../sql-params.js';
import type { Store } from '../store.js';
import { jsonDelivery, T0 } from './store-contract.js';

export const COMMON_SHOP = 'bigshop';
export const RARE_SHOP = 'rareshop';

/** Ingests `common` deliveries of COMMON_SHOP, 3 of RARE_SHOP and 3 recovery records, one event and job each. */
export async function fillListPlanStore(store: Store, common: number): Promise<void> {
  const deliveries = [
    ...Array.from({ length: common }, (_, i) => ({ shop: COMMON_SHOP, i, source: 'webhook' as const })),
    ...Array.from({ length: 3 }, (_, i) => ({ shop: RARE_SHOP, i: common + i, source: 'webhook' as const })),
    ...Array.from({ length: 3 }, (_, i) => ({
      shop: COMMON_SHOP,
      i: common + 3 + i,
      source: 'recovery' as const,
    })),
  ];
  await Promise.all(
    deliveries.map(({ shop, i, source }) =>
      store.ingest(
        jsonDelivery({ shop, source, receivedAt: new Date(T0.getTime() + i * 1000) }),
        [
          {
            dedupeKey: `order:${i}`,
            subjectId: String(i),
            payload: { innerId: String(i), firstname: i % 500 === 0 ? 'Éva' : 'Péter', lastname: 'Kovács' },
          },
        ],
        ['erp'],
      ),
    ),
  );
}

/** The list queries the plan tests look at, as the stores build them. */
export function listPlanQueries(dialect: SqlDialect) {
  const deliveries = (filter: Parameters<typeof deliveryListQuery>[1]) =>
    deliveryListQuery(DELIVERY_SUMMARY_COLUMNS, filter, dialect);
  const events = (filter: Parameters<typeof eventListQuery>[1]) =>
    eventListQuery(EVENT_SUMMARY_COLUMNS, filter, dialect);
  return {
    eventsOfRareShop: events({ shop: RARE_SHOP }),
    lastDeliveryOfShop: deliveries({ shop: COMMON_SHOP, limit: 1 }),
    recoveryDeliveries: deliveries({ source: 'recovery' }),
    recoveryEvents: events({ source: 'recovery' }),
    eventSearch: events({ q: 'éva kovács' }),
    eventSearchOneWord: events({ q: 'eva' }),
    eventSearchNoMatch: events({ q: 'zzqx' }),
    eventSearchEmail: events({ q: 'kovacs.eva@gmail.com' }),
    eventSearchPhone: events({ q: 'kovács +36 30 123 4567' }),
    eventSearchBarePhone: events({ q: '36301234567' }),
    deliverySearch: deliveries({ q: 'éva kovács' }),
    deliverySearchPhone: deliveries({ q: '30/123-4567' }),
    deliveriesWithHeldEvent: deliveries({ eventStatus: 'held' }),
    deliveriesOfHandler: deliveries({ handler: 'erp' }),
    eventsOfHandler: events({ handler: 'erp' }),
    /** The erased ones (`erased=true`): none in the fixture, as few in a large store. */
    erasedDeliveries: deliveries({ erased: true }),
    erasedEvents: events({ erased: true }),
    /** What changed since a day after the fixture's deliveries (events tail's catch-up): nothing. */
    deliveriesChangedLately: deliveries({ changedSince: new Date(T0.getTime() + 86_400_000) }),
  };
}

/**
 * The statement retention runs per chunk to find the originals that duplicates outside the chunk refer
 * to (prune-plan.ts), for these candidate deliveries: the plan is driven up to it with no delivery kept.
 */
export function pruneDuplicateLookup(dialect: SqlDialect, candidates: readonly string[]): SqlStep {
  const plan = pruneChunk(dialect, {
    before: new Date(),
    afterId: null,
    limit: candidates.length,
    includeDeadLetters: true,
    dryRun: true,
  });
  plan.next([]);
  // The candidates, then no delivery with unfinished jobs: the next statement is the duplicate lookup.
  plan.next(candidates.map((id) => ({ id })));
  const lookup = plan.next([]);
  if (lookup.done || !/duplicate_of/.test(lookup.value.sql)) {
    throw new Error('prune-plan.ts changed: the third statement is no longer the duplicate lookup');
  }
  return lookup.value;
}
