import { BatchResponseSchema } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox, webhookBody } from '../test-support/test-sandbox.js';

describe('POST /batch', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({
      shops: [
        {
          name: 'demo',
          clients: [
            { clientId: 'all', clientSecret: 's', scopes: ['store.webhook:read', 'store.webhook:write'] },
            { clientId: 'reader', clientSecret: 's', scopes: ['store.webhook:read'] },
          ],
        },
      ],
    });
  });
  afterAll(() => sb.close());

  it('runs the inner requests in order and answers 200 with each inner status and body', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const api = `${sb.url}/demo/api`;
    const missingId = Buffer.from('webHook-notification_id=424242').toString('base64');
    const res = await sb.api('POST', '/batch', {
      token,
      body: {
        data: {
          requests: [
            { method: 'POST', uri: `${api}/webHooks`, data: webhookBody('http://127.0.0.1:9/batch') },
            { method: 'POST', uri: `${api}/webHooks`, data: { event: 'order_confirm' } },
            { method: 'GET', uri: `${api}/webHooks/${missingId}` },
            { method: 'GET', uri: '/api/webHooks?limit=5' },
            {
              method: 'DELETE',
              uri: `${api}/webHooks/${Buffer.from('webHook-notification_id=1').toString('base64')}`,
            },
            { method: 'GET', uri: 'https://elsewhere.example/other/path' },
          ],
        },
      },
    });
    expect(res.status).toBe(200);
    const parsed = BatchResponseSchema.parse(res.json());
    const answers = parsed.requests.request;
    expect(answers.map((a) => a.response.header.statusCode)).toEqual([201, 400, 404, 200, 204, 404]);
    expect(answers[0]).toMatchObject({ method: 'POST', uri: `${api}/webHooks` });
    expect(answers[0]?.response.body).toMatchObject({ event: 'order_confirm', label: 'test webhook' });
    expect(answers[1]?.response.body).toEqual({
      error: 40003,
      message: 'The following fields are required: label, status, webHookParameters!',
    });
    expect(answers[2]?.response.body).toEqual({
      error: 40401,
      message: `Resource not found! webHooks/${missingId}`,
    });
    expect(answers[3]?.response.body).toMatchObject({ items: [expect.anything()] });
    // DELETE: an empty body, as the documentation's XML example's `<body/>` (JSON form `[]`, A28).
    expect(res.json().requests.request[4].response).toEqual({ header: { statusCode: 204 }, body: [] });
    // A URI that names no resource: the documented message-only body (sr-api-docs 04_batch.md).
    expect(answers[5]?.response.body).toEqual({ message: 'Resource matching URI "/other/path" not found' });
    // The batch ran for real: the webhook it created was deleted by it as well.
    expect((await sb.api('GET', '/webHooks', { token })).json().items).toEqual([]);
  });

  it('answers an inner DELETE with <body/> in XML, as the documentation’s batch example', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const created = await sb.api('POST', '/webHooks', { token, body: webhookBody('http://127.0.0.1:9/x') });
    const res = await sb.api('POST', '/batch', {
      token,
      accept: null,
      body: { data: { requests: [{ method: 'DELETE', uri: `/api/webHooks/${created.json().id}` }] } },
    });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /<response>\s*<header>\s*<statusCode>204<\/statusCode>\s*<\/header>\s*<body\/>\s*<\/response>/,
    );
  });

  it('checks scopes per inner request (401/40101 for the one without its scope, assumption A4)', async () => {
    const token = await sb.token('demo', { clientId: 'reader', clientSecret: 's' });
    const res = await sb.api('POST', '/batch', {
      token,
      body: {
        data: {
          requests: [
            { method: 'GET', uri: `${sb.url}/demo/api/webHooks` },
            { method: 'POST', uri: `${sb.url}/demo/api/webHooks`, data: webhookBody('http://127.0.0.1:9/x') },
          ],
        },
      },
    });
    expect(res.status).toBe(200);
    const codes = res
      .json()
      .requests.request.map(
        (r: { response: { header: { statusCode: number } } }) => r.response.header.statusCode,
      );
    expect(codes).toEqual([200, 401]);
    expect(res.json().requests.request[1].response.body).toEqual({
      error: 40101,
      message: 'You have no permission for this operation!',
    });
  });

  it('answers in XML when JSON is not asked for', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const res = await sb.api('POST', '/batch', {
      token,
      accept: null,
      body: { data: { requests: [{ method: 'GET', uri: `${sb.url}/demo/api/webHooks` }] } },
    });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^<response>\n {4}<requests>\n {8}<request>\n {12}<method>/);
    expect(res.text).toContain('<statusCode>200</statusCode>');
  });

  it('runs more than the recommended 200 inner requests (a recommendation, not an error; assumption A8)', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const requests = Array.from({ length: 201 }, () => ({ method: 'GET', uri: '/api/webHooks' }));
    const res = await sb.api('POST', '/batch', { token, body: { data: { requests } } });
    expect(res.status).toBe(200);
    const answers = BatchResponseSchema.parse(res.json()).requests.request;
    expect(answers).toHaveLength(201);
    expect(new Set(answers.map((a) => a.response.header.statusCode))).toEqual(new Set([200]));
  });

  it.each([
    ['no body', undefined, 40001, 'Data parameter not found in POST/PUT!', /no "data"/],
    ['a body without data', { requests: [] }, 40001, 'Data parameter not found in POST/PUT!', /no "data"/],
    ['data that is not an object', { data: [] }, 40001, 'Data parameter not found in POST/PUT!', /no "data"/],
    [
      'a bad method',
      { data: { requests: [{ method: 'PATCH', uri: '/api/webHooks' }] } },
      40005,
      'The given data is wrong!',
      /data\.requests\.0\.method/,
    ],
    [
      'a nested batch',
      { data: { requests: [{ method: 'POST', uri: '/api/batch', data: {} }] } },
      200,
      undefined,
      undefined,
    ],
  ])('handles %s', async (_name, body, code, message, hint) => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const res = await sb.api('POST', '/batch', { token, ...(body === undefined ? {} : { body }) });
    if (code === 200) {
      expect(res.status).toBe(200);
      expect(res.json().requests.request[0].response).toMatchObject({
        header: { statusCode: 400 },
        body: { error: 40005, message: 'The given data is wrong!' },
      });
      return;
    }
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: code, message });
    expect(res.headers.get('x-sandbox-hint')).toMatch(hint as RegExp);
  });

  it('only accepts POST', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const res = await sb.api('GET', '/batch', { token });
    expect(res.status).toBe(405);
  });
});
