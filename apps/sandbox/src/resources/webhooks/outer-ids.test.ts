import { webhookIdFor } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox, webhookBody } from '../../test-support/test-sandbox.js';

/** Outer ids (FACTS.md §9, sr-api-docs development/api/05_outer_id.md): `id` is not read-only. */
describe('webHooks outer ids', () => {
  let sb: TestSandbox;
  let apiBase: string;
  beforeAll(async () => {
    sb = await startTestSandbox();
    apiBase = `${sb.url}/demo/api`;
  });
  afterAll(() => sb.close());

  it('POST /webHooks with an id in the body stores it as the outer id; GET/PUT/DELETE work with it', async () => {
    const created = await sb.api('POST', '/webHooks', {
      body: webhookBody('http://127.0.0.1:9/o', { id: 'erp-1' }),
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ id: 'erp-1', href: `${apiBase}/webHooks/erp-1` });
    expect(created.json().webHookParameters[0].webHook).toEqual({ href: `${apiBase}/webHooks/erp-1` });

    const got = await sb.api('GET', '/webHooks/erp-1');
    expect(got.status).toBe(200);
    expect(got.json().id).toBe('erp-1');
    const list = (await sb.api('GET', '/webHooks')).json();
    expect(list.items).toContainEqual({ href: `${apiBase}/webHooks/erp-1` });

    const put = await sb.api('PUT', '/webHooks/erp-1', { body: { label: 'renamed' } });
    expect(put.status).toBe(200);
    expect(put.json()).toMatchObject({ id: 'erp-1', label: 'renamed' });

    // assumptions.ts [A6]: the API id keeps working.
    const apiId = sb.sandbox.shop('demo').data.webhooks.find((w) => w.outerId === 'erp-1')?.id ?? '';
    expect(Buffer.from(apiId, 'base64').toString()).toMatch(/^webHook-notification_id=\d+$/);
    expect((await sb.api('GET', `/webHooks/${apiId}`)).json().id).toBe('erp-1');

    expect((await sb.api('DELETE', '/webHooks/erp-1')).status).toBe(204);
    expect((await sb.api('GET', '/webHooks/erp-1')).status).toBe(404);
    // The outer id went with the item: it can be used again.
    const again = await sb.api('POST', '/webHooks', {
      body: webhookBody('http://127.0.0.1:9/o', { id: 'erp-1' }),
    });
    expect(again.status).toBe(201);
  });

  it('POST /webHooks/{id} (the documented URL form) creates with that outer id, then modifies the item it names', async () => {
    const created = await sb.api('POST', '/webHooks/SKU-11', { body: webhookBody('http://127.0.0.1:9/s') });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ id: 'SKU-11', href: `${apiBase}/webHooks/SKU-11` });
    const modified = await sb.api('POST', '/webHooks/SKU-11', { body: { status: '0' } });
    expect(modified.status).toBe(200);
    expect(modified.json()).toMatchObject({ id: 'SKU-11', status: '0', label: 'test webhook' });
    const mismatch = await sb.api('POST', '/webHooks/other-1', {
      body: webhookBody('http://127.0.0.1:9/s', { id: 'other-2' }),
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json()).toEqual({ error: 40005, message: 'The given data is wrong!' });
  });

  it('refuses an outer id that already names an item with the documented 40005 text', async () => {
    expect(
      (await sb.api('POST', '/webHooks', { body: webhookBody('http://127.0.0.1:9/d', { id: 'dup' }) }))
        .status,
    ).toBe(201);
    const res = await sb.api('POST', '/webHooks', {
      body: webhookBody('http://127.0.0.1:9/d', { id: 'dup' }),
    });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 40005, message: 'The id parameter is an already exist OuterID.' });
    expect(res.headers.get('x-sandbox-hint')).toMatch(/'dup' already names another/);
    const other = (await sb.api('POST', '/webHooks', { body: webhookBody('http://127.0.0.1:9/e') })).json();
    const clash = await sb.api('PUT', `/webHooks/${other.id}`, { body: { id: 'dup' } });
    expect(clash.status).toBe(400);
    expect(clash.json()).toEqual({ error: 40005, message: 'The id parameter is an already exist OuterID.' });
  });

  it('PUT with an id in the body sets or replaces the outer id, and the item answers to the new one', async () => {
    const created = (await sb.api('POST', '/webHooks', { body: webhookBody('http://127.0.0.1:9/p') })).json();
    const set = await sb.api('PUT', `/webHooks/${created.id}`, { body: { id: 'TesztOuterID', label: 'x' } });
    expect(set.status).toBe(200);
    expect(set.json()).toMatchObject({
      id: 'TesztOuterID',
      href: `${apiBase}/webHooks/TesztOuterID`,
      label: 'x',
    });
    const replaced = await sb.api('PUT', '/webHooks/TesztOuterID', { body: { id: 'TesztOuterID2' } });
    expect(replaced.json().id).toBe('TesztOuterID2');
    expect((await sb.api('GET', '/webHooks/TesztOuterID')).status).toBe(404);
    expect((await sb.api('GET', '/webHooks/TesztOuterID2')).status).toBe(200);
  });

  it('PUT is modification only: an unknown outer id → 40007 "The given OuterId is not exist", an unknown API id → 404', async () => {
    const outer = await sb.api('PUT', '/webHooks/nobody-has-this', {
      body: webhookBody('http://127.0.0.1:9/n'),
    });
    expect(outer.status).toBe(400);
    expect(outer.json()).toEqual({
      error: 40007,
      message: 'The given OuterId is not exist: nobody-has-this!',
    });
    const apiId = webhookIdFor(987_654);
    const api = await sb.api('PUT', `/webHooks/${apiId}`, { body: webhookBody('http://127.0.0.1:9/n') });
    expect(api.status).toBe(404);
    expect(api.json()).toEqual({ error: 40401, message: `Resource not found! webHooks/${apiId}` });
    expect((await sb.api('GET', '/webHooks/nobody-has-this')).status).toBe(404);
    // POST cannot create with an API id (only the shop makes those), nor with another resource's.
    const postApiId = await sb.api('POST', `/webHooks/${apiId}`, {
      body: webhookBody('http://127.0.0.1:9/n'),
    });
    expect(postApiId.status).toBe(404);
    const orderId = 'b3JkZXItb3JkZXJfaWQ9MQ==';
    const postOrderId = await sb.api('POST', `/webHooks/${encodeURIComponent(orderId)}`, {
      body: webhookBody('http://127.0.0.1:9/n'),
    });
    expect(postOrderId.json()).toEqual({
      error: 40007,
      message: `The given resource id is wrong: ${orderId}!`,
    });
  });

  it('a batch creates an item with an outer id and refers to it in later inner requests', async () => {
    const res = await sb.api('POST', '/batch', {
      body: {
        data: {
          requests: [
            {
              method: 'POST',
              uri: `${apiBase}/webHooks`,
              data: webhookBody('http://127.0.0.1:9/b', { id: 'batch-hook' }),
            },
            { method: 'PUT', uri: `${apiBase}/webHooks/batch-hook`, data: { status: '0' } },
            { method: 'GET', uri: `${apiBase}/webHooks/batch-hook` },
            { method: 'DELETE', uri: `${apiBase}/webHooks/batch-hook` },
          ],
        },
      },
    });
    expect(res.status).toBe(200);
    const inner = res.json().requests.request;
    expect(
      inner.map((r: { response: { header: { statusCode: number } } }) => r.response.header.statusCode),
    ).toEqual([201, 200, 200, 204]);
    expect(inner[2].response.body).toMatchObject({ id: 'batch-hook', status: '0' });
  });
});
