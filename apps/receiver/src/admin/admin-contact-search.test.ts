/**
 * The text search (`q` of the admin API's lists and the inspector's filter) finds an order by the
 * customer's e-mail address (whole or part, any case) and phone number in any common Hungarian form,
 * on both engines; a phone number never matches an order number that merely contains its digits; the
 * results stay masked and the searched values never reach the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import {
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

const newSchema = testSchemas('rcv_contact');

/** Every form of the mobile number `+36 30 123 4567` an operator may be given. */
const MOBILE_FORMS = [
  '+36 30 123 4567',
  '+36301234567',
  '06-30-123-4567',
  '06 30 123 4567',
  '06301234567',
  '36301234567',
  '36-30-123-4567',
  '0036 30 123 4567',
  '30/123-4567',
  '(30) 123 4567',
  // The subscriber number in three groups, as many write it (`123-45-67`): no match before.
  '30/123-45-67',
  '06-30/123-45-67',
  '36 30 123 45 67',
  '(30) 123 45 67',
];

describe.each<[string, () => Partial<ReceiverConfigInput>]>([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() })],
])('text search by e-mail and phone on %s', (_engine, storeConfig) => {
  let receiver: TestReceiver;
  const deliveries: Record<string, string> = {};

  async function found(list: 'events' | 'deliveries', q: string): Promise<string[]> {
    const response = await fetch(`${receiver.baseUrl}/admin/api/${list}?q=${encodeURIComponent(q)}`, {
      headers: bearer(),
    });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as {
      items: Array<{ id: string; deliveryId?: string; orderNumber?: string }>;
    };
    const byDelivery = Object.fromEntries(Object.entries(deliveries).map(([key, id]) => [id, key]));
    return items.map((item) => byDelivery[list === 'events' ? (item.deliveryId ?? '') : item.id] ?? '?');
  }

  beforeAll(async () => {
    receiver = await startAdminReceiver(storeConfig());
    const customers = {
      kovacs: order(1, {
        innerId: '3001',
        firstname: 'Éva',
        lastname: 'Kovács',
        email: 'Kovacs.Eva@Gmail.com',
        phone: '+36 30 123 4567',
      }),
      // Its order number holds the mobile number's national digits (301234567): not the customer.
      nagy: order(2, {
        innerId: '990301234567',
        firstname: 'Győző',
        lastname: 'Nagy',
        email: 'nagy.gyozo@freemail.hu',
        phone: '06 70 987 6543',
      }),
      szabo: order(3, {
        innerId: '3003',
        firstname: 'Anna',
        lastname: 'Szabó',
        email: 'szabo.anna@citromail.hu',
        // Two numbers, the second written bare (no prefix or separators).
        phone: '06-1-234-5678, 209876543',
      }),
    };
    for (const [key, item] of Object.entries(customers)) {
      const posted = await postDelivery(receiver, orderDelivery([item]));
      expect(posted.status).toBe(200);
      deliveries[key] = posted.body.deliveryId;
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it.each([
    ['the whole address', 'kovacs.eva@gmail.com'],
    ['the whole address as stored', 'Kovacs.Eva@Gmail.com'],
    ['the whole address in capitals', 'KOVACS.EVA@GMAIL.COM'],
    ['the part before @', 'kovacs.eva'],
    ['a part across @', 'Eva@Gmail'],
  ])("finds the customer's order by e-mail: %s", async (_name, q) => {
    expect(await found('events', q)).toEqual(['kovacs']);
    expect(await found('deliveries', q)).toEqual(['kovacs']);
  });

  it.each(MOBILE_FORMS)('finds the customer by the phone number written %s', async (q) => {
    expect(await found('events', q)).toEqual(['kovacs']);
    expect(await found('deliveries', q)).toEqual(['kovacs']);
  });

  it.each(['+36 1 234 5678', '06 1 234 5678', '(1) 234-5678', '1/234-5678', '1/234-56-78'])(
    'finds a Budapest number written %s',
    async (q) => {
      expect(await found('events', q)).toEqual(['szabo']);
    },
  );

  it.each(['+36 20 987 6543', '06-20-987-6543', '20/987-6543'])(
    'finds the second number of a phone field that holds two, written bare there: %s',
    async (q) => {
      expect(await found('events', q)).toEqual(['szabo']);
    },
  );

  it('matches a phone number with a name, each term on its own (any order)', async () => {
    expect(await found('events', 'Kovács 30/123-4567')).toEqual(['kovacs']);
    expect(await found('events', '06-30-123-4567 éva')).toEqual(['kovacs']);
    expect(await found('events', 'Nagy 30/123-4567')).toEqual([]);
    expect(await found('events', 'nagy.gyozo@freemail.hu +36 70 987 6543')).toEqual(['nagy']);
  });

  it('never matches an order number that merely contains the digits of a phone number', async () => {
    // 990301234567 contains 301234567, the national digits of +36 30 123 4567.
    for (const q of MOBILE_FORMS)
      expect({ q, found: await found('events', q) }).toEqual({ q, found: ['kovacs'] });
    // Ordinary digits still find order numbers (as before), and never the inside of a phone number.
    expect(await found('events', '990301234567')).toEqual(['nagy']);
    expect(await found('events', '1234567')).toEqual(['nagy']);
    expect(await found('events', '3001')).toEqual(['kovacs']);
    expect(await found('events', '9876543')).toEqual([]);
  });

  it('finds an order by its number written as the inspector and the CLI show it (#3001), never by the inside of a phone number', async () => {
    for (const list of ['events', 'deliveries'] as const) {
      expect(await found(list, '#3001')).toEqual(['kovacs']);
      expect(await found(list, '#3001 kovács')).toEqual(['kovacs']);
      expect(await found(list, '#990301234567')).toEqual(['nagy']);
      // every phone number here holds a 3 ('#3#' in the search text): no order number is 3
      expect(await found(list, '#3')).toEqual([]);
      // the exact order number: 3001's '#300' is no order number
      expect(await found(list, '#300')).toEqual([]);
    }
  });

  it('finds a lone digit in order numbers and e-mail addresses, never inside a phone number', async () => {
    for (const list of ['events', 'deliveries'] as const) {
      // 4 is in 990301234567 (nagy's order number) and in every phone number here
      expect(await found(list, '4')).toEqual(['nagy']);
      // 7 is in nagy's order number and in the phone numbers of kovacs and nagy
      expect(await found(list, '7')).toEqual(['nagy']);
      // 3 is in every order number
      expect((await found(list, '3')).sort()).toEqual(['kovacs', 'nagy', 'szabo']);
      // 8 only in phone numbers (+36 1 234 5678, 06 70 987 6543)
      expect(await found(list, '8')).toEqual([]);
    }
  });

  it('lists the results masked as before: the search reveals nothing', async () => {
    const { cookie } = await loginAsBrowser(receiver);
    for (const q of ['kovacs.eva@gmail.com', '30/123-4567']) {
      const response = await fetch(`${receiver.baseUrl}/ui?q=${encodeURIComponent(q)}`, {
        headers: { cookie },
      });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('K*** É***');
      expect(html).toContain('3001');
      expect(html).not.toContain('990301234567');
      for (const personal of ['Kovács Éva', 'Kovacs.Eva@Gmail.com', '+36 30 123 4567', '+36301234567'])
        expect(html).not.toContain(personal);
    }
    const events = await fetch(`${receiver.baseUrl}/admin/api/events?q=30%2F123-4567`, { headers: bearer() });
    const text = await events.text();
    for (const personal of ['Kovacs.Eva@Gmail.com', 'kovacs.eva', '123 4567', '301234567'])
      expect(text).not.toContain(personal);
  });

  it('never writes a searched e-mail address or phone number to the log', async () => {
    for (const q of ['kovacs.eva@gmail.com', 'KOVACS.EVA', ...MOBILE_FORMS]) await found('deliveries', q);
    const searched = [
      'kovacs.eva',
      'Kovacs.Eva',
      'KOVACS.EVA',
      '123-4567',
      '123 4567',
      '1234567',
      '123%204567',
    ];
    for (const value of searched) {
      expect({ value, lines: receiver.logLines.filter((line) => line.includes(value)) }).toEqual({
        value,
        lines: [],
      });
    }
    const urls = receiver.logLines
      .map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url ?? '')
      .filter((url) => url.includes('q='));
    expect(urls.length).toBeGreaterThan(MOBILE_FORMS.length);
    for (const url of urls) expect(url).toMatch(/q=\[redacted\]/);
  });

  it('answers a search with no searchable word (a lone accent) as no search, and a NUL as no match, on both engines', async () => {
    for (const list of ['events', 'deliveries'] as const) {
      const all = await found(list, '');
      expect(all.length).toBeGreaterThan(0);
      // U+0301 folds away to nothing: the query then held no term and the SQL ended in `AND ` (500)
      expect(await found(list, '\u0301')).toEqual(all);
      expect(await found(list, '\u0301 \u0301')).toEqual(all);
      // SQLite's LIKE ended the pattern at a NUL ('%' matched every event); PostgreSQL matched none
      expect(await found(list, '\u0000')).toEqual([]);
      expect(await found(list, 'kovacs\u0000')).toEqual([]);
    }
  });
});
