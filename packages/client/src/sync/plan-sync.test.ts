import type { Webhook } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { planSync, summarisePlan } from './plan-sync.js';

const URL_A = 'https://hooks.example.com/hooks/demo/order_confirm/aaaaaaaaaaaaaaaa';
const URL_B = 'https://hooks.example.com/hooks/demo/order_status_change/bbbbbbbbbbbbbbbb';
const URL_C = 'https://hooks.example.com/hooks/demo/abandoned_cart/cccccccccccccccc';

function webhook(id: string, partial: Partial<Webhook> & { url: string; fields?: string[] }): Webhook {
  const { url, fields, ...rest } = partial;
  return {
    id,
    event: 'order_confirm',
    label: 'srhooks order_confirm',
    status: '1',
    enabled: true,
    webHookParameters: [{ type: 'json', url, ...(fields ? { fields } : {}) }],
    webHookDelay: [],
    ...rest,
  };
}

describe('planSync', () => {
  it('creates everything when nothing exists', () => {
    const plan = planSync(
      [
        { event: 'order_confirm', url: URL_A },
        { event: 'order_status_change', url: URL_B, type: 'xml', fields: ['order_innerId'], label: 'status' },
      ],
      [],
    );
    expect(plan.create.map((step) => step.key)).toEqual([
      `order_confirm ${URL_A}`,
      `order_status_change ${URL_B}`,
    ]);
    expect(plan.create[1]?.desired).toEqual({
      event: 'order_status_change',
      url: URL_B,
      type: 'xml',
      fields: ['order_innerId'],
      delay: null,
      label: 'status',
      enabled: true,
    });
    expect(plan.update).toEqual([]);
    expect(plan.unchanged).toEqual([]);
    expect(plan.delete).toEqual([]);
  });

  it('treats an identical subscription as unchanged, fields compared without order', () => {
    const current = [webhook('w1', { url: URL_A, fields: ['order_lastname', 'order_innerId'] })];
    const plan = planSync(
      [{ event: 'order_confirm', url: URL_A, fields: ['order_innerId', 'order_lastname'] }],
      current,
    );
    expect(plan.unchanged.map((s) => s.id)).toEqual(['w1']);
    expect(plan.create).toEqual([]);
    expect(plan.update).toEqual([]);
  });

  it.each([
    ['enabled', { enabled: false }, { property: 'enabled', from: true, to: false }],
    ['label', { label: 'new label' }, { property: 'label', from: 'srhooks order_confirm', to: 'new label' }],
    ['type', { type: 'xml' as const }, { property: 'type', from: 'json', to: 'xml' }],
    ['fields', { fields: ['order_email'] }, { property: 'fields', from: [], to: ['order_email'] }],
    [
      'delay',
      { delay: { value: 2, unit: 'hour' as const } },
      { property: 'delay', from: null, to: { value: 2, unit: 'hour' } },
    ],
  ])('updates when %s differs', (_name, change, expected) => {
    const plan = planSync(
      [{ event: 'order_confirm', url: URL_A, ...change }],
      [webhook('w1', { url: URL_A })],
    );
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]?.id).toBe('w1');
    expect(plan.update[0]?.changes).toEqual([expected]);
  });

  it('compares delays by value and unit', () => {
    const current = [webhook('w1', { url: URL_A, webHookDelay: [{ delay: 10, delayUnit: 'day' }] })];
    expect(
      planSync([{ event: 'order_confirm', url: URL_A, delay: { value: 10, unit: 'day' } }], current)
        .unchanged,
    ).toHaveLength(1);
    expect(
      planSync([{ event: 'order_confirm', url: URL_A, delay: { value: 10, unit: 'hour' } }], current)
        .update[0]?.changes,
    ).toEqual([{ property: 'delay', from: { value: 10, unit: 'day' }, to: { value: 10, unit: 'hour' } }]);
    expect(planSync([{ event: 'order_confirm', url: URL_A }], current).update[0]?.changes[0]?.property).toBe(
      'delay',
    );
  });

  it('matches on (event, url): same url for another event is a different subscription', () => {
    const plan = planSync([{ event: 'order_status_change', url: URL_A }], [webhook('w1', { url: URL_A })]);
    expect(plan.create.map((s) => s.key)).toEqual([`order_status_change ${URL_A}`]);
    expect(plan.delete).toEqual([
      expect.objectContaining({
        action: 'delete',
        id: 'w1',
        reason: 'not_desired',
        key: `order_confirm ${URL_A}`,
      }),
    ]);
  });

  it('lists extras and duplicates as deletes (applied only with prune)', () => {
    const current = [
      webhook('w1', { url: URL_A }),
      webhook('w2', { url: URL_A }),
      webhook('w3', { url: URL_C, event: 'abandoned_cart' }),
    ];
    const plan = planSync([{ event: 'order_confirm', url: URL_A }], current);
    expect(plan.unchanged.map((s) => s.id)).toEqual(['w1']);
    expect(plan.delete.map((s) => [s.id, s.reason])).toEqual([
      ['w2', 'duplicate'],
      ['w3', 'not_desired'],
    ]);
    expect(summarisePlan(plan)).toBe(
      '0 to create, 0 to update, 1 unchanged, 2 extra (kept; use prune to delete)',
    );
    expect(summarisePlan(plan, true)).toBe('0 to create, 0 to update, 1 unchanged, 2 to delete');
  });

  it('of duplicates, keeps the one that already matches instead of updating another into a second copy', () => {
    // found by QA: someone disabled the subscription and created an identical one by hand; the
    // plan enabled the disabled one too, so the shop delivered every event twice
    const current = [
      webhook('w1', { url: URL_A, status: '0', enabled: false }),
      webhook('w2', { url: URL_A }),
    ];
    const plan = planSync([{ event: 'order_confirm', url: URL_A }], current);
    expect(plan.update).toEqual([]);
    expect(plan.unchanged.map((s) => s.id)).toEqual(['w2']);
    expect(plan.delete.map((s) => [s.id, s.reason])).toEqual([['w1', 'duplicate']]);
  });

  it('of duplicates none of which matches, updates the closest one', () => {
    const current = [
      webhook('w1', { url: URL_A, status: '0', enabled: false, label: 'old' }),
      webhook('w2', { url: URL_A, label: 'old' }),
    ];
    const plan = planSync([{ event: 'order_confirm', url: URL_A }], current);
    expect(plan.update.map((s) => [s.id, s.changes.map((c) => c.property)])).toEqual([['w2', ['label']]]);
    expect(plan.delete.map((s) => [s.id, s.reason])).toEqual([['w1', 'duplicate']]);
  });

  it('rejects invalid desired entries naming the index, the value and the allowed ones', () => {
    const bad = () =>
      planSync(
        [
          { event: 'order_confirm', url: URL_A },
          { event: 'order_paid' as never, url: URL_B },
        ],
        [],
      );
    expect(bad).toThrow(InputError);
    expect(bad).toThrow(
      /desired\[1\]\.event "order_paid" is not a ShopRenter webhook event; allowed: order_confirm, order_status_change/,
    );
    expect(() => planSync([{ event: 'order_confirm', url: 'http://example.com/x' }], [])).toThrow(
      /desired\[0\]\.url "http:\/\/example.com\/x" uses plain http/,
    );
    expect(() =>
      planSync([{ event: 'newsletter_subscribe', url: URL_A, fields: ['order_innerId'] }], []),
    ).toThrow(
      /desired\[0\]\.fields: field "order_innerId" not available for event newsletter_subscribe; allowed: subscriber_/,
    );
  });

  it('rejects the same (event, url) twice in desired', () => {
    expect(() =>
      planSync(
        [
          { event: 'order_confirm', url: URL_A },
          { event: 'order_confirm', url: URL_A, label: 'again' },
        ],
        [],
      ),
    ).toThrow(/desired\[1\] repeats desired\[0\]/);
  });
});

describe('planSync with a current list that is not a list', () => {
  it.each([
    ['null', null],
    ['a page object', { items: [] }],
  ])('%s: InputError naming current, not "current is not iterable"', (_n, current) => {
    let caught: unknown;
    try {
      planSync(
        [{ event: 'order_confirm', url: 'https://hooks.example.com/h' }],
        current as unknown as Webhook[],
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).field).toBe('current');
    expect((caught as InputError).message).toMatch(/await shop\.webhooks\.all\(\)/);
  });
});
