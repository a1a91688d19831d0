/**
 * The sandbox-only order-list setting (`PUT /{shop}/_sandbox/order-list`): ShopRenter documents no order
 * for `GET /orders`, so recovery is tested under several. Over real HTTP: the default is by inner id, as
 * before; the other sorts and a capped page size are what the API then answers, pages included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../test-support/test-sandbox.js';

interface Listed {
  innerId: string;
  dateUpdated: string;
}

describe('GET /orders in the order the sandbox-only order-list setting says', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
    for (let i = 0; i < 6; i++) await sb.simulator.placeOrder('demo');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Order 2 changes a second later: its dateUpdated is the newest.
    await sb.simulator.changeStatus('demo', '2', '2');
  });
  afterAll(async () => {
    await sb.close();
  });

  async function setting(body: unknown) {
    return sb.call('PUT', '/demo/_sandbox/order-list', { body });
  }

  async function list(
    query = 'limit=200&full=1',
  ): Promise<{ items: Listed[]; body: Record<string, unknown> }> {
    const res = await sb.api('GET', `/orders?${query}`);
    expect(res.status).toBe(200);
    return { items: res.json().items, body: res.json() };
  }

  const ids = (items: Listed[]) => items.map((o) => o.innerId);

  it('lists by inner id by default, and after {} again', async () => {
    expect((await sb.call('GET', '/demo/_sandbox/order-list')).json()).toEqual({
      orderList: { sort: 'innerId', seed: 1, maxPageSize: null },
    });
    expect(ids((await list()).items)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect((await setting({ sort: 'dateUpdatedDesc' })).status).toBe(200);
    expect((await setting({})).json().orderList.sort).toBe('innerId');
    expect(ids((await list()).items)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it.each([
    ['dateUpdatedAsc', 1],
    ['dateUpdatedDesc', -1],
  ] as const)('%s: by dateUpdated (to the second), ties by inner id', async (sort, direction) => {
    expect((await setting({ sort })).json().orderList.sort).toBe(sort);
    const { items } = await list();
    expect(items.map((o) => o.innerId).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1] as Listed, items[i] as Listed];
      const byTime = a.dateUpdated.localeCompare(b.dateUpdated) * direction;
      expect(
        byTime < 0 || (byTime === 0 && Number(a.innerId) < Number(b.innerId)),
        `${a.innerId} before ${b.innerId}`,
      ).toBe(true);
    }
    expect(sort === 'dateUpdatedAsc' ? items.at(-1)?.innerId : items[0]?.innerId).toBe('2');
  });

  it('random: a shuffle fixed by the seed, the same from request to request', async () => {
    const orders: string[][] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      await setting({ sort: 'random', seed });
      const first = ids((await list()).items);
      expect(ids((await list()).items)).toEqual(first);
      expect([...first].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
      orders.push(first);
    }
    expect(orders.some((order) => order.join() !== '1,2,3,4,5,6')).toBe(true);
    expect(new Set(orders.map((order) => order.join())).size).toBeGreaterThan(1);
  });

  it('maxPageSize caps a page whatever limit asks; the pages together are the whole list', async () => {
    await setting({ sort: 'dateUpdatedDesc', maxPageSize: 4 });
    const first = await list('limit=200&full=1&page=0');
    const second = await list('limit=200&full=1&page=1');
    expect(first.items).toHaveLength(4);
    expect(first.body.limit).toBe('4');
    expect(String((first.body.next as { href: string }).href)).toContain('page=1&limit=4');
    expect(second.items).toHaveLength(2);
    expect(second.body.next).toBeNull();
    await setting({ sort: 'dateUpdatedDesc' });
    expect([...ids(first.items), ...ids(second.items)]).toEqual(ids((await list()).items));
  });

  it.each([
    [{ sort: 'newest' }, /sort "newest" is not one of innerId, dateUpdatedAsc, dateUpdatedDesc, random/],
    [{ order: 'asc' }, /Unknown order-list setting\(s\) order; known: sort, seed, maxPageSize/],
    [{ maxPageSize: 0 }, /maxPageSize must be a whole number from 1 to 200/],
    [{ seed: 'x' }, /seed must be a whole number/],
    [['innerId'], /must be a JSON object/],
  ])('refuses %j with what to fix, and keeps the setting', async (body, message) => {
    await setting({ sort: 'dateUpdatedAsc' });
    const res = await setting(body);
    expect(res.status).toBe(400);
    expect(res.json().message).toMatch(message);
    expect(res.text).not.toMatch(/\n\s+at /);
    expect((await sb.call('GET', '/demo/_sandbox/order-list')).json().orderList.sort).toBe('dateUpdatedAsc');
  });
});
