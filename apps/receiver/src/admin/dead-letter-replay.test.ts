/**
 * "Replay dead letters" replays every dead letter the filter matches: more than the store's 10,000 per
 * call too (it replayed the newest 10,000 and said nothing of the rest). The list pages by cursor (50 a
 * page unless `limit`, at most 500, as deliveries and events) and reports the filter's total. Real receiver (HTTP, tmp SQLite), the admin API with the bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, MAX_DEAD_LETTERS, MAX_PAGE_SIZE } from '../store/list-query.js';
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

  it('lists them by pages of 50 (up to 500) with nextCursor and the total', async () => {
    type Page = { items: Array<{ job: { id: string } }>; nextCursor: string | null; total: number };
    const get = async (query: string) =>
      (await (
        await fetch(`${receiver.baseUrl}/admin/api/dead-letters${query}`, { headers: bearer() })
      ).json()) as Page;
    // no limit: one default page (as deliveries and events), not every dead letter there is
    const first = await get('');
    expect(first.items).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(first.total).toBe(DEAD);
    expect(first.nextCursor).toMatch(/^dead_/);
    // the largest page, then by cursor to the end: every dead letter once
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`?limit=${MAX_PAGE_SIZE}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(MAX_PAGE_SIZE);
      for (const { job } of page.items) seen.add(job.id);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen.size).toBe(DEAD);
    expect(pages).toBe(Math.ceil(DEAD / MAX_PAGE_SIZE));
    const refused = await fetch(`${receiver.baseUrl}/admin/api/dead-letters?cursor=dlv_01abc`, {
      headers: bearer(),
    });
    expect(refused.status).toBe(400);
    const tooMany = await fetch(`${receiver.baseUrl}/admin/api/dead-letters?limit=${MAX_PAGE_SIZE + 1}`, {
      headers: bearer(),
    });
    expect(tooMany.status).toBe(400);
  });

  it('replays all of them, not the newest 10,000', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/dead-letters/replay`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { replayed: number }).replayed).toBe(DEAD);
    expect(await receiver.app.store.countDeadLetters()).toBe(0);
  });
});
