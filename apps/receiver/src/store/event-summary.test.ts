import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { summariseEvent } from './event-summary.js';

describe('summariseEvent', () => {
  it('summarises an order: number, first name found (family name first), total, currency, folded search text', () => {
    const order = {
      ...sampleOrder('summary'),
      innerId: '190',
      firstname: 'Éva',
      lastname: 'Kovács',
      paymentFirstname: 'Éva',
      paymentLastname: 'Kovács',
      shippingFirstname: 'Győző',
      shippingLastname: 'Nagy',
      paymentCompany: 'Kovács Kft.',
      shippingCompany: '',
      email: 'Kovacs.Eva@Gmail.com',
      phone: '06-30-123-4567',
      totalGross: 12700,
      currency: 'HUF',
    };
    expect(summariseEvent('order_confirm', '190', order)).toEqual({
      orderNumber: '190',
      customerName: 'Kovács Éva',
      grossTotal: '12700',
      currency: 'HUF',
      // each distinct text once, in order: number (= subject id), names, company, e-mail, then the
      // phone number's national digits, each between #s
      searchText: '190 | kovacs eva | nagy gyozo | kovacs kft. | kovacs.eva@gmail.com | #3#0#1#2#3#4#5#6#7#',
    });
  });

  it('keeps one copy of texts that differ only in accents or case, the first one seen', () => {
    const order = {
      innerId: 7,
      firstname: 'ÉVA',
      lastname: 'KOVÁCS',
      paymentFirstname: 'Eva',
      paymentLastname: 'Kovacs',
      shippingFirstname: 'Éva',
      shippingLastname: 'Kovács',
    };
    const summary = summariseEvent('order_status_change', '7', order);
    expect(summary.customerName).toBe('KOVÁCS ÉVA');
    expect(summary.searchText).toBe('7 | kovacs eva');
  });

  it('lists the subject id apart from the order number when they differ', () => {
    expect(summariseEvent('order_confirm', 'subject-1', { innerId: '42' }).searchText).toBe('42 | subject-1');
  });

  it.each([
    ['+36 30 123 4567', '#3#0#1#2#3#4#5#6#7#'],
    ['36301234567', '#3#0#1#2#3#4#5#6#7#'],
    ['30/123-4567', '#3#0#1#2#3#4#5#6#7#'],
    ['301234567', '#3#0#1#2#3#4#5#6#7#'],
    ['+49 170 1234567', '#0#0#4#9#1#7#0#1#2#3#4#5#6#7#'],
  ])('holds the phone number %s as its digits, %s', (phone, stored) => {
    expect(summariseEvent('order_confirm', '7', { innerId: '7', phone }).searchText).toBe(`7 | ${stored}`);
  });

  it('holds each number of a phone field that has two', () => {
    expect(
      summariseEvent('order_confirm', '7', { innerId: '7', phone: '+36 30 123 4567, 06-1-234-5678' })
        .searchText,
    ).toBe('7 | #3#0#1#2#3#4#5#6#7# | #1#2#3#4#5#6#7#8#');
  });

  it.each([
    ['301234567, +36 1 234 5678', '7 | #3#0#1#2#3#4#5#6#7# | #1#2#3#4#5#6#7#8#'],
    ['+36 1 234 5678; 301234567', '7 | #1#2#3#4#5#6#7#8# | #3#0#1#2#3#4#5#6#7#'],
    ['+36 1 234 5678 vagy 301234567', '7 | #1#2#3#4#5#6#7#8# | #3#0#1#2#3#4#5#6#7#'],
    ['301234567 / 12345678', '7 | #3#0#1#2#3#4#5#6#7# | #1#2#3#4#5#6#7#8#'],
  ])('holds a bare number beside a prefixed one in a phone field (%s)', (phone, searchText) => {
    expect(summariseEvent('order_confirm', '7', { innerId: '7', phone }).searchText).toBe(searchText);
  });

  it('leaves out a phone field with too few digits to be a number', () => {
    expect(summariseEvent('order_confirm', '7', { innerId: '7', phone: '-', email: '' }).searchText).toBe(
      '7',
    );
  });

  it('summarises a subscriber by name, without order columns', () => {
    expect(
      summariseEvent('newsletter_subscribe', '1', { id: '1', firstname: 'Test', lastname: 'Péter' }),
    ).toEqual({
      orderNumber: null,
      customerName: 'Péter Test',
      grossTotal: null,
      currency: null,
      searchText: '1 | peter test',
    });
  });

  it('takes no order number from an innerId that does not look like an id (found by the receiver QA)', () => {
    // a name and an e-mail address sent as the innerId were shown as "Order #…" in the masked inspector
    const summary = summariseEvent('order_confirm', 'Kovács Éva kovacs.eva@pmail.hu', {
      innerId: 'Kovács Éva kovacs.eva@pmail.hu',
      totalGross: 100,
    });
    expect(summary.orderNumber).toBeNull();
    expect(summary.searchText).toContain('kovacs.eva@pmail.hu'); // still found by a search
    for (const id of ['3001', 'ORD-2026_77', 'orders/b3JkZXI=']) {
      expect(summariseEvent('order_confirm', id, { innerId: id }).orderNumber).toBe(id);
    }
  });
});
