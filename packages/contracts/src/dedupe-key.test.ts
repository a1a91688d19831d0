import { describe, expect, it } from 'vitest';
import { fieldInfo, fieldsForEvent, projectItem } from './catalogue/index.js';
import { DEDUPE_KEY_FIELDS, dedupeFieldsMissing, dedupeFieldsWarning, dedupeKey } from './dedupe-key.js';
import { ContractsError, InvalidEventError, InvalidShopNameError } from './errors.js';
import { WEBHOOK_EVENTS } from './events.js';

const order = {
  innerId: '190',
  orderHistory: { status: '2', dateAdded: '2025-12-01 20:57:40' },
  total: 9945,
};

describe('dedupeKey', () => {
  it('refuses an unknown event instead of keying an order as a subscriber (a hash for every order)', () => {
    const call = dedupeKey as (shop: string, event: string, item: unknown) => string;
    expect(() => call('demo', 'order_created', order)).toThrow(InvalidEventError);
    expect(() => call('demo', 'order_created', order)).toThrow(
      /unknown event "order_created"; allowed: order_confirm/,
    );
  });

  it.each([
    ['null', null, /got null$/],
    ['a string', '190', /got a string$/],
    ['a list (the whole orders list)', [order], /got a list$/],
  ])('refuses an item that is %s with a ContractsError, not a TypeError', (_n, item, message) => {
    const call = dedupeKey as (shop: string, event: string, item: unknown) => string;
    let caught: unknown;
    try {
      call('demo', 'order_confirm', item);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ContractsError);
    expect((caught as ContractsError).code).toBe('invalid_input');
    expect((caught as ContractsError).message).toMatch(/dedupeKey needs one decoded item/);
    expect((caught as ContractsError).message).toMatch(message);
  });

  it('uses the order innerId for order_confirm and abandoned_cart', () => {
    expect(dedupeKey('demo', 'order_confirm', order)).toBe('order:190');
    expect(dedupeKey('demo', 'abandoned_cart', { innerId: 7 })).toBe('order:7');
  });

  it('adds status and time for order_status_change', () => {
    expect(dedupeKey('demo', 'order_status_change', order)).toBe('order:190:status:2:at:2025-12-01 20:57:40');
    const later = { ...order, orderHistory: { status: '3', dateAdded: '2025-12-02 08:00:00' } };
    expect(dedupeKey('demo', 'order_status_change', later)).not.toBe(
      dedupeKey('demo', 'order_status_change', order),
    );
  });

  it('hashes newsletter items so updates differ and repeats match', () => {
    const subscriber = { id: '1', email: 'a@example.com', firstname: 'Éva' };
    const key = dedupeKey('demo', 'newsletter_update_subscriber', subscriber);
    expect(key).toMatch(/^subscriber:1:newsletter_update_subscriber:[0-9a-f]{64}$/);
    expect(
      dedupeKey('demo', 'newsletter_update_subscriber', {
        firstname: 'Éva',
        email: 'a@example.com',
        id: '1',
      }),
    ).toBe(key);
    expect(dedupeKey('demo', 'newsletter_update_subscriber', { ...subscriber, firstname: 'Eva' })).not.toBe(
      key,
    );
    expect(dedupeKey('demo', 'newsletter_subscribe', subscriber)).not.toBe(key);
  });

  it('falls back to a content hash when the id was not selected', () => {
    const a = dedupeKey('demo', 'order_confirm', { firstname: 'Ádám' });
    expect(a).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(dedupeKey('demo', 'order_confirm', { firstname: 'Ádám' })).toBe(a);
    expect(dedupeKey('demo', 'order_confirm', { firstname: 'Adam' })).not.toBe(a);
  });

  it('never holds a character a store keeps differently: such an id falls back to the content hash (found by the receiver QA)', () => {
    // PostgreSQL text cannot hold NUL (the store writes U+FFFD): "88<NUL>99" and "88\uFFFD99" were one key
    // there, so a second customer's order was recorded as a duplicate of the first, and not on SQLite.
    const withNul = { innerId: '88\u000099', email: 'a@x.hu' };
    const withReplacement = { innerId: '88\uFFFD99', email: 'b@y.hu' };
    const nulKey = dedupeKey('demo', 'order_confirm', withNul);
    expect(nulKey).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(nulKey).not.toBe(dedupeKey('demo', 'order_confirm', withReplacement));
    for (const odd of ['1\u0007', 'tab\there', '\uD800x', 'x\u007f']) {
      expect(dedupeKey('demo', 'order_confirm', { innerId: odd }), JSON.stringify(odd)).toMatch(/^hash:/);
    }
    const status = { innerId: '190', orderHistory: { status: '2\u0000', dateAdded: '2025-12-01 20:57:40' } };
    expect(dedupeKey('demo', 'order_status_change', status)).toMatch(/^hash:/);
    expect(dedupeKey('demo', 'newsletter_subscribe', { id: '7\u0000', email: 'a@x.hu' })).toMatch(/^hash:/);
    // ordinary ids, accents and spaces included, keep their readable key
    expect(dedupeKey('demo', 'order_confirm', { innerId: 'Rendelés 12' })).toBe('order:Rendelés 12');
  });

  it('refuses an invalid shop name', () => {
    expect(() => dedupeKey('Demo Shop', 'order_confirm', order)).toThrow(InvalidShopNameError);
  });
});

