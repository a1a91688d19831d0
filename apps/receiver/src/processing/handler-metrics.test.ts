/**
 * Handler metrics on GET /metrics, in a real receiver with forward handlers and a real HTTP target:
 * `srhooks_handler_attempts_total` counts each attempt by the worker's final decision (a 500 with no
 * retry left is `dead`, not `retry`), and the backlog gauges (dead letters, waiting jobs per handler)
 * are read from the store, so another receiver on the same database reports the same figures.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { ingestSamples, tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { type RunningTarget, startTarget } from './test-support/webhook-target.js';

const tmp = tempDir('handler-metrics');
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
  await waitFor(
    async () => {
      const backlog = await app.store.handlerBacklog();
      return (
        backlog.find((row) => row.handler === 'dead')?.dead === 3 &&
        backlog.find((row) => row.handler === 'later')?.waiting === 3 &&
        (await app.store.countJobs()).running === 0
      );
    },
    '3 dead letters and 3 scheduled retries',
    15_000,
  );

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

  // Another receiver on the same database (ingest only) reports the same backlog.
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
