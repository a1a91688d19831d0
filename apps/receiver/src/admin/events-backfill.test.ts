/**
 * `POST /admin/api/events/backfill`: a window's events replayed to one handler — a handler added after
 * they arrived (`missingOnly`), or one whose target lost them. Real receiver (HTTP, tmp SQLite), the
 * test plays the worker through the store; the cap on a real store with a small limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerConfig } from '../config/config-schema.js';
import { HandlerRegistry } from '../handlers/handler-registry.js';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { AdminApiError } from './admin-errors.js';
import { backfillEvents } from './events-backfill.js';
import { bearer, startAdminReceiver } from './test-support/admin-test-receiver.js';

const HOUR_MS = 3_600_000;

/** The answer: a backfill's result, or a refusal's error. */
interface Answer {
  ok: boolean;
  events?: number;
  error: { code: string; message: string };
}
const T = Date.parse('2026-11-02T00:00:00Z');
const at = (hours: number) => new Date(T + hours * HOUR_MS);

describe('POST /admin/api/events/backfill', () => {
  let receiver: TestReceiver;
  const events: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [
        { name: 'demo', handlers: ['log', 'erp'] },
        { name: 'other', handlers: ['log'] },
      ],
      handlers: { log: { type: 'log' }, erp: { type: 'log', events: ['order_confirm'] } as HandlerConfig },
    });
    const { store } = receiver.app;
    // What arrived before erp was configured: jobs for log only.
    const ingest = async (
      key: string,
      hours: number,
      overrides: Record<string, unknown> = {},
      handlers = ['log'],
    ) => {
      const result = await store.ingest(
        jsonDelivery({ receivedAt: at(hours), ...overrides }),
        [{ dedupeKey: `order:${key}`, subjectId: key, payload: { innerId: key } }],
        handlers,
      );
      events[key] = result.events[0]?.id ?? '';
      return result;
    };
    await ingest('before', -1); // outside the window
    await ingest('a', 1);
    await ingest('b', 2);
    const duplicate = await store.ingest(
      jsonDelivery({ receivedAt: at(3) }),
      [{ dedupeKey: 'order:b', subjectId: 'b', payload: { innerId: 'b' } }],
      ['log'],
    );
    expect(duplicate.events[0]?.duplicateOf).toBe(events.b);
    await ingest('held', 4);
    await store.setEventVerification(events.held ?? '', { status: 'mismatched', detail: 'test' });
    await ingest('other-shop', 5, { shop: 'other' });
    await ingest('status', 6, { event: 'order_status_change' });
    await ingest('erp-done', 7, {}, ['log', 'erp']);
    await ingest('erp-waiting', 8, {}, ['log', 'erp']);
    await ingest('after', 30); // after the window's end
    for (const job of await store.claimJobs({ workerId: 'test', limit: 50, leaseMs: 60_000 })) {
      if (job.handler === 'erp' && job.eventId === events['erp-waiting']) {
        await store.failJob(job.id, {
          attempt: job.attempt,
          error: 'x',
          retryAt: new Date(Date.now() + HOUR_MS),
        });
      } else {
        await store.completeJob(job.id, { attempt: job.attempt });
      }
    }
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function backfill(body: unknown, query = '') {
    const response = await fetch(`${receiver.baseUrl}/admin/api/events/backfill${query}`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer };
  }

  async function erpJob(key: string) {
    const event = await receiver.app.store.getEvent(events[key] ?? '');
    return event?.jobs.find((job) => job.handler === 'erp') ?? null;
  }

  const window = { handler: 'erp', from: at(0).toISOString(), to: at(24).toISOString() };

  it('counts in a dry run what it would replay and why it leaves the rest out, replaying nothing', async () => {
    const dry = await backfill({ ...window, missingOnly: true, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({
      ok: true,
      dryRun: true,
      handler: 'erp',
      from: at(0).toISOString(),
      to: at(24).toISOString(),
      events: 2,
      skipped: { duplicate: 1, erased: 0, held: 1, notRouted: 2, uninstalled: 0, waiting: 1, hasJob: 1 },
      handlerDisabledBy: null,
    });
    expect(await erpJob('a')).toBeNull();
  });

  it('with missingOnly, gives each event without a job of the handler one, and touches nothing else', async () => {
    const run = await backfill({ ...window, missingOnly: true });
    expect(run.body).toMatchObject({ ok: true, dryRun: false, events: 2 });
    expect(await erpJob('a')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await erpJob('b')).toMatchObject({ status: 'pending', attempts: 0 });
    for (const untouched of ['before', 'held', 'other-shop', 'status', 'after']) {
      expect(await erpJob(untouched)).toBeNull();
    }
    expect(await erpJob('erp-done')).toMatchObject({ status: 'succeeded' });
    expect(await erpJob('erp-waiting')).toMatchObject({ status: 'pending', failures: 1 });
    // The held event stays held: release it after checking it.
    expect((await receiver.app.store.getEvent(events.held ?? ''))?.held).toBe(true);

    // Again at once: what it queued waits to run, so nothing is queued twice.
    const again = await backfill({ ...window, missingOnly: true });
    expect(again.body).toMatchObject({ events: 0, skipped: { waiting: 3, hasJob: 1 } });
  });

  it('without missingOnly, replays a job that already ran as well (its target lost it)', async () => {
    const run = await backfill({ ...window, shop: 'demo', event: 'order_confirm' }, '');
    expect(run.body).toMatchObject({ events: 1, skipped: { waiting: 3, hasJob: 0 } });
    expect(await erpJob('erp-done')).toMatchObject({ status: 'pending' });
  });

  it('says when the handler is disabled (its jobs wait until it is enabled)', async () => {
    await receiver.app.store.disableHandler('erp', { reason: 'test', by: 'operator' });
    try {
      const dry = await backfill({ ...window, dryRun: true });
      expect(dry.body).toMatchObject({ ok: true, handlerDisabledBy: 'operator' });
    } finally {
      await receiver.app.store.enableHandler('erp');
    }
  });

  it('takes the query string too (curl -X POST …?handler=…&from=…&dryRun=1)', async () => {
    const response = await fetch(
      `${receiver.baseUrl}/admin/api/events/backfill?handler=erp&from=2026-11-02&to=2026-11-03&dryRun=1`,
      { method: 'POST', headers: bearer() },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, dryRun: true, handler: 'erp' });
  });

  it('refuses a request without a handler or a start, or naming a handler that is not configured', async () => {
    const noHandler = await backfill({ from: window.from });
    expect(noHandler.status).toBe(400);
    expect(noHandler.body.error.message).toContain('handler: is required');
    const blank = await backfill({ handler: '', from: window.from });
    expect(blank.body.error.message).toContain('handler: must not be blank');
    const noFrom = await backfill({ handler: 'erp' });
    expect(noFrom.status).toBe(400);
    expect(noFrom.body.error.message).toContain('from: is required');
    const unknown = await backfill({ ...window, handler: 'erq' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', in: 'body', field: 'handler' });
    expect(unknown.body.error.message).toContain('configured handlers: log, erp');
    const unknownInQuery = await fetch(
      `${receiver.baseUrl}/admin/api/events/backfill?handler=erq&from=${window.from}`,
      { method: 'POST', headers: bearer() },
    );
    expect(((await unknownInQuery.json()) as Answer).error).toMatchObject({
      code: 'unknown_handler',
      in: 'query',
      field: 'handler',
    });
    const text = await backfill({ ...window, dryRun: 'true' });
    expect(text.body.error.message).toContain('send "dryRun": true without quotes');
    const future = await backfill({ handler: 'erp', from: new Date(Date.now() + HOUR_MS).toISOString() });
    expect(future.status).toBe(400);
    expect(future.body.error.message).toContain('from: must be earlier than to (or than now, without to)');
  });

  it('refuses a start not before now (no to) as every refused field is: its part and field named', async () => {
    const body = await backfill({ handler: 'erp', from: new Date(Date.now() + HOUR_MS).toISOString() });
    expect(body.status).toBe(400);
    expect(body.body.error).toEqual({
      code: 'invalid_request',
      message: 'body.from: must be earlier than to (or than now, without to)',
      in: 'body',
      field: 'from',
    });
    // The same options as a query string (curl -X POST …?handler=…&from=…): named as the query's.
    const response = await fetch(
      `${receiver.baseUrl}/admin/api/events/backfill?handler=erp&from=2099-01-01`,
      { method: 'POST', headers: bearer() },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as Answer).error).toEqual({
      code: 'invalid_request',
      message: 'query.from: must be earlier than to (or than now, without to)',
      in: 'query',
      field: 'from',
    });
  });

  it('refuses a window with more events than the limit before replaying any of them', async () => {
    const deps = {
      store: receiver.app.store,
      handlers: new HandlerRegistry({
        shops: [{ name: 'demo', handlers: ['erp'] } as never],
        handlers: { erp: { type: 'log' } as HandlerConfig },
      }),
      uninstalledInStore: async () => false,
      call: <T>(_operation: string, call: Promise<T>) => call,
    };
    const request = { handler: 'erp', from: at(-2), to: at(48), missingOnly: true };
    const refused = backfillEvents(deps, request, { maxEvents: 1 });
    await expect(refused).rejects.toThrow(AdminApiError);
    await expect(refused).rejects.toThrow(
      /More than 1 events in this window would be replayed to erp; nothing was replayed/,
    );
    expect(await erpJob('before')).toBeNull();
    expect(await erpJob('after')).toBeNull();
  });
});