describe('DEDUPE_KEY_FIELDS and dedupeFieldsMissing', () => {
  it('names selectable fields of each event, at the payload paths dedupeKey reads', () => {
    const paths: Record<string, string> = {
      order_innerId: 'innerId',
      orderHistory_status: 'orderHistory.status',
      orderHistory_dateAdded: 'orderHistory.dateAdded',
      subscriber_id: 'id',
    };
    for (const event of WEBHOOK_EVENTS) {
      const available = fieldsForEvent(event).map((info) => info.field);
      for (const field of DEDUPE_KEY_FIELDS[event]) {
        expect(available, `${event}: ${field}`).toContain(field);
        expect(fieldInfo(field)?.payloadPath).toBe(paths[field]);
      }
    }
  });

  it('finds nothing missing in the default set (no fields) or a selection that has them', () => {
    expect(dedupeFieldsMissing('order_status_change', undefined)).toEqual([]);
    expect(dedupeFieldsMissing('order_status_change', [])).toEqual([]);
    expect(
      dedupeFieldsMissing('order_status_change', [
        'order_innerId',
        'orderHistory_status',
        'orderHistory_dateAdded',
        'order_email',
      ]),
    ).toEqual([]);
    expect(dedupeFieldsMissing('newsletter_subscribe', ['subscriber_id', 'subscriber_email'])).toEqual([]);
  });

  it('names what a selection leaves out, per event', () => {
    expect(dedupeFieldsMissing('order_status_change', ['order_innerId', 'orderHistory_status'])).toEqual([
      'orderHistory_dateAdded',
    ]);
    expect(dedupeFieldsMissing('order_confirm', ['order_email'])).toEqual(['order_innerId']);
    expect(dedupeFieldsMissing('newsletter_unsubscribe', ['subscriber_email'])).toEqual(['subscriber_id']);
  });

  it('is right about the harm: without the time of the change, a return to an earlier status is a duplicate', () => {
    const fields = ['order_innerId', 'orderHistory_status'];
    const change = (status: string, dateAdded: string) =>
      projectItem(
        'order_status_change',
        { innerId: '190', orderHistory: { status, statusText: '', comment: '', dateAdded } },
        fields,
      );
    const first = dedupeKey('demo', 'order_status_change', change('2', '2025-12-01 20:57:40'));
    const back = dedupeKey('demo', 'order_status_change', change('2', '2025-12-03 09:00:00'));
    expect(back).toBe(first);
    const withTime = [...fields, ...dedupeFieldsMissing('order_status_change', fields)];
    const full = (dateAdded: string) =>
      projectItem(
        'order_status_change',
        { innerId: '190', orderHistory: { status: '2', statusText: '', comment: '', dateAdded } },
        withTime,
      );
    expect(dedupeKey('demo', 'order_status_change', full('2025-12-03 09:00:00'))).not.toBe(
      dedupeKey('demo', 'order_status_change', full('2025-12-01 20:57:40')),
    );
  });
});

describe('dedupeFieldsWarning', () => {
  it('says what is missing, what goes wrong and what to do; nothing for the default set or a full selection', () => {
    expect(
      dedupeFieldsWarning('acme order_status_change', 'order_status_change', [
        'order_innerId',
        'orderHistory_status',
      ]),
    ).toBe(
      "acme order_status_change: the selected fields leave out orderHistory_dateAdded: the receiver cannot tell two changes of an order to the same status apart, so it records the later one as a duplicate and its handlers never run; add orderHistory_dateAdded to the fields (or select no fields: the shop's default set has them)",
    );
    expect(dedupeFieldsWarning('x', 'order_status_change', ['order_innerId'])).toContain(
      'leave out orderHistory_status, orderHistory_dateAdded: the receiver cannot tell one status change of an order from the next',
    );
    expect(dedupeFieldsWarning('x', 'order_confirm', ['order_email'])).toContain('leave out order_innerId');
    expect(dedupeFieldsWarning('x', 'order_status_change', undefined)).toBeNull();
    expect(dedupeFieldsWarning('x', 'order_status_change', [])).toBeNull();
    expect(
      dedupeFieldsWarning('x', 'order_status_change', [
        'order_innerId',
        'orderHistory_status',
        'orderHistory_dateAdded',
      ]),
    ).toBeNull();
  });
});
