/**
 * An erasure and the spool folder: deliveries spooled while the store was unavailable (real spool files)
 * that hold the person's data are reported, not changed, with the unreadable ones moved aside.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDelivery, sampleOrder, sampleSubscriber, type WebhookEvent } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSpoolFile } from '../spool/spool-format.js';
import { UNREADABLE_DIR } from '../spool/spool-reader.js';
import { spoolFileName } from '../spool/spool-writer.js';
import { PgStore } from '../store/postgres/pg-store.js';
import { newId } from '../store/sortable-id.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { erasePersonalData } from './erase-personal-data.js';
import { findInSpool } from './erase-spool.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-erase-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const nextSchema = testSchemas('srhooks_erase_spool');

const EMAIL = 'Spooled.Customer@Example.HU';

/** A spool file of a real-format order_confirm delivery (multipart, PHP-style JSON) of this order. */
function spoolOrder(
  spoolDir: string,
  shop: string,
  fields: Record<string, unknown>,
  format: 'json' | 'xml' | 'urlencoded' = 'json',
): string {
  const payload = { orders: { order: [{ ...sampleOrder(7), ...fields }] } };
  const { contentType, body } =
    format === 'urlencoded'
      ? // A form post: the document URL-encoded in its `data` field (a format the receiver accepts).
        {
          contentType: 'application/x-www-form-urlencoded',
          body: Buffer.from(
            `data=${encodeURIComponent(encodeDelivery('order_confirm', payload, { format: 'json' }).data)}`,
          ),
        }
      : encodeDelivery('order_confirm', payload, { format });
  const id = newId('dlv');
  const [header, raw] = encodeSpoolFile({
    id,
    shop,
    event: 'order_confirm',
    receivedAt: new Date(),
    remoteAddress: '203.0.113.7',
    headers: {},
    contentType,
    rawBody: body,
  });
  writeFileSync(join(spoolDir, spoolFileName(id)), Buffer.concat([header, raw]));
  return id;
}

