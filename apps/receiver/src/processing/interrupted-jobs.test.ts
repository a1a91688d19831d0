/**
 * A job whose handler was running each time its receiver stopped (a crash, a kill, a handler that ends the
 * process) is dead-lettered at the MAX_INTERRUPTIONS-th such stop instead of being run again after every
 * restart for ever (the handler author QA: a `process.exit` in a handler kept the receiver in a restart
 * loop, refusing deliveries meanwhile). The crash is the worker's fault hook after the handler returned:
 * the outcome is never written and the lease runs out, as when the process dies. Real SQLite store.
 */
import { describe, expect, it } from 'vitest';
import { MAX_INTERRUPTIONS } from './interrupted-jobs.js';
import { ingestSamples, recordingRunner } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { jobOf, useWorkerHarness } from './test-support/worker-harness.js';

const { open, worker } = useWorkerHarness('interrupted-jobs');

/** A worker whose process "dies" after the handler's runs numbered in `crashes`, before their outcome is written. */
async function crashingAt(crashes: readonly number[]) {
  const store = await open();
  const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date() });
  const erp = recordingRunner('erp');
  worker({
    store,
    runners: [erp],
    leaseMs: 300,
    pollIntervalMs: 50,
    faults: {
      beforeSettle: (_job, outcome) => {
        if (outcome.status === 'succeeded' && crashes.includes(erp.runs.length)) {
          throw new Error('simulated crash after the handler');
        }
      },
    },
  }).start();
  return { store, erp, eventId: events[0]?.id ?? '' };
}

describe('a job whose handler was running when the receiver stopped', () => {
  it(`is dead-lettered at the ${MAX_INTERRUPTIONS}rd time instead of being run again, saying why`, async () => {
    const { store, erp, eventId } = await crashingAt([1, 2, 3]);
    await waitFor(async () => (await jobOf(store, eventId)).status === 'dead', 'the job to be dead-lettered');
    expect(erp.runs).toHaveLength(MAX_INTERRUPTIONS);
    const job = await jobOf(store, eventId);
    expect(job.attemptLog.map((attempt) => attempt.outcome)).toEqual([
      ...Array(MAX_INTERRUPTIONS).fill('interrupted'),
      'dead',
    ]);
    expect(job.lastError).toContain(
      `The receiver stopped while handler erp was running this job, ${MAX_INTERRUPTIONS} times`,
    );
    expect(job.lastError).toContain('srhooks dead-letters retry --handler erp');
    expect(job.lastErrorSummary).toBe(
      'the receiver stopped while this job ran, too many times (handler_interrupted)',
    );
  });

  it('runs a job interrupted fewer times again until it succeeds', async () => {
    const { store, erp, eventId } = await crashingAt([1, 2]);
    await waitFor(async () => (await jobOf(store, eventId)).status === 'succeeded', 'the job to succeed');
    expect(erp.runs).toHaveLength(MAX_INTERRUPTIONS);
    expect((await jobOf(store, eventId)).attemptLog.map((attempt) => attempt.outcome)).toEqual([
      'interrupted',
      'interrupted',
      'succeeded',
    ]);
  });

  it('starts counting again after a replay of the dead letter', async () => {
    const { store, erp, eventId } = await crashingAt([1, 2, 3, 4, 5]);
    await waitFor(async () => (await jobOf(store, eventId)).status === 'dead', 'the job to be dead-lettered');
    await store.replayEvent(eventId);
    // two more interruptions (runs 4 and 5) are not enough again; run 6 succeeds
    await waitFor(
      async () => (await jobOf(store, eventId)).status === 'succeeded',
      'the replayed job to succeed',
    );
    expect(erp.runs).toHaveLength(6);
  });
});
