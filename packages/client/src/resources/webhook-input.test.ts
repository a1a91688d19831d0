import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { checkDeliveryUrl, resolveWebhookSpec, specToWebhookInput, toWebhookInput } from './webhook-input.js';

const shared = new URL('../../../../packages/contracts/fixtures/shoprenter/', import.meta.url);
const fixture = (path: string) => JSON.parse(readFileSync(new URL(path, shared), 'utf8'));

const URL_OK = 'https://hooks.example.com/hooks/demo/order_confirm/token';

describe('toWebhookInput', () => {
  it('accepts the documented POST body unchanged', () => {
    const body = fixture('api/webhook/request_post.json');
    expect(toWebhookInput(body)).toEqual(body);
  });

  it('turns a friendly spec into the API body with defaults', () => {
    expect(toWebhookInput({ event: 'order_confirm', url: URL_OK })).toEqual({
      event: 'order_confirm',
      status: '1',
      label: 'srhooks order_confirm',
      webHookParameters: [{ type: 'json', url: URL_OK }],
      webHookDelay: [],
    });
    expect(
      toWebhookInput({
        event: 'order_confirm',
        url: URL_OK,
        type: 'xml',
        fields: ['order_innerId', 'order_innerId', 'order_email'],
        delay: { value: 2, unit: 'hour' },
        label: 'mine',
        enabled: false,
      }),
    ).toEqual({
      event: 'order_confirm',
      status: '0',
      label: 'mine',
      webHookParameters: [{ type: 'xml', url: URL_OK, fields: ['order_innerId', 'order_email'] }],
      webHookDelay: [{ delay: '2', delayUnit: 'hour' }],
    });
  });

  it("a plain http delivery URL: one reason, ShopRenter's part marked as assumed", () => {
    expect(() => checkDeliveryUrl('http://example.com/x', '--url')).toThrow(
      '--url "http://example.com/x" uses plain http://: use https:// (the URL carries its secret token, which plain http sends in clear; whether ShopRenter delivers to plain http at all is not documented, assumed not). Plain http is allowed only to loopback addresses such as 127.0.0.1, for local testing',
    );
  });

  it.each([
    ['notaurl', '"notaurl"'],
    ['ftp://x', '"ftp://x"'],
    ['/relative/path', '"/relative/path"'],
    [`https:${'x'.repeat(150)}`, `"https:${'x'.repeat(94)}…"`],
  ])(
    'no http(s) URL at all (%j): what it must be and what was given, at most 100 characters of it',
    (url, quoted) => {
      let thrown: unknown;
      try {
        checkDeliveryUrl(url, 'desired[0].url');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({
        code: 'invalid_url',
        field: 'desired[0].url',
        message: `desired[0].url must be an https:// URL (http:// only to a loopback address such as 127.0.0.1, for local testing), got ${quoted}`,
      });
    },
  );

  it.each([
    [
      { event: 'order_paid', url: URL_OK },
      'input.event',
      /"order_paid" is not a ShopRenter webhook event; allowed: order_confirm, /,
    ],
    [
      { event: 'order_confirm', url: URL_OK, type: 'csv' },
      'input.type',
      /input\.type "csv" is not accepted; allowed: json, xml/,
    ],
    [{ event: 'order_confirm', url: 'http://example.com/x' }, 'input.url', /uses plain http/],
    [{ event: 'order_confirm' }, 'input.url', /input\.url is required/],
    [
      { event: 'order_confirm', url: URL_OK, fields: ['subscriber_email'] },
      'input.fields',
      /field "subscriber_email" not available for event order_confirm; allowed: order_storeName/,
    ],
    [
      { event: 'order_confirm', url: URL_OK, delay: { value: 2, unit: 'minute' } },
      'input.delay.unit',
      /"minute" is not accepted; allowed: day, hour/,
    ],
    [
      { event: 'order_confirm', url: URL_OK, delay: { value: 0, unit: 'day' } },
      'input.delay.value',
      /whole number/,
    ],
    [
      { event: 'order_confirm', url: URL_OK, delay: { value: 36_501, unit: 'day' } },
      'input.delay',
      /^input\.delay: 36501 day is too long; the delays of a webHook add up to at most 36500 days \(876000 hours\)$/,
    ],
    [
      { event: 'order_confirm', url: URL_OK, delay: { value: 876_001, unit: 'hour' } },
      'input.delay',
      /876001 hour is too long/,
    ],
    [{ event: 'order_confirm', url: URL_OK, label: '' }, 'input.label', /non-empty/],
    [{ event: 'order_confirm', url: URL_OK, enabled: 'yes' }, 'input.enabled', /true or false/],
  ])('refuses %j naming %s', (input, field, message) => {
    let caught: unknown;
    try {
      toWebhookInput(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).field).toBe(field);
    expect((caught as InputError).message).toMatch(message);
  });

  it('validates the API body shape too, naming the path', () => {
    const body = fixture('api/webhook/request_post.json');
    expect(() => toWebhookInput({ ...body, status: 'on' })).toThrow(
      /input\.status must be "1" \(enabled\) or "0"/,
    );
    expect(() =>
      toWebhookInput({ ...body, webHookParameters: [{ type: 'json', url: 'http://shoprenter.hu' }] }),
    ).toThrow(/input\.webHookParameters\[0\]\.url "http:\/\/shoprenter.hu" uses plain http/);
    expect(() => toWebhookInput({ ...body, webHookDelay: [{ delay: '10', delayUnit: 'week' }] })).toThrow(
      /input\.webHookDelay\[0\]\.delayUnit "week" is not accepted; allowed: day, hour/,
    );
    expect(() =>
      toWebhookInput({
        ...body,
        webHookDelay: [
          { delay: '36500', delayUnit: 'day' },
          { delay: 1, delayUnit: 'hour' },
        ],
      }),
    ).toThrow(
      /^input\.webHookDelay: 36500 day \+ 1 hour is too long; the delays of a webHook add up to at most 36500 days/,
    );
    expect(() => toWebhookInput({ ...body, webHookDelay: [{ delay: '0', delayUnit: 'day' }] })).toThrow(
      /input\.webHookDelay\[0\]\.delay must be a whole number of hours or days \(1 or more\), got "0"/,
    );
    expect(
      toWebhookInput({ ...body, webHookDelay: [{ delay: '36500', delayUnit: 'day' }] }).webHookDelay,
    ).toEqual([{ delay: '36500', delayUnit: 'day' }]);
    const allowed = (() => {
      try {
        toWebhookInput({ ...body, event: 'newsletter_subscribe' });
      } catch (error) {
        return (error as InputError).allowed;
      }
    })();
    expect(allowed).toContain('subscriber_email');
  });
});

describe('properties the input does not take are refused, not sent to be ignored', () => {
  const body = () => fixture('api/webhook/request_post.json') as Record<string, unknown>;
  const refusal = (input: unknown) => {
    try {
      toWebhookInput(input);
    } catch (error) {
      return error as InputError;
    }
    throw new Error('accepted');
  };

  it.each([
    [
      'webhookDelay (the API body’s delay, misspelt: it would deliver at once)',
      () => ({ ...body(), webhookDelay: [{ delay: '2', delayUnit: 'hour' }] }),
      'input.webhookDelay',
      /^input\.webhookDelay is not a property of a webHooks body; did you mean "webHookDelay"\? \(it takes: id, event, status, label, webHookParameters, webHookDelay\)\. Sent, it would not do what it says \(what ShopRenter does with a property it does not know is not documented\)\.$/,
    ],
    [
      'enabled in the API body (status says it there)',
      () => ({ ...body(), enabled: false }),
      'input.enabled',
      /did you mean status: "1" \| "0"\?/,
    ],
    [
      'field in a webHookParameters entry (the shop would send its whole default set)',
      () => ({ ...body(), webHookParameters: [{ type: 'json', url: URL_OK, field: ['order_innerId'] }] }),
      'input.webHookParameters[0].field',
      /is not a property of a webHookParameters entry \{type, url, fields\?\}; did you mean "fields"\?/,
    ],
    [
      'unit in a webHookDelay entry',
      () => ({ ...body(), webHookDelay: [{ delay: '2', delayUnit: 'hour', unit: 'hour' }] }),
      'input.webHookDelay[0].unit',
      /did you mean "delayUnit"\?/,
    ],
    [
      'field in a spec',
      () => ({ event: 'order_confirm', url: URL_OK, field: ['order_innerId'] }),
      'input.field',
      /^input\.field is not a property of a webhook spec \{event, url, …\}; did you mean "fields"\? \(it takes: event, url, type, fields, delay, label, enabled\)/,
    ],
    [
      'enable in a spec (it would be created enabled)',
      () => ({ event: 'order_confirm', url: URL_OK, enable: false }),
      'input.enable',
      /did you mean "enabled"\?/,
    ],
    [
      'status in a spec',
      () => ({ event: 'order_confirm', url: URL_OK, status: '0' }),
      'input.status',
      /did you mean enabled: true \| false\?/,
    ],
    [
      'units in a spec’s delay',
      () => ({ event: 'order_confirm', url: URL_OK, delay: { value: 2, units: 'hour' } }),
      'input.delay.units',
      /is not a property of a delay \{value, unit\}; did you mean "unit"\?/,
    ],
    [
      'a key like nothing it takes',
      () => ({ event: 'order_confirm', url: URL_OK, colour: 'red' }),
      'input.colour',
      /^input\.colour is not a property of a webhook spec \{event, url, …\} \(it takes: /,
    ],
  ])('%s', (_name, input, field, message) => {
    const error = refusal(input());
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe('unknown_key');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('the documented bodies and every spec property still pass', () => {
    expect(toWebhookInput(fixture('api/webhook/request_put.json'))).toEqual(
      fixture('api/webhook/request_put.json'),
    );
    expect(
      toWebhookInput({
        event: 'order_confirm',
        url: URL_OK,
        type: 'json',
        fields: ['order_innerId'],
        delay: { value: 1, unit: 'day' },
        label: 'l',
        enabled: true,
      }).webHookDelay,
    ).toEqual([{ delay: '1', delayUnit: 'day' }]);
  });
});

describe('resolveWebhookSpec + specToWebhookInput', () => {
  it('round-trips a spec into a body the API accepts', () => {
    const spec = resolveWebhookSpec({
      event: 'newsletter_subscribe',
      url: URL_OK,
      fields: ['subscriber_email'],
    });
    expect(spec).toEqual({
      event: 'newsletter_subscribe',
      url: URL_OK,
      type: 'json',
      fields: ['subscriber_email'],
      delay: null,
      label: 'srhooks newsletter_subscribe',
      enabled: true,
    });
    expect(toWebhookInput(specToWebhookInput(spec))).toEqual(specToWebhookInput(spec));
  });
});

describe('checkDeliveryUrl: blanks a URL parser would drop without a word', () => {
  it.each([
    ['a leading space', ' https://hooks.example.com/h', /has a space at position 0: remove it/],
    [
      'a trailing newline',
      'https://hooks.example.com/h\n',
      /has a control or white-space character \(U\+000A\) at position 27/,
    ],
    ['a tab inside', 'https://hooks.example.com/h\tx', /\(U\+0009\) at position 27/],
  ])('%s is invalid_url', (_n, url, message) => {
    // new URL() accepts each of these (and removes the blank), so before, they were registered as given.
    expect(new URL(url).href).not.toContain(url.trim() === url ? '\t' : ' ');
    let caught: unknown;
    try {
      checkDeliveryUrl(url, 'input.url');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).code).toBe('invalid_url');
    expect((caught as InputError).message).toMatch(message);
    expect(() => resolveWebhookSpec({ event: 'order_confirm', url })).toThrow(InputError);
  });

  it('a space encoded as %20 is fine', () => {
    expect(checkDeliveryUrl('https://hooks.example.com/a%20b', 'input.url')).toBe(
      'https://hooks.example.com/a%20b',
    );
  });
});
