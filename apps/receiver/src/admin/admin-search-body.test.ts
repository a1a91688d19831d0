/**
 * `POST /admin/api/deliveries/search` and `/events/search`: the lists' filters in a JSON body, so what is
 * searched for (a customer's e-mail) stands in no address a reverse proxy would log; the same answers as
 * the GET lists, the same refusals, named as body fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

interface ListAnswer {
  ok: boolean;
  items: Array<{ id: string }>;
  nextCursor: string | null;
  error?: { code: string; message: string; in?: string; field?: string };
}

describe('admin API: list filters in a JSON body', () => {
  let receiver: TestReceiver;
  let deliveryId = '';

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    await postDelivery(receiver, orderDelivery([order(1)]));
    const posted = await postDelivery(
      receiver,
      orderDelivery([
        order(2, { email: 'bodysearch.kovacs@example.com', firstname: 'Éva', lastname: 'Kovács' }),
      ]),
    );
    deliveryId = posted.body.deliveryId;
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function search(list: string, body: unknown, query = '', type = 'application/json') {
    const response = await fetch(`${receiver.baseUrl}/admin/api/${list}/search${query}`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, answer: (await response.json()) as ListAnswer };
  }

  async function list(list: string, query: string): Promise<ListAnswer> {
    const response = await fetch(`${receiver.baseUrl}/admin/api/${list}?${query}`, { headers: bearer() });
    return (await response.json()) as ListAnswer;
  }

  it.each(['deliveries', 'events'])('%s: finds what the GET list finds, from the body', async (name) => {
    const { status, answer } = await search(name, { q: 'bodysearch.kovacs', limit: 10 });
    expect(status).toBe(200);
    expect(answer.items).toHaveLength(1);
    // the same answer; the deliveries list's asOf is the time each was read
    const { asOf, ...found } = answer as typeof answer & { asOf?: string };
    const { asOf: listedAsOf, ...listed } = (await list(
      name,
      'q=bodysearch.kovacs&limit=10',
    )) as typeof answer & {
      asOf?: string;
    };
    expect(found).toEqual(listed);
    expect(typeof asOf).toBe(name === 'deliveries' ? 'string' : 'undefined');
    expect(typeof listedAsOf).toBe(typeof asOf);
    if (name === 'deliveries') expect(answer.items[0]?.id).toBe(deliveryId);
    // no search: every item, as the GET list without filters
    const all = await search(name, {});
    expect(all.answer.items).toHaveLength(2);
  });

  it('refuses a query string beside the body, naming it', async () => {
    const { status, answer } = await search('events', { shop: 'demo' }, '?q=kovacs');
    expect(status).toBe(400);
    expect(answer.error).toMatchObject({ code: 'invalid_request', in: 'query', field: 'q' });
    expect(answer.error?.message).toContain('send every filter in its JSON body');
  });

  it.each([
    ['a list', '[]', 'application/json', 'this one was a list'],
    ['null', 'null', 'application/json', 'this one was null'],
    ['text', 'q=kovacs', 'text/plain', 'this one was text/plain'],
  ])('refuses a body that is %s', async (_what, body, type, words) => {
    const { status, answer } = await search('deliveries', body, '', type);
    expect(status).toBe(400);
    expect(answer.error?.code).toBe('invalid_request');
    expect(answer.error?.message).toContain(`body: must be a JSON object of the list's filters`);
    expect(answer.error?.message).toContain(words);
  });

  it.each([
    [{ colour: 'blue' }, 'colour', 'body: unknown field colour'],
    [{ limit: 0 }, 'limit', 'body.limit: must be at least 1'],
    [{ q: ['a', 'b'] }, 'q', 'body.q:'],
    [{ cursor: 'evt_01abc' }, 'cursor', "body.cursor: must be this list's nextCursor"],
  ])('refuses %j as the GET list refuses it, as a body field', async (body, field, message) => {
    const { status, answer } = await search('deliveries', body);
    expect(status).toBe(400);
    expect(answer.error).toMatchObject({ code: 'invalid_request', in: 'body', field });
    expect(answer.error?.message).toContain(message);
  });
});
