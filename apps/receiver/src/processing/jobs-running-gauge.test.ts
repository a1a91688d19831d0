/**
 * `srhooks_jobs_running{handler}` on GET /metrics, in a real receiver (SQLite in a temp dir) whose forward
 * target holds its answer: the job the worker holds is counted as running (not waiting), a configured
 * handler with none is reported as 0.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { ingestSamples, tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { startTarget } from './test-support/webhook-target.js';

const tmp = tempDir('jobs-running-gauge');
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(() => tmp.cleanup());

function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

it('reports the jobs a worker runs now per handler, beside the waiting ones', async () => {
  // The target never answers: the job stays with the worker until the test ends.
  const target = await startTarget(() => 'hang');
  const forward = {
    type: 'forward' as const,
    url: `${target.url}/hook`,
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    allowPrivateTargets: true,
    timeoutMs: 30_000,
    retry: { delays: ['1s'], jitter: 0 },
  };
  const app = await buildReceiver(
    defineReceiverConfig({
      secrets: ['test-secret-0123456789abcdef'],
      db: join(tmp.dir, 'running.db'),
      logLevel: 'silent',
      handlers: { slow: forward, idle: { ...forward } },
      shops: [{ name: 'demo', handlers: ['slow', 'idle'] }],
    }),
    { defaultMetrics: false, processing: { pollIntervalMs: 100 } },
  );
  closers.push(() => app.close());
  // Closed first: the held request fails, so the receiver's shutdown does not wait for it.
  closers.push(() => target.close());
  await app.ready();

  await ingestSamples(app.store, { handlers: ['slow'], receivedAt: new Date() });
  await waitFor(() => target.requests.length === 1, 'the job to reach the target');

  // The backlog gauges keep a reading for 5 s: wait for one taken while the job runs.
  let text = '';
  await waitFor(async () => {
    text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    return metric(text, 'srhooks_jobs_running', 'handler="slow"') === 1;
  }, 'srhooks_jobs_running{handler="slow"} 1');
  expect(text).toContain('# TYPE srhooks_jobs_running gauge');
  expect(metric(text, 'srhooks_jobs_running', 'handler="idle"')).toBe(0);
  expect(metric(text, 'srhooks_jobs_waiting', 'handler="slow"')).toBe(0);
  expect(metric(text, 'srhooks_dead_letters', 'handler="slow"')).toBe(0);
});
