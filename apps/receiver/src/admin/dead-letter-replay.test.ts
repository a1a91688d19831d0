/**
 * "Replay dead letters" replays every dead letter the filter matches: more than the store's 10,000 per
 * call too (it replayed the newest 10,000 and said nothing of the rest). The list pages by cursor and
 * reports the filter's total. Real receiver (HTTP, tmp SQLite), the admin API with the bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DEAD_LETTERS } from '../store/list-query.js';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { bearer, startAdminReceiver } from './test-support/admin-test-receiver.js';

const DEAD = MAX_DEAD_LETTERS + 5;

describe('dead letters beyond one store call', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const store = receiver.app.store;
    const events = Array.from({ length: DEAD }, (_, index) => ({
      dedupeKey: `order:${index}`,
      subjectId: String(index),
      payload: { innerId: String(index) },
    }));
    await store.ingest(jsonDelivery(), events, ['log']);
    const now = new Date();
    for (;;) {
      const claimed = await store.claimJobs({ workerId: 'w', limit: 500, leaseMs: 600_000, now });
      if (claimed.length === 0) break;
      await Promise.all(
        claimed.map((job) =>
          store.failJob(job.id, { attempt: job.attempt, error: 'no', deadLetter: true, now }),
        ),
      );
    }
    expect(await store.countDeadLetters()).toBe(DEAD);
  }, 120_000);

  afterAll(async () => {
    await receiver?.close();
  });

  it('lists them by pages with nextCursor and the total', async () => {
    const first = (await (
      await fetch(`${receiver.baseUrl}/admin/api/dead-letters?limit=10000`, { headers: bearer() })
    ).json()) as { items: unknown[]; nextCursor: string | null; total: number };
    expect(first.items).toHaveLength(10_000);
    expect(first.total).toBe(DEAD);
    expect(first.nextCursor).toMatch(/^dead_/);
    const second = (await (
      await fetch(`${receiver.baseUrl}/admin/api/dead-letters?cursor=${first.nextCursor}`, {
        headers: bearer(),
      })
    ).json()) as { items: unknown[]; nextCursor: string | null; total: number };
    expect(second.items).toHaveLength(5);
    expect(second.nextCursor).toBeNull();
    const refused = await fetch(`${receiver.baseUrl}/admin/api/dead-letters?cursor=dlv_01abc`, {
      headers: bearer(),
    });
    expect(refused.status).toBe(400);
  });

  it('replays all of them, not the newest 10,000', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/dead-letters/replay`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { replayed: number }).replayed).toBe(DEAD);
    expect(await receiver.app.store.countDeadLetters()).toBe(0);
  }, 60_000);
});
