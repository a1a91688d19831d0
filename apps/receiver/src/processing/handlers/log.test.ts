import { sampleOrder, sampleSubscriber } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../store/store.js';
import { claimedOrderJob } from '../test-support/processing-fixtures.js';
import { createLogHandler } from './log.js';

function job(overrides: Partial<ClaimedJob>): ClaimedJob {
  return claimedOrderJob(
    {},
    {
      id: 'job_log_1',
      handler: 'stdout',
      eventId: 'evt_log_1',
      deliveryId: 'dlv_log_1',
      dedupeKey: 'order:1',
      subjectId: '1',
      ...overrides,
    },
  );
}

describe('log handler', () => {
  it('writes one JSON line per event with contact data masked', async () => {
    const lines: string[] = [];
    const order = {
      ...sampleOrder(12),
      comment: 'Kérem hívjon: +36 30 123 4567 vagy írjon: valaki@example.hu',
    };
    const log = createLogHandler({
      write: (line) => lines.push(line),
      now: () => new Date('2026-07-01T08:00:05.000Z'),
    });
    expect(await log(job({ payload: order, subjectId: order.innerId ?? null }))).toEqual({
      status: 'succeeded',
    });

    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.trimEnd().includes('\n')).toBe(false);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      time: '2026-07-01T08:00:05.000Z',
      type: 'shoprenter.order_confirm',
      jobId: 'job_log_1',
      eventId: 'evt_log_1',
      deliveryId: 'dlv_log_1',
      shop: 'demo',
      event: 'order_confirm',
      subjectId: order.innerId,
      receivedAt: '2026-07-01T08:00:00.000Z',
      attempt: 1,
    });
    expect(line.payload.email).toBe('[email]');
    expect(line.payload.phone).toBe('[phone]');
    expect(line.payload.comment).toBe(`[text: ${Array.from(order.comment).length} characters]`);
    expect(line.payload.lastname).toBe(`${Array.from(String(order.lastname))[0]}***`);
    expect(line.payload.shippingAddress1).toBe('[address]');
    expect(lines[0]).not.toContain(String(order.lastname));
    expect(lines[0]).not.toContain(String(order.shippingAddress1));
    expect(line.payload.orderProducts.orderProduct[0].name).toBe(
      order.orderProducts?.orderProduct?.[0]?.name,
    );
    expect(lines[0]).not.toContain(String(order.email));
    expect(lines[0]).not.toContain(String(order.phone));
  });

  it('masks every Hungarian phone form in other text, and leaves ids, amounts and dates alone', async () => {
    const lines: string[] = [];
    const order = {
      ...sampleOrder(13),
      shippingMethodName:
        'Futár (36-30-123-4567, 30/123-4567, 06 30 765 4321, (1) 234-5678, 0036 20 111 2222)',
      innerId: '301234567',
      dateAdded: '2026-07-01 08:00:05',
    };
    await createLogHandler({ write: (line) => lines.push(line) })(
      job({ payload: order, subjectId: order.innerId }),
    );
    const line = JSON.parse(lines[0]!);
    expect(line.payload.shippingMethodName).toBe('Futár ([phone], [phone], [phone], [phone], [phone])');
    expect(line.payload.innerId).toBe('301234567');
    expect(line.payload.dateAdded).toBe('2026-07-01 08:00:05');
    expect(line.payload.total).toBe(order.total);
  });

  it('masks company names and the tax number like names (a sole trader is a person)', async () => {
    const lines: string[] = [];
    const order = {
      ...sampleOrder(13),
      shippingCompany: 'Bárány Zsófia e.v.',
      paymentCompany: 'Kertész Ödön EV',
      paymentTaxnumber: '68123456-1-42',
    };
    const log = createLogHandler({ write: (line) => lines.push(line), now: () => new Date() });
    await log(job({ payload: order, subjectId: order.innerId ?? null }));
    const line = JSON.parse(lines[0]!);
    expect(line.payload).toMatchObject({
      shippingCompany: 'B*** Z*** e***',
      paymentCompany: 'K*** Ö*** E***',
      paymentTaxnumber: '6***',
    });
    for (const value of ['Bárány', 'Kertész', '68123456']) expect(lines[0]).not.toContain(value);
  });

  it("hides the cart reload link whole (whoever has it can reopen the customer's cart)", async () => {
    // Found in the security pass: the link went to the log as sent, its hash included (the redactor
    // only masks query parameters named like token/secret/key/sig).
    const lines: string[] = [];
    const order = {
      ...sampleOrder(14),
      reloadLink: 'https://demo.shoprenter.hu/index.php?route=checkout/cart/reload&hash=4f1c2b9a8e7d6c5b',
    };
    await createLogHandler({ write: (line) => lines.push(line), now: () => new Date() })(
      job({ event: 'abandoned_cart', payload: order, subjectId: order.innerId ?? null }),
    );
    const line = JSON.parse(lines[0]!);
    expect(line.payload.reloadLink).toBe('[link]');
    expect(lines[0]).not.toContain('4f1c2b9a8e7d6c5b');
    expect(lines[0]).not.toContain('checkout/cart/reload');
  });

  it("hides the cart's token, from which its reload link can be made again (found by the ops QA)", async () => {
    const lines: string[] = [];
    const order = { ...sampleOrder(16), cart_token: '9b8c7d6e5f4a3b2c1d0e' };
    await createLogHandler({ write: (line) => lines.push(line), now: () => new Date() })(
      job({ event: 'abandoned_cart', payload: order, subjectId: order.innerId ?? null }),
    );
    expect(JSON.parse(lines[0]!).payload.cart_token).toBe('[token]');
    expect(lines[0]).not.toContain('9b8c7d6e5f4a3b2c1d0e');
  });

  it("hides a product option's value whole: a text option holds what the customer typed", async () => {
    // Found in the security pass: an engraving or a gift message reached the log as typed.
    const lines: string[] = [];
    const base = sampleOrder(15);
    const product = base.orderProducts?.orderProduct?.[0];
    const engraving = 'Boldog szülinapot, Kovács Éva!';
    const order = {
      ...base,
      orderProducts: {
        orderProduct: [
          {
            ...product,
            orderProductOptions: {
              orderProductOption: [
                { orderProductOption_name: 'Gravírozás', orderProductOption_valueName: engraving },
              ],
            },
          },
        ],
      },
    };
    await createLogHandler({ write: (line) => lines.push(line), now: () => new Date() })(
      job({ payload: order, subjectId: order.innerId ?? null }),
    );
    const option = JSON.parse(lines[0]!).payload.orderProducts.orderProduct[0].orderProductOptions
      .orderProductOption[0];
    expect(option).toEqual({
      orderProductOption_name: 'Gravírozás',
      orderProductOption_valueName: `[text: ${Array.from(engraving).length} characters]`,
    });
    expect(lines[0]).not.toContain('Kovács');
  });

  it('masks subscribers too', async () => {
    const lines: string[] = [];
    const subscriber = sampleSubscriber(4);
    await createLogHandler({ write: (line) => lines.push(line) })(
      job({ event: 'newsletter_subscribe', payload: subscriber, subjectId: subscriber.id ?? null }),
    );
    const line = JSON.parse(lines[0]!);
    expect(line.type).toBe('shoprenter.newsletter_subscribe');
    expect(line.payload).toMatchObject({
      id: subscriber.id,
      email: '[email]',
      firstname: `${Array.from(String(subscriber.firstname))[0]}***`,
    });
    expect(lines[0]).not.toContain(`"${subscriber.firstname}"`);
    expect(lines[0]).not.toContain(String(subscriber.email));
  });

  it('prints as sent only the fields that say nothing about the person: extra blocks, unknown fields, city and postcode are hidden (found by the receiver QA)', async () => {
    const lines: string[] = [];
    const base = sampleOrder(17);
    const product = base.orderProducts?.orderProduct?.[0];
    const order = {
      ...base,
      innerId: 'Kovács Éva kovacs.eva@pmail.hu',
      email_hash: 'a3f5c2d1e4b6a7980123456789abcdef0123456789abcdef0123456789abcdef',
      customerGroup: { name: 'VIP Bódizsár' },
      orderCreditCard: {
        transactionId: 'T-778899',
        bankAnswerCode: '00',
        bankAnswer: 'Approved for cardholder NAGY KINGA',
      },
      orderProducts: {
        orderProduct: [
          {
            ...product,
            orderProductExtra: {
              text: 'Ajándék Nagy Kingának, 1111 Budapest Fő utca 1',
              recipient: 'Nagy Kinga',
            },
          },
        ],
      },
    };
    await createLogHandler({ write: (line) => lines.push(line), now: () => new Date() })(
      job({ payload: order, subjectId: order.innerId }),
    );
    const line = JSON.parse(lines[0]!);
    for (const personal of [
      'Kovács',
      'kovacs.eva',
      'Bódizsár',
      'NAGY KINGA',
      'Nagy Kinga',
      'Fő utca',
      String(base.shippingCity),
      String(base.shippingPostcode),
      'a3f5c2d1e4b6',
    ]) {
      expect(lines[0], personal).not.toContain(personal);
    }
    expect(line.subjectId).toBe(`[text: ${Array.from(order.innerId).length} characters]`);
    expect(line.payload.innerId).toBe(line.subjectId);
    expect(line.payload).toMatchObject({
      shippingCity: '[address]',
      shippingPostcode: '[address]',
      paymentCity: '[address]',
      email_hash: '[hash]',
      customerGroup: { name: '[text: 12 characters]' },
      orderCreditCard: {
        transactionId: 'T-778899',
        bankAnswerCode: '00',
        bankAnswer: '[text: 34 characters]',
      },
      // what is not about the person stays readable
      shippingCountryName: base.shippingCountryName,
      shippingMethodName: base.shippingMethodName,
      currency: base.currency,
      total: base.total,
    });
    const logged = line.payload.orderProducts.orderProduct[0];
    expect(logged.name).toBe(product?.name);
    expect(logged.sku).toBe(product?.sku);
    expect(logged.orderProductExtra).toEqual({
      text: '[text: 46 characters]',
      recipient: '[text: 10 characters]',
    });
  });

  it("hides a subscriber's unknown fields and the hash that unsubscribes them", async () => {
    const lines: string[] = [];
    const subscriber = {
      ...sampleSubscriber(5),
      customField: 'Pálffy Gedeon, Budapest, Kossuth Lajos tér 1',
    };
    await createLogHandler({ write: (line) => lines.push(line) })(
      job({ event: 'newsletter_subscribe', payload: subscriber, subjectId: subscriber.id ?? null }),
    );
    const line = JSON.parse(lines[0]!);
    expect(line.subjectId).toBe(subscriber.id);
    expect(line.payload).toMatchObject({
      id: subscriber.id,
      status: subscriber.status,
      subscribe_date: subscriber.subscribe_date,
      hash: '[hash]',
      customField: `[text: ${Array.from(subscriber.customField).length} characters]`,
    });
    expect(lines[0]).not.toContain('Pálffy');
    expect(lines[0]).not.toContain(String(subscriber.hash));
  });
});
