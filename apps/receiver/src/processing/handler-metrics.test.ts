/**
 * Handler metrics on GET /metrics, in a real receiver with forward handlers and a real HTTP target:
 * `srhooks_handler_attempts_total` counts each attempt by the worker's final decision as the store
 * applied it (a 500 with no retry left is `dead`, not `retry`; an attempt whose outcome the store
 * ignored because it no longer held its job is `stale`), and the backlog gauges (dead letters, waiting
 * jobs per handler) are read from the store, so another receiver on the same database reports the same
 * figures.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { ingestSamples, tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { type RunningTarget, startTarget } from './test-support/webhook-target.js';

const tmp = tempDir('handler-metrics');
const newSchema = testSchemas('rcv_handler_metrics');
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(() => tmp.cleanup());

function config(db: string, target: RunningTarget) {
  const forward = (retry: Record<string, unknown>) => ({
    type: 'forward' as const,
    url: `${target.url}/hook`,
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    allowPrivateTargets: true,
    retry,
  });
  return defineReceiverConfig({
    secrets: ['test-secret-0123456789abcdef'],
    db,
    logLevel: 'silent',
    handlers: {
      // No retries: the first 500 dead-letters the job.
      dead: forward({ delays: [] }),
      // One retry an hour later: the job waits.
      later: forward({ delays: ['1h'], jitter: 0 }),
      // Configured, never given a job: reported as 0.
      idle: forward({ delays: [] }),
    },
    shops: [{ name: 'demo', handlers: ['dead', 'later', 'idle'] }],
  });
}

function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

it('counts attempts by final decision and reports dead letters and waiting jobs from the store', async () => {
  const target = await startTarget(() => ({ status: 500 }));
  closers.push(() => target.close());
  const db = join(tmp.dir, 'metrics.db');
  const app = await buildReceiver(config(db, target), { defaultMetrics: false });
  closers.push(() => app.close());
  await app.ready();

  await ingestSamples(app.store, { handlers: ['dead', 'later'], receivedAt: new Date(), count: 3 });
  await waitFor(async () => {
    const backlog = await app.store.handlerBacklog();
    return (
      backlog.find((row) => row.handler === 'dead')?.dead === 3 &&
      backlog.find((row) => row.handler === 'later')?.waiting === 3 &&
      (await app.store.countJobs()).running === 0 &&
      // the counters follow the store's answer to each outcome write, a moment after its commit
      metric(
        (await app.inject({ method: 'GET', url: '/metrics' })).body,
        'srhooks_handler_attempts_total',
        'handler="later",type="forward",outcome="retry"',
      ) === 3
    );
  }, '3 dead letters and 3 scheduled retries');

  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const attempts = (labels: string) => metric(text, 'srhooks_handler_attempts_total', labels);
  expect(attempts('handler="dead",type="forward",outcome="dead"')).toBe(3);
  expect(attempts('handler="dead",type="forward",outcome="retry"')).toBeUndefined();
  expect(attempts('handler="later",type="forward",outcome="retry"')).toBe(3);
  expect(attempts('handler="later",type="forward",outcome="dead"')).toBeUndefined();
  expect(metric(text, 'srhooks_dead_letters', 'handler="dead"')).toBe(3);
  expect(metric(text, 'srhooks_dead_letters', 'handler="later"')).toBe(0);
  expect(metric(text, 'srhooks_dead_letters', 'handler="idle"')).toBe(0);
  expect(metric(text, 'srhooks_jobs_waiting', 'handler="dead"')).toBe(0);
  expect(metric(text, 'srhooks_jobs_waiting', 'handler="later"')).toBe(3);
  expect(metric(text, 'srhooks_jobs_waiting', 'handler="idle"')).toBe(0);

  // The next receiver on the same database (ingest only; one receiver per SQLite file, so after this
  // one stopped) reports the same backlog: the gauges are read from the store, not counted here.
  await app.close();
  const other = await buildReceiver(config(db, target), {
    defaultMetrics: false,
    processing: { enabled: false },
  });
  closers.push(() => other.close());
  await other.ready();
  const otherText = (await other.inject({ method: 'GET', url: '/metrics' })).body;
  expect(metric(otherText, 'srhooks_dead_letters', 'handler="dead"')).toBe(3);
  expect(metric(otherText, 'srhooks_jobs_waiting', 'handler="later"')).toBe(3);
  // It ran no attempts itself.
  expect(otherText).not.toContain('srhooks_handler_attempts_total{');
});

describe.each<[string, () => Partial<ReceiverConfigInput>]>([
  ['SQLite', () => ({ db: join(tmp.dir, `stale-${randomBytes(4).toString('hex')}.db`) })],
  ['PostgreSQL', () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() })],
])('a stale attempt on %s', (_engine, storeConfig) => {
  it('is counted as stale, not by the decision the store ignored', async () => {
    // The first request hangs until the forward times out (a `retry` decision); every later one succeeds.
    const target = await startTarget((_request, n) => (n === 1 ? 'hang' : { status: 200 }));
    closers.push(() => target.close());
    const app = await buildReceiver(
      defineReceiverConfig({
        ...storeConfig(),
        secrets: ['test-secret-0123456789abcdef'],
        logLevel: 'silent',
        handlers: {
          erp: {
            type: 'forward',
            url: `${target.url}/hook`,
            secret: `whsec_${randomBytes(32).toString('base64')}`,
            allowPrivateTargets: true,
            timeoutMs: 3000,
            concurrency: 2,
            retry: { delays: ['1h'], jitter: 0 },
          },
        },
        shops: [{ name: 'demo', handlers: ['erp'] }],
      }),
      { defaultMetrics: false, processing: { pollIntervalMs: 100 } },
    );
    closers.push(() => app.close());
    await app.ready();

    const { events } = await ingestSamples(app.store, { handlers: ['erp'], receivedAt: new Date() });
    const eventId = events[0]?.id ?? '';
    await waitFor(() => target.requests.length === 1, 'attempt 1 to reach the target');
    // Replayed while attempt 1 waits for its answer: attempt 2 runs and succeeds; attempt 1's timeout
    // (a retry) comes afterwards and is not applied by the store (it no longer holds the job).
    await app.store.replayEvent(eventId);
    await waitFor(async () => {
      const log = (await app.store.getEvent(eventId))?.jobs[0]?.attemptLog ?? [];
      // Attempt 1's late report is logged with the attempt, marked not applied.
      return log[1]?.outcome === 'succeeded' && (log[0]?.error ?? '').includes('(not applied)');
    }, "attempt 2's success and attempt 1's late report to be recorded");
    const job = (await app.store.getEvent(eventId))?.jobs[0];
    expect(job?.status).toBe('succeeded');
    expect(job?.attemptLog.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
      [1, 'expired'],
      [2, 'succeeded'],
    ]);

    // Counted once the worker has the store's answer (after the commit the test saw): wait for both.
    let text = '';
    const attempts = (outcome: string) =>
      metric(text, 'srhooks_handler_attempts_total', `handler="erp",type="forward",outcome="${outcome}"`);
    await waitFor(async () => {
      text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const counted = ['succeeded', 'retry', 'dead', 'disable', 'stale'].map((o) => attempts(o) ?? 0);
      return counted.reduce((sum, count) => sum + count, 0) === 2;
    }, 'both attempts to be counted');
    expect({
      succeeded: attempts('succeeded'),
      retry: attempts('retry'),
      stale: attempts('stale'),
    }).toEqual({ succeeded: 1, retry: undefined, stale: 1 });
  });
});
