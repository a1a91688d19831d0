/**
 * The list and metrics queries of a large SQLite store read an index that narrows them down, not the
 * whole table (measured before: 0.5-3.7 s each with 180,000 deliveries, bench/scale-check.mjs). Asserts
 * on EXPLAIN QUERY PLAN, never on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltQuery } from '../list-query.js';
import {
  fillListPlanStore,
  listPlanQueries,
  pruneDuplicateLookup,
  RARE_SHOP,
} from '../test-support/list-plan-fixture.js';
import { dialect } from './sqlite-connection.js';
import { BACKLOG_SQL, SHOP_BACKLOG_SQL } from './sqlite-reads.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-sqlite-plans-'));
const file = join(dir, 'plans.db');
let db: Database.Database;

beforeAll(async () => {
  const store = new SqliteStore({ file });
  try {
    await fillListPlanStore(store, 600);
    // A few of the events held, a few jobs dead (as in the large store).
    const events = await store.listEvents({ shop: RARE_SHOP });
    await store.setEventVerification(events.items[0]?.id ?? '', { status: 'mismatched' });
  } finally {
    await store.close();
  }
  db = new Database(file, { readonly: true });
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function plan(query: { sql: string; values: unknown[] }): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.values) as Array<{ detail: string }>)
    .map((row) => row.detail)
    .join('\n');
}

const queries = listPlanQueries(dialect);

/** A scan of a whole table (by its rows or its primary key), the thing a large store cannot afford. */
const FULL_SCAN = /^SCAN (d|e)( USING (COVERING )?INDEX sqlite_autoindex_\w+)?$/m;

