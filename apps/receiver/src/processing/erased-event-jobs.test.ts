/**
 * Personal data erasure while a worker holds one of the erased event's jobs claimed ahead (waiting for a
 * free slot of its handler): the erasure cancels the job in the store and announces it, and the worker
 * drops it without calling the handler — it must not send data the shop was asked to delete, and not
 * only once its lease would next be confirmed (up to two thirds of a lease later). Real SQLite store,
 * the worker with its real clock.
 */
import { describe, expect, it } from 'vitest';
import { ingestSamples, recordingRunner } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { jobOf, useWorkerHarness } from './test-support/worker-harness.js';

const { open, worker } = useWorkerHarness('erased-event-jobs');

describe('a claimed job whose event is erased while it waits for a slot', () => {
  it('is dropped without running; the running one finishes', async () => {
    const store = await open();
    const { events } = await ingestSamples(store, {
      handlers: ['erp'],
      receivedAt: new Date(),
      count: 2,
    });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // one slot: the first job runs (held at the gate), the second is claimed ahead and waits
    const erp = recordingRunner(
      'erp',
      async (_job, run) => {
        if (run === 1) await gate;
        return { status: 'succeeded' };
      },
      { concurrency: 1 },
    );
    // A long lease: the claimed job's lease stays confirmed, so without the announcement it would start.
    const running = worker({ store, runners: [erp], pollIntervalMs: 50, leaseMs: 120_000 });
    let waitingId = '';
    try {
      running.start();
      await waitFor(
        () => erp.runs.length === 1 && running.inFlight === 2,
        'one job running, one claimed ahead',
      );
      waitingId = events.find((event) => event.id !== erp.runs[0]?.eventId)?.id ?? '';
      const innerId = String((await store.getEvent(waitingId))?.subjectId);

      const erased = await store.erasePersonalData({
        order: { shop: 'demo', innerId },
        reason: 'GDPR-2026-014',
        dryRun: false,
        includeUnfinished: true,
      });
      expect(erased).toMatchObject({ erased: true, cancelledJobs: 1 });
      await waitFor(() => running.inFlight === 1, 'the claimed job to be dropped');
    } finally {
      // (also when an expectation failed: the worker's stop waits for the job held at the gate)
      release();
    }
    await waitFor(
      async () => (await jobOf(store, erp.runs[0]?.eventId ?? '')).status === 'succeeded',
      'the running job to finish',
    );
    // Give a dropped-too-late job every chance to start.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(erp.runs).toHaveLength(1);
    expect(await jobOf(store, waitingId)).toMatchObject({ status: 'dead' });
  });
});
