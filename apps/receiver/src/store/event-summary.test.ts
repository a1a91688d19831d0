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
      totalGross: 12700,
      currency: 'HUF',
    };
    expect(summariseEvent('order_confirm', '190', order)).toEqual({
      orderNumber: '190',
      customerName: 'Kovács Éva',
      grossTotal: '12700',
      currency: 'HUF',
      // each distinct text once, in order: number (= subject id), names, company
      searchText: '190 | kovacs eva | nagy gyozo | kovacs kft.',
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
});
