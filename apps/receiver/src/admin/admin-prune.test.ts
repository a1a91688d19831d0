/** `POST /admin/api/prune`: retention on demand, with a dry run first. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { bearer, startAdminReceiver } from './test-support/admin-test-receiver.js';

const DAY_MS = 86_400_000;

describe('POST /admin/api/prune', () => {
  let receiver: TestReceiver;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const store = receiver.app.store;
    const ingest = async (daysAgo: number, key: string, handlers: string[]) =>
      (
        await store.ingest(
          jsonDelivery({ receivedAt: new Date(Date.now() - daysAgo * DAY_MS) }),
          [{ dedupeKey: `order:${key}`, subjectId: key, payload: { innerId: key } }],
          handlers,
        )
      ).deliveryId;
    ids.old = await ingest(40, '1', []);
    ids.oldPending = await ingest(40, '2', ['log']);
    ids.recent = await ingest(5, '3', []);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function prune(body: unknown) {
    const response = await fetch(`${receiver.baseUrl}/admin/api/prune`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('counts in a dry run, then deletes what is older than olderThanDays and not unfinished', async () => {
    const dry = await prune({ olderThanDays: 30, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ ok: true, dryRun: true, deliveries: 1, events: 1, jobs: 0, kept: 1 });
    const before = Date.parse(String(dry.body.before));
    expect(Math.abs(before - (Date.now() - 30 * DAY_MS))).toBeLessThan(60_000);
    expect(await receiver.app.store.getDelivery(ids.old ?? '')).not.toBeNull();

    const run = await prune({ olderThanDays: 30 });
    expect(run.body).toMatchObject({ ok: true, dryRun: false, deliveries: 1, events: 1, jobs: 0, kept: 1 });
    expect(await receiver.app.store.getDelivery(ids.old ?? '')).toBeNull();
    expect(await receiver.app.store.getDelivery(ids.oldPending ?? '')).not.toBeNull();
    expect(await receiver.app.store.getDelivery(ids.recent ?? '')).not.toBeNull();
    // counted as the admin's prune (the dry run counted nothing): a dashboard sees what went
    const metrics = await (await fetch(`${receiver.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^srhooks_pruned_total\{kind="deliveries",by="admin"\} 1$/m);
    expect(metrics).toMatch(/^srhooks_pruned_total\{kind="events",by="admin"\} 1$/m);
    expect(metrics).not.toMatch(/^srhooks_pruned_total\{kind="jobs"/m);
  });

  it('takes the query string too (curl -X POST …?olderThanDays=…)', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/prune?olderThanDays=3&dryRun=1`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, dryRun: true, deliveries: 1, kept: 1 });
  });

  it.each(['olderThanDays=3&dryRun', 'olderThanDays=3&dryRun='])(
    'refuses a blank dryRun in the query (%s) instead of pruning for real',
    async (query) => {
      const response = await fetch(`${receiver.baseUrl}/admin/api/prune?${query}`, {
        method: 'POST',
        headers: bearer(),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ ok: false, error: { field: 'dryRun' } });
      expect(await receiver.app.store.getDelivery(ids.oldPending ?? '')).not.toBeNull();
      expect(await receiver.app.store.getDelivery(ids.recent ?? '')).not.toBeNull();
    },
  );

  it.each([
    [
      { olderThanDays: '30' },
      'olderThanDays',
      'body.olderThanDays: must be a JSON number, not the text "30"; send "olderThanDays": 30 without quotes',
    ],
    [
      { olderThanDays: 30, dryRun: 'true' },
      'dryRun',
      'body.dryRun: must be a JSON boolean, not the text "true"; send "dryRun": true without quotes',
    ],
    [
      { olderThanDays: 30, dryRun: '0' },
      'dryRun',
      'body.dryRun: must be a JSON boolean, not the text "0"; send "dryRun": false without quotes',
    ],
    [
      { olderThanDays: 30, includeDeadLetters: 'false' },
      'includeDeadLetters',
      'body.includeDeadLetters: must be a JSON boolean, not the text "false"; send "includeDeadLetters": false without quotes',
    ],
  ])(
    'refuses %j in a JSON body (text where JSON has a number or boolean) with 400 naming the field',
    async (body, field, message) => {
      const answer = await prune(body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        ok: false,
        error: { code: 'invalid_request', message, in: 'body', field },
      });
      expect(await receiver.app.store.getDelivery(ids.oldPending ?? '')).not.toBeNull();
      expect(await receiver.app.store.getDelivery(ids.recent ?? '')).not.toBeNull();
    },
  );

  it('takes text in the query string (olderThanDays=3&dryRun=true&includeDeadLetters=false)', async () => {
    const response = await fetch(
      `${receiver.baseUrl}/admin/api/prune?olderThanDays=3&dryRun=true&includeDeadLetters=false`,
      { method: 'POST', headers: bearer() },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, dryRun: true, deliveries: 1, kept: 1 });
  });

  it.each([
    [{}, 'olderThanDays'],
    [{ olderThanDays: 0 }, 'olderThanDays'],
    [{ olderThanDays: 'soon' }, 'olderThanDays'],
    [{ olderThanDays: 30, dryRun: 'maybe' }, 'dryRun'],
    [{ olderThanDays: 30, everything: true }, ''],
  ])('refuses %j with 400 naming the field', async (body, field) => {
    const answer = await prune(body);
    expect(answer.status).toBe(400);
    const error = answer.body.error as { code: string; field?: string; message: string };
    if (field) expect(error.field).toBe(field);
    expect(error.message.length).toBeGreaterThan(10);
    expect(await receiver.app.store.getDelivery(ids.recent ?? '')).not.toBeNull();
  });
});
