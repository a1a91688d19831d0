import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_DELAY_HOURS } from '../assumptions.js';
import { readFixtureJson } from '../test-support/shoprenter-fixtures.js';
import {
  isOuterId,
  normaliseWebhook,
  OUTER_ID_PATTERN,
  WebhookCollectionSchema,
  WebhookInputSchema,
  WebhookRawSchema,
  WebhookResponseSchema,
  WebhookSchema,
  WebhookUpdateInputSchema,
  webhookDelayProblem,
  webhookIdFor,
  webhookNumericId,
} from './webhook.js';

const fixtureFields = [
  'order_storeName',
  'order_innerId',
  'order_innerResourceId',
  'order_outerResourceId',
  'order_firstname',
  'order_lastname',
];

describe('webhook responses', () => {
  it('normalises the GET-one shape (single objects with back-links)', () => {
    const raw = readFixtureJson('api/webhook/response_json_get_id.json');
    const webhook = WebhookResponseSchema.parse(raw);
    expect(webhook).toEqual({
      id: 'd2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0',
      href: 'https://shopname.api.myshoprenter.hu/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0',
      event: 'order_confirm',
      label: 'test webhook',
      status: '1',
      enabled: true,
      webHookParameters: [{ type: 'json', url: 'https://shoprenter.hu', fields: fixtureFields }],
      webHookDelay: [{ delay: 10, delayUnit: 'day' }],
    });
    expect(WebhookSchema.parse(webhook)).toEqual(webhook);
  });

  it('normalises the create-answer shape (arrays, empty delay list) to the same model', () => {
    const raw = {
      id: 'd2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ1',
      event: 'newsletter_subscribe',
      status: '0',
      label: 'x',
      webHookParameters: [{ type: 'xml', url: 'https://a.example/h' }],
      webHookDelay: [],
    };
    expect(WebhookResponseSchema.parse(raw)).toEqual({
      id: 'd2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ1',
      event: 'newsletter_subscribe',
      label: 'x',
      status: '0',
      enabled: false,
      webHookParameters: [{ type: 'xml', url: 'https://a.example/h' }],
      webHookDelay: [],
    });
  });

  it('accepts a missing webHookDelay and a single string in fields (XML reader quirk)', () => {
    const raw = WebhookRawSchema.parse({
      id: 'a',
      event: 'order_confirm',
      status: 1,
      label: 'one',
      webHookParameters: { type: 'json', url: 'https://x.example', fields: 'order_innerId' },
    });
    expect(normaliseWebhook(raw).webHookParameters).toEqual([
      { type: 'json', url: 'https://x.example', fields: ['order_innerId'] },
    ]);
    expect(normaliseWebhook(raw).webHookDelay).toEqual([]);
    expect(normaliseWebhook(raw).status).toBe('1');
  });

  it('rejects an unknown event in a response with the path', () => {
    const result = WebhookRawSchema.safeParse({
      id: 'a',
      event: 'order_paid',
      status: '1',
      label: '',
      webHookParameters: [],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['event']);
  });

  it('parses the collection page with links', () => {
    const page = WebhookCollectionSchema.parse(readFixtureJson('api/webhook/response_json_get_page.json'));
    expect(page.page).toBe(0);
    expect(page.limit).toBe(25);
    expect(page.previous).toBeNull();
    expect(page.next).toBeNull();
    expect(page.items).toHaveLength(4);
    expect(page.items[3]).toEqual({
      href: 'https://shopname.api.myshoprenter.hu/webHooks/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0',
    });
  });

  it('parses a full=1 collection whose items are whole webhooks', () => {
    const full = {
      ...(readFixtureJson('api/webhook/response_json_get_page.json') as object),
      items: [readFixtureJson('api/webhook/response_json_get_id.json')],
    };
    const page = WebhookCollectionSchema.parse(full);
    expect(page.items[0]).toMatchObject({ id: 'd2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0', status: '1' });
  });

  it('round-trips ids: base64 of webHook-notification_id=<n>', () => {
    expect(webhookNumericId('d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0')).toBe(144);
    expect(webhookIdFor(144)).toBe('d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0');
    expect(webhookNumericId('bm9wZQ==')).toBeUndefined();
  });
});

describe('webhook requests', () => {
  it.each(['request_post.json', 'request_put.json'])('accepts the documented %s body', (file) => {
    const body = WebhookInputSchema.parse(readFixtureJson(`api/webhook/${file}`));
    expect(body.status).toBe('1');
    expect(body.webHookParameters[0]?.fields).toEqual(fixtureFields);
    expect(body.webHookDelay).toEqual([{ delay: '10', delayUnit: 'day' }]);
  });

  it('names every missing required field', () => {
    const result = WebhookInputSchema.safeParse({ event: 'order_confirm' });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.')).sort();
    expect(paths).toEqual(['label', 'status', 'webHookParameters']);
  });

  it.each([
    [{ event: 'order_paid' }, 'event'],
    [{ webHookParameters: [{ type: 'csv', url: 'https://a.example' }] }, 'webHookParameters.0.type'],
    [{ webHookDelay: [{ delay: '1', delayUnit: 'week' }] }, 'webHookDelay.0.delayUnit'],
    [{ status: '2' }, 'status'],
    [{ webHookParameters: [{ type: 'json', url: 'not a url' }] }, 'webHookParameters.0.url'],
  ])('rejects bad value %j at %s', (patch, path) => {
    const base = readFixtureJson<Record<string, unknown>>('api/webhook/request_post.json');
    const result = WebhookInputSchema.safeParse({ ...base, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it('rejects a field that is not available for the event', () => {
    const result = WebhookInputSchema.safeParse({
      event: 'newsletter_subscribe',
      status: 1,
      label: 'n',
      webHookParameters: [
        { type: 'json', url: 'https://a.example', fields: ['subscriber_id', 'order_email'] },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['webHookParameters', 0, 'fields', 1],
      message: 'field "order_email" is not available for event newsletter_subscribe',
    });
  });

  it('accepts an outer id on POST and PUT (id is not read-only) and refuses one that cannot travel in a path', () => {
    const body = readFixtureJson<Record<string, unknown>>('api/webhook/request_post.json');
    expect(WebhookInputSchema.parse({ ...body, id: 'erp-order-confirm' }).id).toBe('erp-order-confirm');
    expect(WebhookUpdateInputSchema.parse({ id: 'SKU-11.v2_x~' })).toEqual({ id: 'SKU-11.v2_x~' });
    for (const id of ['', 'a/b', 'has space', 'x'.repeat(201), 'é']) {
      expect(WebhookInputSchema.safeParse({ ...body, id }).success, id).toBe(false);
    }
    expect(isOuterId('TesztOuterID')).toBe(true);
    expect(isOuterId('a?b')).toBe(false);
    expect(OUTER_ID_PATTERN.test('d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0')).toBe(true);
  });

  it('holds webHookDelay to the one rule the client and the sandbox share (A24): 1 or more, at most 36500 days in all', () => {
    const base = readFixtureJson<Record<string, unknown>>('api/webhook/request_post.json');
    const delayIssue = (webHookDelay: unknown) => {
      const result = WebhookInputSchema.safeParse({ ...base, webHookDelay });
      return result.success ? null : result.error.issues[0];
    };
    expect(delayIssue([{ delay: '36500', delayUnit: 'day' }])).toBeNull();
    expect(delayIssue([{ delay: 876_000, delayUnit: 'hour' }])).toBeNull();
    expect(delayIssue([{ delay: '36501', delayUnit: 'day' }])).toMatchObject({
      path: ['webHookDelay'],
      message: '36501 day is too long; the delays of a webHook add up to at most 36500 days (876000 hours)',
    });
    expect(
      delayIssue([
        { delay: '36500', delayUnit: 'day' },
        { delay: 1, delayUnit: 'hour' },
      ])?.message,
    ).toMatch(/^36500 day \+ 1 hour is too long/);
    expect(delayIssue([{ delay: '99999999999999999999', delayUnit: 'day' }])?.path).toEqual(['webHookDelay']);
    for (const delay of ['0', 0, 1.5, -1]) {
      expect(delayIssue([{ delay, delayUnit: 'hour' }]), String(delay)).toMatchObject({
        path: ['webHookDelay', 0, 'delay'],
        message: 'delay must be a whole number of hours or days, 1 or more',
      });
    }
    expect(
      WebhookUpdateInputSchema.safeParse({ webHookDelay: [{ delay: '40000', delayUnit: 'day' }] }).success,
    ).toBe(false);
    expect(webhookDelayProblem([{ delay: '2', delayUnit: 'day' }])).toBeNull();
    expect(MAX_WEBHOOK_DELAY_HOURS).toBe(36_500 * 24);
  });

  it('allows a partial update body', () => {
    expect(WebhookUpdateInputSchema.parse({ status: 0 })).toEqual({ status: '0' });
  });
});