describe('erasure and the spool folder', () => {
  it('finds a spooled order by its innerId in every delivery format: JSON, XML (CDATA) and a URL-encoded form', async () => {
    const spoolDir = join(dir, 'spool-formats');
    mkdirSync(spoolDir, { recursive: true });
    const json = spoolOrder(spoolDir, 'demo', { innerId: '701' }, 'json');
    const xml = spoolOrder(spoolDir, 'demo', { innerId: '702' }, 'xml');
    const form = spoolOrder(spoolDir, 'demo', { innerId: '703' }, 'urlencoded');
    spoolOrder(spoolDir, 'demo', { innerId: '7020' }, 'xml');
    const byOrder = async (innerId: string) =>
      (await findInSpool(spoolDir, { order: { shop: 'demo', innerId } })).map((match) => match.id);

    expect(await byOrder('701')).toEqual([json]);
    expect(await byOrder('702')).toEqual([xml]);
    expect(await byOrder('703')).toEqual([form]);
    // Another order's number that begins with it, or a part of it, is not the order.
    expect(await byOrder('70')).toEqual([]);
    expect(await byOrder('02')).toEqual([]);
  });

  it('finds waiting and unreadable spool files holding the address or the order, and leaves them as they are', async () => {
    const spoolDir = join(dir, 'spool');
    mkdirSync(join(spoolDir, UNREADABLE_DIR), { recursive: true });
    const hers = spoolOrder(spoolDir, 'demo', { innerId: '501', email: EMAIL });
    const otherShop = spoolOrder(spoolDir, 'other', { innerId: '502', email: EMAIL });
    spoolOrder(spoolDir, 'demo', { innerId: '503', email: 'someone@example.com' });
    writeFileSync(join(spoolDir, UNREADABLE_DIR, 'damaged.delivery'), `srhooks-spool 1\n{broken "${EMAIL}"`);
    const before = readFileSync(join(spoolDir, spoolFileName(hers)));

    expect(await findInSpool(spoolDir, { email: EMAIL.toLowerCase() })).toEqual([
      ...[
        { id: hers, shop: 'demo', event: 'order_confirm', unreadable: false },
        { id: otherShop, shop: 'other', event: 'order_confirm', unreadable: false },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      { id: 'damaged.delivery', shop: null, event: null, unreadable: true },
    ]);
    expect((await findInSpool(spoolDir, { email: EMAIL, shop: 'demo' })).map((match) => match.id)).toEqual([
      hers,
      'damaged.delivery',
    ]);
    expect(
      (await findInSpool(spoolDir, { order: { shop: 'demo', innerId: '503' } })).map((match) => match.id),
    ).toHaveLength(1);
    expect(await findInSpool(spoolDir, { order: { shop: 'demo', innerId: '50' } })).toEqual([]);
    expect(await findInSpool(join(dir, 'no-such-folder'), { email: EMAIL })).toEqual([]);

    // Through the erasure: the report names them; the files are unchanged (the drainer stores them later).
    const store = new SqliteStore({ file: join(dir, 'spool-case.db') });
    try {
      await store.migrate();
      const report = await erasePersonalData(
        { store, spoolDir },
        { email: EMAIL, shop: 'demo', reason: 'GDPR-2026-030' },
      );
      expect(report.erased).toBe(false);
      expect(report.spool?.matches.map((match) => match.id)).toEqual([hers, 'damaged.delivery']);
      expect(readFileSync(join(spoolDir, spoolFileName(hers)))).toEqual(before);
    } finally {
      await store.close();
    }
  });
});

/** A spool file of one delivery of this event (JSON in a multipart body, as ShopRenter sends it). */
function spoolDelivery(spoolDir: string, shop: string, event: WebhookEvent, payload: unknown): string {
  const { contentType, body } = encodeDelivery(event as 'order_confirm', payload as never, {
    format: 'json',
  });
  const id = newId('dlv');
  const [header, raw] = encodeSpoolFile({
    id,
    shop,
    event,
    receivedAt: new Date(),
    remoteAddress: '203.0.113.7',
    headers: {},
    contentType,
    rawBody: body,
  });
  writeFileSync(join(spoolDir, spoolFileName(id)), Buffer.concat([header, raw]));
  return id;
}

const engines: Array<[string, (name: string) => Promise<Store>]> = [
  ['sqlite', async (name) => new SqliteStore({ file: join(dir, `${name}.db`) })],
  ['postgres', async () => new PgStore({ url: TEST_DATABASE_URL, schema: nextSchema(), poolSize: 2 })],
];

describe.each(engines)(
  'erasure and the spool folder: what the erasure found besides the address (%s)',
  (engine, open) => {
    it("names the spooled deliveries of the address's orders and subscribers that do not hold the address", async () => {
      const spoolDir = join(dir, `indirect-${engine}`);
      mkdirSync(spoolDir, { recursive: true });
      const store = await open(`indirect-${engine}`);
      try {
        await store.migrate();
        const stored = (
          event: WebhookEvent,
          subjectId: string,
          dedupeKey: string,
          payload: Record<string, unknown>,
        ) =>
          store.ingest(
            {
              shop: 'demo',
              event,
              receivedAt: new Date(),
              remoteAddress: '203.0.113.7',
              headers: {},
              contentType: 'application/json',
              rawBody: Buffer.from('{}'),
            },
            [{ dedupeKey, subjectId, payload }],
            [],
          );
        // In the store: her order 601 and her subscription (subscriber 77), both with her address.
        await stored('order_confirm', '601', 'order:601', {
          ...sampleOrder(1),
          innerId: '601',
          email: EMAIL,
        });
        await stored('newsletter_subscribe', '77', 'subscriber:77:x', {
          ...sampleSubscriber(1),
          id: '77',
          email: EMAIL,
        });
        // Spooled while the store was down, without her address: a status change of order 601, her
        // unsubscribe, and the same of another order and subscriber (not hers), and order 601 of another shop.
        const { email: _o, ...orderWithoutEmail } = sampleOrder(2);
        const { email: _s, ...subscriberWithoutEmail } = sampleSubscriber(2);
        const statusChange = spoolDelivery(spoolDir, 'demo', 'order_status_change', {
          orders: { order: [{ ...orderWithoutEmail, innerId: '601' }] },
        });
        const unsubscribe = spoolDelivery(spoolDir, 'demo', 'newsletter_unsubscribe', {
          newsletter: { subscriber: [{ ...subscriberWithoutEmail, id: '77' }] },
        });
        spoolDelivery(spoolDir, 'demo', 'order_status_change', {
          orders: { order: [{ ...orderWithoutEmail, innerId: '602' }] },
        });
        spoolDelivery(spoolDir, 'demo', 'newsletter_unsubscribe', {
          newsletter: { subscriber: [{ ...subscriberWithoutEmail, id: '78' }] },
        });
        spoolDelivery(spoolDir, 'other', 'order_status_change', {
          orders: { order: [{ ...orderWithoutEmail, innerId: '601' }] },
        });

        const dry = await erasePersonalData(
          { store, spoolDir },
          { email: EMAIL, reason: 'GDPR-2026-031', dryRun: true },
        );
        expect(dry.events).toHaveLength(2);
        expect(dry.spool?.matches).toEqual(
          [
            {
              id: statusChange,
              shop: 'demo',
              event: 'order_status_change',
              unreadable: false,
              orders: ['601'],
            },
            {
              id: unsubscribe,
              shop: 'demo',
              event: 'newsletter_unsubscribe',
              unreadable: false,
              subscribers: ['77'],
            },
          ].sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
        // The erasure itself names them too (found before its rows were erased), and leaves the files.
        const done = await erasePersonalData({ store, spoolDir }, { email: EMAIL, reason: 'GDPR-2026-031' });
        expect(done.erased).toBe(true);
        expect(done.spool?.matches.map((match) => match.id)).toEqual(
          dry.spool?.matches.map((match) => match.id),
        );
        // Once erased, the address no longer leads to them: the erasure by the order or by the subscriber
        // the matches named finds each (directly: no `orders` / `subscribers` label).
        const again = await erasePersonalData(
          { store, spoolDir },
          { email: EMAIL, reason: 'GDPR-2026-031', dryRun: true },
        );
        expect(again.spool?.matches).toEqual([]);
        const byOrder = await erasePersonalData(
          { store, spoolDir },
          { shop: 'demo', orderId: '601', reason: 'GDPR-2026-031', dryRun: true },
        );
        expect(byOrder.spool?.matches).toEqual([
          { id: statusChange, shop: 'demo', event: 'order_status_change', unreadable: false },
        ]);
        const bySubscriber = await erasePersonalData(
          { store, spoolDir },
          { shop: 'demo', subscriberId: '77', reason: 'GDPR-2026-031', dryRun: true },
        );
        expect(bySubscriber.spool?.matches).toEqual([
          { id: unsubscribe, shop: 'demo', event: 'newsletter_unsubscribe', unreadable: false },
        ]);
        // The store's subscription events of 77 (erased already) are not matched again.
        expect(bySubscriber.events).toEqual([]);
      } finally {
        await store.close();
      }
    });
  },
);
