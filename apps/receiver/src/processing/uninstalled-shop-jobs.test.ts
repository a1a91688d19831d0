/**
 * App mode: a job a worker had claimed ahead when its shop uninstalled the app (waiting for a free slot,
 * so not among the waiting jobs the uninstall cancelled in the store) is cancelled when its turn comes —
 * a dead letter with the uninstall's reason, its handler not called — instead of running; the job whose
 * handler was running finishes. Real SQLite store, the worker with its real clock.
 */
import { describe, expect, it } from 'vitest';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import { ingestSamples, recordingRunner } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { jobOf, useWorkerHarness } from './test-support/worker-harness.js';

const { open, worker } = useWorkerHarness('uninstalled-shop-jobs');

describe('a claimed job whose shop uninstalled the app while it waited for a slot', () => {
  it('is cancelled as a dead letter when its turn comes; the running one finishes', async () => {
    const store = await open();
    const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date(), count: 2 });
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
    let uninstalled = false;
    const running = worker({
      store,
      runners: [erp],
      pollIntervalMs: 50,
      uninstalledNow: async (shop) => uninstalled && shop === 'demo',
    });
    running.start();
    await waitFor(
      () => erp.runs.length === 1 && running.inFlight === 2,
      'one job running, one claimed ahead',
    );

    uninstalled = true;
    release();
    await waitFor(async () => (await store.countJobs()).dead === 1, 'the claimed job to be cancelled');
    expect(erp.runs).toHaveLength(1);
    const [first, second] = await Promise.all(events.map((event) => jobOf(store, event.id)));
    const ran = erp.runs[0]?.eventId === events[0]?.id ? first : second;
    const cancelled = ran === first ? second : first;
    expect(ran?.status).toBe('succeeded');
    expect(cancelled).toMatchObject({ status: 'dead', lastError: CANCELLED_BY_UNINSTALL });
  });

  it('is neither run nor cancelled when the store cannot say whether the shop is installed: retried', async () => {
    const store = await open();
    const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date(), count: 1 });
    const erp = recordingRunner('erp', async () => ({ status: 'succeeded' }));
    const running = worker({
      store,
      runners: [erp],
      pollIntervalMs: 50,
      uninstalledNow: async () => {
        throw new Error('read app shop did not finish within 400 ms');
      },
    });
    running.start();
    const job = await waitFor(async () => {
      const found = await jobOf(store, events[0]?.id as string);
      return found.lastError !== null ? found : undefined;
    }, 'the attempt to be recorded');
    expect(erp.runs).toHaveLength(0);
    expect(job.status).toBe('pending');
    expect(job.lastError).toContain('cannot read from the store whether demo still has the app installed');
  });
});
