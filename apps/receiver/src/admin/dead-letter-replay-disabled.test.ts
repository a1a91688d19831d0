/**
 * `POST /admin/api/dead-letters/replay` of a disabled handler says so, as backfill's answer does:
 * `handlerDisabledBy` (`target` or `operator`, else null) for the `handler` replayed; without a
 * `handler`, `disabledHandlers` lists the disabled handlers whose dead letters were replayed. Their
 * jobs wait until the handler is enabled; before, the answer did not say so. Real receiver (HTTP, tmp
 * SQLite), the admin API with the bearer token.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { bearer, startAdminReceiver } from './test-support/admin-test-receiver.js';

describe('dead-letter replay of a disabled handler', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [{ name: 'demo', handlers: ['log', 'erp'] }],
      handlers: { log: { type: 'log' }, erp: { type: 'log' } },
    });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  let counter = 0;
  beforeEach(async () => {
    const { store } = receiver.app;
    counter += 1;
    const key = `k${counter}`;
    await store.ingest(
      jsonDelivery(),
      [{ dedupeKey: `order:${key}`, subjectId: key, payload: {} }],
      ['log', 'erp'],
    );
    const now = new Date();
    for (const job of await store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 600_000, now })) {
      await store.failJob(job.id, { attempt: job.attempt, error: 'no', deadLetter: true, now });
    }
  });

  const replay = async (query: string) => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/dead-letters/replay${query}`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  it('says who disabled the handler replayed, as backfill does', async () => {
    await receiver.app.store.disableHandler('erp', { reason: 'maintenance', by: 'operator' });
    try {
      expect(await replay('?handler=erp')).toMatchObject({
        ok: true,
        handlerDisabledBy: 'operator',
        disabledHandlers: [],
      });
    } finally {
      await receiver.app.store.enableHandler('erp');
    }
  });

  it('says null for an enabled handler', async () => {
    expect(await replay('?handler=erp')).toMatchObject({ ok: true, handlerDisabledBy: null });
  });

  it('without a handler, lists the disabled handlers whose dead letters were replayed', async () => {
    await receiver.app.store.disableHandler('erp', { reason: 'gone', by: 'target' });
    try {
      expect(await replay('')).toMatchObject({
        ok: true,
        handlerDisabledBy: null,
        disabledHandlers: [{ handler: 'erp', disabledBy: 'target' }],
      });
    } finally {
      await receiver.app.store.enableHandler('erp');
    }
  });
});
