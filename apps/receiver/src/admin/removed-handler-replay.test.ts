/**
 * Dead letters and jobs of a handler since removed from the config: nothing runs them again, so a
 * replay of every dead letter or of every handler of an event leaves them as they are (listed as dead
 * letters, where the operator sees them) instead of queueing them as pending for ever — replay said
 * "queued", `dead-letters list` then showed none, the event stayed `pending`, `srhooks_jobs_waiting`
 * never went down and retention kept the delivery as unfinished work. Real receiver (HTTP, tmp
 * SQLite), the admin API with the bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDelivery } from '../store/test-support/store-contract.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { bearer, SHOP, startAdminReceiver } from './test-support/admin-test-receiver.js';

type Json = Record<string, unknown>;

describe('replay with a handler removed from the config', () => {
  let receiver: TestReceiver;
  let eventId = '';

  async function call(path: string, body?: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${receiver.baseUrl}/admin/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...bearer(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  const handlersOf = (body: Json) =>
    (body.jobs as Array<{ handler: string }>).map((job) => job.handler).sort();

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [{ name: SHOP, handlers: ['log', 'print'] }],
      handlers: { log: { type: 'log' }, print: { type: 'log' } },
    });
    // Stored while the config still had `gone` (and not yet `print`); both jobs died.
    const ingested = await receiver.app.store.ingest(
      jsonDelivery({ receivedAt: new Date() }),
      [{ dedupeKey: 'order:removed-handler', subjectId: '77', payload: { innerId: '77' } }],
      ['log', 'gone'],
    );
    eventId = ingested.events[0]?.id ?? '';
    const claimed = await receiver.app.store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000 });
    expect(claimed).toHaveLength(2);
    for (const job of claimed) {
      await receiver.app.store.failJob(job.id, { attempt: job.attempt, error: 'down', deadLetter: true });
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('replaying every dead letter replays the configured handlers only; the removed one stays a dead letter', async () => {
    const replay = await call('/dead-letters/replay', '{}');
    expect(replay.status).toBe(200);
    expect(handlersOf(replay.body)).toEqual(['log']);
    expect(replay.body.replayed).toBe(1);
    // said beside the count, so "1 replayed" is not read as "no dead letters left"
    expect(replay.body.notReplayed).toEqual([{ handler: 'gone', deadLetters: 1 }]);
    const gone = await call('/dead-letters?handler=gone');
    expect(gone.body.total).toBe(1);
    expect((await receiver.app.store.countJobs()).pending).toBe(1);
  });

  it("replaying an event's handlers leaves the removed handler's job as it is", async () => {
    const replay = await call(`/events/${eventId}/replay`, '{}');
    expect(replay.status).toBe(200);
    expect(handlersOf(replay.body)).toEqual(['log', 'print']);
    const gone = await call('/dead-letters?handler=gone');
    expect(gone.body.total).toBe(1);
    const event = await receiver.app.store.getEvent(eventId);
    expect(event?.jobs.find((job) => job.handler === 'gone')?.status).toBe('dead');
  });
});
