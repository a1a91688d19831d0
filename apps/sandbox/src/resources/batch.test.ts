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
    expect(answers[1]?.response.body).toMatchObject({ error: 40003 });
    expect(answers[2]?.response.body).toMatchObject({ error: 40401 });
    expect(answers[3]?.response.body).toMatchObject({ items: [expect.anything()] });
    expect(answers[4]?.response.body).toBeUndefined();
    expect(answers[5]?.response.body).toMatchObject({
      message: expect.stringMatching(/not a resource of this shop's API/),
    });
    // The batch ran for real: the webhook it created was deleted by it as well.
    expect((await sb.api('GET', '/webHooks', { token })).json().items).toEqual([]);
  });

  it('checks scopes per inner request', async () => {
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
    expect(codes).toEqual([200, 403]);
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

  it.each([
    ['no body', undefined, 40001, /no body/],
    ['a wrong envelope', { requests: [] }, 40005, /Wrong batch body at 'data'/],
    [
      'a bad method',
      { data: { requests: [{ method: 'PATCH', uri: '/api/webHooks' }] } },
      40005,
      /data\.requests\.0\.method/,
    ],
    [
      'more than 200 requests',
      { data: { requests: Array.from({ length: 201 }, () => ({ method: 'GET', uri: '/api/webHooks' })) } },
      40005,
      /at most 200 requests; split it/,
    ],
    [
      'a nested batch',
      { data: { requests: [{ method: 'POST', uri: '/api/batch', data: {} }] } },
      200,
      undefined,
    ],
  ])('handles %s', async (_name, body, code, message) => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const res = await sb.api('POST', '/batch', { token, ...(body === undefined ? {} : { body }) });
    if (code === 200) {
      expect(res.status).toBe(200);
      expect(res.json().requests.request[0].response).toMatchObject({
        header: { statusCode: 400 },
        body: { error: 40005, message: 'A batch request cannot contain another batch request.' },
      });
      return;
    }
    expect(res.status).toBe(400);
    expect(res.json().error).toBe(code);
    expect(res.json().message).toMatch(message as RegExp);
  });

  it('only accepts POST', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 's' });
    const res = await sb.api('GET', '/batch', { token });
    expect(res.status).toBe(405);
  });
});
