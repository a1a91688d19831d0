/**
 * A forward target answering 410 Gone disables its handler. The reason stored with the handler's state
 * and returned by GET /admin/api/handlers is shown unmasked (admin API, inspector), so it must not quote
 * the target's answer body, which may echo the customer (an ERP answering "order of Kovács Éva,
 * eva@example.hu: endpoint removed"). It names the status and the target's host; the attempt that got
 * the 410 keeps the answer in its own log (personal data, masked in views). Real receiver and worker,
 * real HTTP target, both engines.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { ingestSamples } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { type RunningTarget, startTarget } from './test-support/webhook-target.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const ANSWER_BODY = 'order 1000 of Kovács Éva (eva.kovacs@example.hu, +36 30 123 4567): endpoint removed';
const newSchema = testSchemas('rcv_disabled');

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe.each<[string, () => Partial<ReceiverConfigInput>]>([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() })],
])('a handler disabled by a 410 on %s', (_engine, storeConfig) => {
  it('stores and returns a reason with the status and the target host, without the answer body', async () => {
    const target: RunningTarget = await startTarget(() => ({ status: 410, body: ANSWER_BODY }));
    closers.push(() => target.close());
    const receiver: TestReceiver = await startTestReceiver(
      {
        ...storeConfig(),
        adminToken: ADMIN_TOKEN,
        logLevel: 'silent',
        handlers: {
          erp: {
            type: 'forward',
            url: `${target.url}/hooks/erp?shop=demo`,
            secret: `whsec_${randomBytes(32).toString('base64')}`,
            allowPrivateTargets: true,
            // One job at a time: the others are claimed (prefetched) and handed back when it disables.
            concurrency: 1,
          },
        },
        shops: [{ name: 'demo', handlers: ['erp'] }],
      },
      { processing: { pollIntervalMs: 100 } },
    );
    closers.push(() => receiver.close());

    const { events } = await ingestSamples(receiver.app.store, {
      handlers: ['erp'],
      receivedAt: new Date(),
      count: 3,
    });
    const states = () => receiver.app.store.listHandlerStates();
    await waitFor(
      async () =>
        (await states()).some((state) => state.disabled) &&
        (await receiver.app.store.countJobs()).running === 0,
      'the handler to be disabled and no job to be running',
    );

    const stored = (await states()).find((state) => state.handler === 'erp');
    const response = await fetch(`${receiver.baseUrl}/admin/api/handlers`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const listed = ((await response.json()) as { items: Array<{ name: string; reason: string | null }> })
      .items;
    const returned = listed.find((item) => item.name === 'erp');
    for (const reason of [stored?.reason, returned?.reason]) {
      expect(reason).toContain('410');
      expect(reason).toContain(`127.0.0.1:${target.port}`);
      expect(reason).not.toContain('endpoint removed');
      expect(reason).not.toContain('Kovács');
      expect(reason).not.toContain('eva.kovacs');
      // The path and query may carry data of their own; the host says which target it was.
      expect(reason).not.toContain('shop=demo');
    }
    expect(returned?.reason).toBe(stored?.reason);

    // The attempt that got the 410 keeps the answer (its log is masked personal data); the jobs handed
    // back unrun get the reason without the body.
    const attempts = (
      await Promise.all(events.map(async (event) => (await receiver.app.store.getEvent(event.id))?.jobs[0]))
    ).flatMap((job) => job?.attemptLog ?? []);
    expect(attempts.filter((attempt) => attempt.statusCode === 410)).toHaveLength(1);
    expect(attempts.find((attempt) => attempt.statusCode === 410)?.error).toContain('endpoint removed');
    const released = attempts.filter((attempt) => attempt.outcome === 'released');
    expect(released.length).toBeGreaterThan(0);
    for (const attempt of released) expect(attempt.error).not.toContain('endpoint removed');
  });
});