describe('SQLite list query plans (large-store indexes, migration 9)', () => {
  it.each<[string, BuiltQuery, RegExp]>([
    ["a shop's events", queries.eventsOfRareShop, /USING INDEX events_shop \(shop=\?\)/],
    ['recovery deliveries', queries.recoveryDeliveries, /USING INDEX deliveries_recovery/],
    ['recovery events', queries.recoveryEvents, /USING INDEX events_recovery/],
    ['erased deliveries (migration 21)', queries.erasedDeliveries, /USING INDEX deliveries_erased/],
    ['erased events (migration 21)', queries.erasedEvents, /USING INDEX events_erased/],
    ['the event text search', queries.eventSearch, /SCAN e USING INDEX events_search/],
    ['the one-word event text search', queries.eventSearchOneWord, /SCAN e USING INDEX events_search/],
    ['the event text search finding nothing', queries.eventSearchNoMatch, /SCAN e USING INDEX events_search/],
    ['the event search by e-mail', queries.eventSearchEmail, /SCAN e USING INDEX events_search/],
    ['the event search by name and phone', queries.eventSearchPhone, /SCAN e USING INDEX events_search/],
    [
      'the event search by a phone in bare digits (phone or as typed)',
      queries.eventSearchBarePhone,
      /SCAN e USING INDEX events_search/,
    ],
  ])('%s read their index, not every row', (_name, query, expected) => {
    const detail = plan(query);
    expect(detail).toMatch(expected);
    expect(detail).not.toMatch(FULL_SCAN);
  });

  it("the newest delivery of a shop (GET /shops, per shop) is read from (shop, id) without sorting the shop's deliveries", () => {
    const detail = plan(queries.lastDeliveryOfShop);
    expect(detail).toMatch(/USING INDEX deliveries_shop \(shop=\?\)/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it.each([
    ['text search', queries.deliverySearch],
    ['search by phone', queries.deliverySearchPhone],
    ['event status', queries.deliveriesWithHeldEvent],
  ])(
    "the deliveries' %s checks each delivery's events in an index, never reading their rows",
    (_name, query) => {
      expect(plan(query)).toMatch(
        /SEARCH e (EXISTS )?USING COVERING INDEX events_delivery_lookup \(delivery_id=\?/,
      );
    },
  );

  it("the handler filter checks each event's job in the jobs (event_id, handler) index, never reading job rows", () => {
    for (const query of [queries.deliveriesOfHandler, queries.eventsOfHandler]) {
      const detail = plan(query);
      expect(detail).toMatch(
        /SEARCH j (EXISTS )?USING COVERING INDEX sqlite_autoindex_jobs_\d \(event_id=\? AND handler=\?\)/,
      );
      expect(detail).not.toMatch(/SCAN j\b/);
    }
  });

  it('the deliveries changed since a time (changedSince) are found through the received, drained, re-processed and job-written indexes, not by reading every delivery or job', () => {
    const detail = plan(queries.deliveriesChangedLately);
    expect(detail).toMatch(/USING (COVERING )?INDEX deliveries_received_at \(received_at>\?\)/);
    expect(detail).toMatch(/USING (COVERING )?INDEX deliveries_reprocessed_at \(reprocessed_at>\?\)/);
    expect(detail).toMatch(/USING (COVERING )?INDEX deliveries_stored_at \(stored_at>\?\)/);
    expect(detail).toMatch(/USING (COVERING )?INDEX jobs_updated_at \(updated_at>\?\)/);
    expect(detail).not.toMatch(FULL_SCAN);
    expect(detail).not.toMatch(/^\W*SCAN (c|j|e)\b/m);
  });

  it('the handler backlog (every metrics scrape) reads the pending, running and dead jobs through their partial indexes', () => {
    const detail = plan({ sql: BACKLOG_SQL, values: [] });
    expect(detail).toMatch(/USING INDEX jobs_pending/);
    expect(detail).toMatch(/USING INDEX jobs_running/);
    expect(detail).toMatch(/USING INDEX jobs_dead/);
    expect(detail).not.toMatch(/SCAN jobs$/m);
  });

  it("the shops page's per-shop backlog reads the pending and dead jobs through their partial indexes, each event by its key", () => {
    const detail = plan({ sql: SHOP_BACKLOG_SQL, values: [] });
    expect(detail).toMatch(/USING INDEX jobs_pending/);
    expect(detail).toMatch(/USING INDEX jobs_dead/);
    expect(detail).not.toMatch(/SCAN jobs$/m);
    expect(detail).toMatch(/SEARCH e USING INDEX sqlite_autoindex_events_1 \(id=\?\)/);
  });

  it("retention finds the duplicates of a chunk's events through their index, not by scanning every event", () => {
    const candidates = (
      db.prepare('SELECT id FROM deliveries ORDER BY id LIMIT 50').all() as Array<{ id: string }>
    ).map((row) => row.id);
    const detail = plan(pruneDuplicateLookup(dialect, candidates));
    expect(detail).toMatch(/USING INDEX events_duplicate_of \(duplicate_of=\?\)/);
    expect(detail).not.toMatch(/^SCAN d$/m);
  });

  it('the lists still answer right through the new indexes', async () => {
    const store = new SqliteStore({ file });
    try {
      const rare = await store.listEvents({ shop: RARE_SHOP });
      expect(rare.items.map((event) => event.shop)).toEqual([RARE_SHOP, RARE_SHOP, RARE_SHOP]);
      expect(rare.items.map((event) => event.id)).toEqual(
        rare.items
          .map((event) => event.id)
          .sort()
          .reverse(),
      );
      expect((await store.listDeliveries({ source: 'recovery' })).items).toHaveLength(3);
      expect((await store.listEvents({ source: 'recovery' })).items).toHaveLength(3);
      // innerId 0 and 500 are "Kovács Éva", the rest "Kovács Péter".
      expect(
        (await store.listEvents({ q: 'éva kovács' })).items.map((event) => event.subjectId).sort(),
      ).toEqual(['0', '500']);
      expect((await store.listDeliveries({ q: 'eva kovacs' })).items).toHaveLength(2);
      expect((await store.listDeliveries({ eventStatus: 'held' })).items).toHaveLength(1);
      expect(await store.handlerBacklog()).toEqual([{ handler: 'erp', waiting: 606, running: 0, dead: 0 }]);
    } finally {
      await store.close();
    }
  });
});
