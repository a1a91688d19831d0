import { readFileSync } from 'node:fs';
import { normaliseWebhook, WebhookCollectionSchema, WebhookRawSchema } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestSandbox,
  startWebhookScopedSandbox,
  type TestSandbox,
  webhookBody,
} from '../../test-support/test-sandbox.js';

const fixtureText = (name: string) =>
  readFileSync(
    new URL(`../../../../../packages/contracts/fixtures/shoprenter/api/webhook/${name}`, import.meta.url),
    'utf8',
  );

describe('webHooks resource', () => {
  let sb: TestSandbox;
  let apiBase: string;
  beforeAll(async () => {
    // Every call in this block uses a token with the webhook scopes only.
    ({ sandbox: sb, apiBase } = await startWebhookScopedSandbox());
  });
  afterAll(() => sb.close());

  const create = async (body: Record<string, unknown>) => {
    const res = await sb.api('POST', '/webHooks', { body });
    expect(res.status, res.text).toBe(201);
    return res.json();
  };

  it('creates from the documented request body and answers 201 in the array shape', async () => {
    const created = await create(JSON.parse(fixtureText('request_post.json')));
    expect(created.id).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.id, 'base64').toString()).toMatch(/^webHook-notification_id=\d+$/);
    expect(created.href).toBe(`${apiBase}/webHooks/${created.id}`);
    expect(created).toMatchObject({ event: 'order_confirm', status: '1', label: 'test webhook' });
    expect(Array.isArray(created.webHookParameters)).toBe(true);
    expect(created.webHookParameters[0]).toEqual({
      type: 'json',
      url: 'https://shoprenter.hu',
      webHook: { href: created.href },
      fields: [
        'order_storeName',
        'order_innerId',
        'order_innerResourceId',
        'order_outerResourceId',
        'order_firstname',
        'order_lastname',
      ],
    });
    expect(created.webHookDelay).toEqual([
      { delay: '10', delayUnit: 'day', webHook: { href: created.href } },
    ]);
  });

  it('answers GET one in the documented single-object shape (JSON and XML), which contracts normalise', async () => {
    const created = await create(JSON.parse(fixtureText('request_post.json')));
    const json = await sb.api('GET', `/webHooks/${created.id}`);
    expect(json.status).toBe(200);
    const documented = JSON.parse(fixtureText('response_json_get_id.json'));
    const documentedHref = documented.href;
    const expected = JSON.parse(
      JSON.stringify(documented)
        .replaceAll(documentedHref, created.href)
        .replaceAll(documented.id, created.id),
    );
    expect(json.json()).toEqual(expected);

    const xml = await sb.api('GET', `/webHooks/${created.id}`, { accept: 'application/xml' });
    expect(xml.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(xml.text.trimEnd()).toBe(
      fixtureText('response_xml_get_id.xml')
        .replaceAll(documentedHref, created.href)
        .replaceAll(documented.id, created.id)
        .trimEnd(),
    );
    // No Accept header at all → XML as well.
    const noAccept = await sb.api('GET', `/webHooks/${created.id}`, { accept: null });
    expect(noAccept.text.startsWith('<response>')).toBe(true);

    // Both answer shapes (single object from GET, array from POST) normalise to the same webhook.
    const fromGet = normaliseWebhook(WebhookRawSchema.parse(json.json()));
    const fromPost = normaliseWebhook(WebhookRawSchema.parse(created));
    expect(fromGet).toEqual(fromPost);
    expect(fromGet.webHookDelay).toEqual([{ delay: 10, delayUnit: 'day' }]);
  });

  it('accepts webHookParameters and webHookDelay as a single object as well as a list', async () => {
    const created = await create({
      ...webhookBody('http://127.0.0.1:9/a'),
      webHookParameters: { type: 'xml', url: 'http://127.0.0.1:9/a', fields: ['order_innerId'] },
      webHookDelay: { delay: 2, delayUnit: 'hour' },
    });
    const got = (await sb.api('GET', `/webHooks/${created.id}`)).json();
    expect(got.webHookParameters).toMatchObject({
      type: 'xml',
      url: 'http://127.0.0.1:9/a',
      fields: ['order_innerId'],
    });
    expect(got.webHookDelay).toMatchObject({ delay: '2', delayUnit: 'hour' });
  });

  it('lists several parameters as a list in GET one, and no delay as []', async () => {
    const created = await create(
      webhookBody('http://127.0.0.1:9/a', {
        webHookParameters: [
          { type: 'json', url: 'http://127.0.0.1:9/a' },
          { type: 'xml', url: 'http://127.0.0.1:9/b' },
        ],
      }),
    );
    const got = (await sb.api('GET', `/webHooks/${created.id}`)).json();
    expect(got.webHookParameters.map((p: { url: string }) => p.url)).toEqual([
      'http://127.0.0.1:9/a',
      'http://127.0.0.1:9/b',
    ]);
    expect(got.webHookDelay).toEqual([]);
    expect(got.webHookParameters[0].fields).toBeUndefined();
  });

  it('updates with PUT (200), merging the given properties, and deletes with DELETE (204, then 404)', async () => {
    const created = await create(webhookBody('http://127.0.0.1:9/a'));
    const put = await sb.api('PUT', `/webHooks/${created.id}`, { body: { status: 0, label: 'paused' } });
    expect(put.status).toBe(200);
    expect(put.json()).toMatchObject({
      id: created.id,
      status: '0',
      label: 'paused',
      event: 'order_confirm',
    });
    expect(put.json().webHookParameters).toMatchObject({ url: 'http://127.0.0.1:9/a' });

    const fullPut = await sb.api('PUT', `/webHooks/${created.id}`, {
      body: JSON.parse(fixtureText('request_put.json')),
    });
    expect(fullPut.status).toBe(200);
    expect(fullPut.json().webHookParameters.url).toBe('https://shoprenter.hu');

    const del = await sb.api('DELETE', `/webHooks/${created.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    const again = await sb.api('DELETE', `/webHooks/${created.id}`);
    expect(again.status).toBe(404);
    expect(again.json()).toMatchObject({ error: 40401 });
    expect((await sb.api('GET', `/webHooks/${created.id}`)).status).toBe(404);
  });

  it('refuses on PUT a delay too long to schedule (40005, A24) and keeps the stored one', async () => {
    const created = await create(
      webhookBody('http://127.0.0.1:9/d', { webHookDelay: [{ delay: '2', delayUnit: 'hour' }] }),
    );
    const put = await sb.api('PUT', `/webHooks/${created.id}`, {
      body: { webHookDelay: { delay: 99_999_999_999, delayUnit: 'day' } },
    });
    expect(put.status).toBe(400);
    expect(put.json()).toEqual({ error: 40005, message: 'The given data is wrong!' });
    const kept = (await sb.api('GET', `/webHooks/${created.id}`)).json();
    expect(kept.webHookDelay).toMatchObject({ delay: '2', delayUnit: 'hour' });
    await sb.api('DELETE', `/webHooks/${created.id}`);
  });

  it('answers [] with ?emptyBody=1 on POST and PUT (the documented JSON answer), status kept', async () => {
    const res = await sb.api('POST', '/webHooks?emptyBody=1', { body: webhookBody('http://127.0.0.1:9/e') });
    expect(res.status).toBe(201);
    expect(res.text).toBe('[]');
    const [created] = (await sb.api('GET', '/webHooks?full=1&limit=200')).json().items.slice(-1);
    const put = await sb.api('PUT', `/webHooks/${created.id}?emptyBody=1`, { body: { label: 'quiet' } });
    expect(put.status).toBe(200);
    expect(put.json()).toEqual([]);
    const xml = await sb.api('PUT', `/webHooks/${created.id}?emptyBody=1`, {
      body: { label: 'q' },
      accept: null,
    });
    expect(xml.text).toBe('<response/>\n');
  });
});

describe('webHooks collection paging', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
    for (let i = 0; i < 5; i++) {
      const res = await sb.api('POST', '/webHooks', {
        body: webhookBody(`http://127.0.0.1:9/${i}`, { label: `hook ${i}` }),
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => sb.close());

  it('pages from 0 with links, default limit 25', async () => {
    const base = `${sb.url}/demo/api/webHooks`;
    const first = await sb.api('GET', '/webHooks');
    expect(first.json()).toMatchObject({
      href: `${base}?page=0&limit=25`,
      page: '0',
      limit: '25',
      first: { href: `${base}?page=0&limit=25` },
      previous: null,
      next: null,
      last: { href: `${base}?page=0&limit=25` },
    });
    expect(first.json().items).toHaveLength(5);
    expect(first.json().items[0]).toEqual({
      href: `${base}/${Buffer.from('webHook-notification_id=1').toString('base64')}`,
    });
    WebhookCollectionSchema.parse(first.json());

    const middle = (await sb.api('GET', '/webHooks?page=1&limit=2')).json();
    expect(middle).toMatchObject({
      page: '1',
      limit: '2',
      previous: { href: `${base}?page=0&limit=2` },
      next: { href: `${base}?page=2&limit=2` },
      last: { href: `${base}?page=2&limit=2` },
    });
    expect(middle.items).toHaveLength(2);
  });

  it('returns whole items with full=1', async () => {
    const res = (await sb.api('GET', '/webHooks?full=1&limit=2')).json();
    expect(res.items.map((w: { label: string }) => w.label)).toEqual(['hook 0', 'hook 1']);
    expect(res.items[0].webHookParameters).toMatchObject({ type: 'json', url: 'http://127.0.0.1:9/0' });
    expect(res.next.href).toMatch(/page=1&limit=2&full=1$/);
  });

  it('renders the collection in the documented XML shape', async () => {
    const xml = (await sb.api('GET', '/webHooks?limit=2', { accept: 'text/xml' })).text;
    expect(xml).toContain('    <page>0</page>\n    <limit>2</limit>\n');
    expect(xml).toContain('    <previous/>\n');
    expect(xml).toMatch(
      /<items>\n {8}<item>\n {12}<href>\n {16}<!\[CDATA\[http:\/\/127\.0\.0\.1:\d+\/demo\/api\/webHooks\//,
    );
  });

  it.each([
    ['limit=201', 40005, 'The given data is wrong!', /outside 1\.\.200/],
    ['limit=0', 40005, 'The given data is wrong!', /outside 1\.\.200/],
    ['page=abc', 40005, 'The given data is wrong!', /'page'.*not an integer/],
    ['page=3&limit=2', 40008, 'Page not found! This Resource minimum page is 0 and maximum page is 2', null],
    ['page=-1', 40008, 'Page not found! This Resource minimum page is 0 and maximum page is 0', null],
  ])('rejects %s with 400/%i and the documented text', async (query, code, message, hint) => {
    const res = await sb.api('GET', `/webHooks?${query}`);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: code, message });
    if (hint) expect(res.headers.get('x-sandbox-hint')).toMatch(hint);
  });

  it('accepts limit=200', async () => {
    const res = await sb.api('GET', '/webHooks?limit=200');
    expect(res.status).toBe(200);
    expect(res.json().limit).toBe('200');
  });
});
