/**
 * `/ui/dead-letters` with dead letters of a handler since removed from the config: "Replay all" does
 * not replay those (nothing would run them), so its count leaves them out and the page says why they
 * stay; filtered to that handler, the page offers no replay (the receiver would refuse it). Real
 * receiver (HTTP, tmp SQLite); the test plays the worker through the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  pageText,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('dead-letters page with a handler removed from the config', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await loginAsBrowser(receiver);
    await receiver.app.store.ingest(
      jsonDelivery({ receivedAt: new Date() }),
      [{ dedupeKey: 'order:removed-handler-page', subjectId: '5', payload: { innerId: '5' } }],
      ['log', 'gone'],
    );
    const claimed = await receiver.app.store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000 });
    expect(claimed).toHaveLength(2);
    for (const job of claimed) {
      await receiver.app.store.failJob(job.id, { attempt: job.attempt, error: 'down', deadLetter: true });
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const page = (path: string): Promise<string> => pageText(receiver.baseUrl, browser.cookie, path);

  it('"Replay all" counts the dead letters it replays and says which stay, and why', async () => {
    const text = await page('/ui/dead-letters');
    expect(text).toContain('2 of 2 dead letters');
    expect(text).toContain('Replay all 1 dead letter<');
    expect(text).toContain(
      '1 dead letter of handler gone stays: that handler is no longer configured, so nothing would run it; configure it again to replay it.',
    );
  });

  it('offers no replay for the removed handler alone', async () => {
    const text = await page('/ui/dead-letters?handler=gone');
    expect(text).toContain('1 of 1 dead letter matching this filter');
    expect(text).not.toContain('/dead-letters/replay');
    expect(text).toContain('1 dead letter of handler gone stays');
  });
});
