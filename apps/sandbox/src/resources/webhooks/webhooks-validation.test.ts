import { isDocumentedErrorText, normaliseWebhook, WebhookRawSchema } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookScopedSandbox, type TestSandbox, webhookBody } from '../../test-support/test-sandbox.js';

describe('webHooks resource: validation errors with the documented inner codes and texts', () => {
  let sb: TestSandbox;
  let apiBase: string;
  let token: string;
  beforeAll(async () => {
    // Every call in this block uses a token with the webhook scopes only.
    ({ sandbox: sb, apiBase, token } = await startWebhookScopedSandbox());
  });
  afterAll(() => sb.close());

  const enumText = (parameter: string) =>
    `The ${parameter} parameter has wrong data. This parameter is enum type. Check API documentation for accepted values.`;
  it.each([
    ['no body', undefined, undefined, 40001, 'Data parameter not found in POST/PUT!', /no body/],
    [
      'malformed JSON',
      undefined,
      '{"event": ',
      40001,
      'Data parameter not found in POST/PUT!',
      /not valid JSON/,
    ],
    ['a JSON array', [], undefined, 40001, 'Data parameter not found in POST/PUT!', /not a JSON object/],
    [
      'missing required fields',
      { event: 'order_confirm' },
      undefined,
      40003,
      'The following fields are required: label, status, webHookParameters!',
      /Add them and resend/,
    ],
    [
      'a parameter without url',
      webhookBody('x', { webHookParameters: [{ type: 'json' }] }),
      undefined,
      40003,
      'The following fields are required: webHookParameters[0].url!',
      /missing: webHookParameters\[0\]\.url/,
    ],
    [
      'an unknown event',
      webhookBody('http://h/x', { event: 'order_paid' }),
      undefined,
      40005,
      enumText('event'),
      /"order_paid" is not accepted in 'event'; accepted values: order_confirm/,
    ],
    [
      'an unknown type',
      webhookBody('x', { webHookParameters: [{ type: 'csv', url: 'http://h/x' }] }),
      undefined,
      40005,
      enumText('webHookParameters[0].type'),
      /accepted values: json, xml/,
    ],
    [
      'an unknown delayUnit',
      webhookBody('http://h/x', { webHookDelay: [{ delay: '1', delayUnit: 'week' }] }),
      undefined,
      40005,
      enumText('webHookDelay[0].delayUnit'),
      /accepted values: day, hour/,
    ],
    [
      'a delay too long to schedule (assumed limit A24)',
      webhookBody('http://h/x', { webHookDelay: [{ delay: '99999999999', delayUnit: 'day' }] }),
      undefined,
      40005,
      'The given data is wrong!',
      /99999999999 day is too long; the delays of a webHook add up to at most 36500 days/,
    ],
    [
      'a delay of 0 (assumed A24: absent or empty is the documented "at once")',
      webhookBody('http://h/x', { webHookDelay: [{ delay: '0', delayUnit: 'hour' }] }),
      undefined,
      40005,
      'The given data is wrong!',
      /webHookDelay\[0\]\.delay': delay must be a whole number of hours or days, 1 or more/,
    ],
    [
      'delays that add up to more than the limit',
      webhookBody('http://h/x', {
        webHookDelay: [
          { delay: '36500', delayUnit: 'day' },
          { delay: '1', delayUnit: 'hour' },
        ],
      }),
      undefined,
      40005,
      'The given data is wrong!',
      /36500 day \+ 1 hour is too long/,
    ],
    [
      'a bad status',
      webhookBody('http://h/x', { status: 'on' }),
      undefined,
      40005,
      enumText('status'),
      /'status'/,
    ],
    [
      'a field not available for the event',
      webhookBody('http://h/x', {
        event: 'newsletter_subscribe',
        webHookParameters: [{ type: 'json', url: 'http://h/x', fields: ['order_innerId'] }],
      }),
      undefined,
      40005,
      'The given data is wrong!',
      /order_innerId.*not available for event newsletter_subscribe/,
    ],
    [
      'an empty label',
      webhookBody('http://h/x', { label: '' }),
      undefined,
      40005,
      'The label field cannot be empty',
      /Give 'label' a value/,
    ],
    [
      'a relative url',
      webhookBody('/relative'),
      undefined,
      40005,
      'The given data is wrong!',
      /absolute URL/,
    ],
    [
      'an ftp:// url (assumptions.ts [A35])',
      webhookBody('ftp://e.com'),
      undefined,
      40005,
      'The given data is wrong!',
      /http:\/\/ or https:\/\/ URL.*ftp:/,
    ],
    [
      'a javascript: url (assumptions.ts [A35])',
      webhookBody('javascript:alert(1)'),
      undefined,
      40005,
      'The given data is wrong!',
      /http:\/\/ or https:\/\/ URL.*javascript:/,
    ],
    [
      'an id that cannot be an outer id',
      webhookBody('http://h/x', { id: 'a b' }),
      undefined,
      40005,
      'The given data is wrong!',
      /cannot be an outer id/,
    ],
  ])('%s → 400/$3 with the documented text', async (_name, body, rawBody, code, message, hint) => {
    const res = await sb.api('POST', '/webHooks', {
      ...(body === undefined ? {} : { body }),
      ...(rawBody === undefined ? {} : { rawBody }),
    });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: code, message });
    expect(isDocumentedErrorText(code, message)).toBe(true);
    expect(res.headers.get('x-sandbox-hint')).toMatch(hint);
  });

  it('accepts multipart/form-data and urlencoded bodies in PHP bracket notation', async () => {
    const fields: [string, string][] = [
      ['event', 'order_confirm'],
      ['status', '1'],
      ['label', 'form hook'],
      ['webHookParameters[0][type]', 'xml'],
      ['webHookParameters[0][url]', 'https://hooks.example.com/form'],
      ['webHookParameters[0][fields][]', 'order_innerId'],
      ['webHookParameters[0][fields][]', 'order_email'],
      ['webHookDelay[0][delay]', '2'],
      ['webHookDelay[0][delayUnit]', 'hour'],
    ];
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    const send = (body: FormData | URLSearchParams) =>
      fetch(`${apiBase}/webHooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        body,
      });
    for (const response of [await send(form), await send(new URLSearchParams(fields))]) {
      expect(response.status).toBe(201);
      const created = normaliseWebhook(WebhookRawSchema.parse(await response.json()));
      expect(created).toMatchObject({
        event: 'order_confirm',
        label: 'form hook',
        enabled: true,
        webHookParameters: [
          { type: 'xml', url: 'https://hooks.example.com/form', fields: ['order_innerId', 'order_email'] },
        ],
        webHookDelay: [{ delay: 2, delayUnit: 'hour' }],
      });
    }
    const broken = await sb.api('POST', '/webHooks', {
      rawBody: '--x\r\nContent-Disposition: form-data; name="event"\r\n\r\norder_confirm',
      contentType: 'multipart/form-data; boundary=x',
    });
    expect(broken.status).toBe(400);
    expect(broken.json()).toEqual({ error: 40001, message: 'Data parameter not found in POST/PUT!' });
    expect(broken.headers.get('x-sandbox-hint')).toMatch(/multipart/);
  });

  it('answers 40001 for a body without Content-Type and 40016 for a body that is not UTF-8', async () => {
    const noType = await sb.api('POST', '/webHooks', {
      body: webhookBody('http://h/x'),
      contentType: null,
    });
    expect(noType.json()).toMatchObject({ error: 40001 });
    const latin1 = await fetch(`${apiBase}/webHooks`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: Buffer.from([0x7b, 0x22, 0xe1, 0x22, 0x7d]),
    });
    expect(latin1.status).toBe(400);
    expect(await latin1.json()).toEqual({
      error: 40016,
      message: 'The data parameter is not UTF-8 encoded.',
    });
  });

  it('answers errors as XML when the request does not ask for JSON', async () => {
    const res = await sb.api('POST', '/webHooks', { body: { event: 'order_confirm' }, accept: null });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(res.text).toMatch(
      /^<response>\n {4}<error>40003<\/error>\n {4}<message>\n {8}<!\[CDATA\[The following fields are required: label/,
    );
  });

  it('rejects the API id of another resource with 400/40007 "The given resource id is wrong: {id}!"', async () => {
    const id = 'b3JkZXItb3JkZXJfaWQ9MQ==';
    const res = await sb.api('GET', `/webHooks/${encodeURIComponent(id)}`);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 40007, message: `The given resource id is wrong: ${id}!` });
    expect(res.headers.get('x-sandbox-hint')).toMatch(/webHook-notification_id=/);
  });

  it.each([
    ['not base64 of an API id', 'bm90LWFuLWlk'],
    ['garbage', '!!!'],
  ])(
    'answers GET of an id that is %s (a possible outer id naming nothing) with 404/40401',
    async (_name, id) => {
      const res = await sb.api('GET', `/webHooks/${encodeURIComponent(id)}`);
      expect(res.status).toBe(404);
      expect(res.json()).toEqual({ error: 40401, message: `Resource not found! webHooks/${id}` });
    },
  );

  it('answers 404/40401 for a well-formed id that does not exist, and 405 for an unsupported method', async () => {
    const id = Buffer.from('webHook-notification_id=999999').toString('base64');
    const res = await sb.api('PUT', `/webHooks/${id}`, { body: { label: 'x' } });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 40401, message: `Resource not found! webHooks/${id}` });
    const patch = await sb.api('PATCH', '/webHooks', { body: {} });
    expect(patch.status).toBe(405);
    expect(patch.json()).toEqual({ message: 'Method Not Allowed' });
    expect(patch.headers.get('allow')).toBe('GET, POST');
    // A URI that names no resource: the documented message-only body (no inner code).
    const unknown = await sb.api('GET', '/products');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ message: 'Resource matching URI "/products" not found' });
    expect(unknown.headers.get('x-sandbox-hint')).toMatch(
      /serves webHooks, orders, orderHistories, orderProducts, currencies, newsletterSubscribers and batch/,
    );
  });
});
