/**
 * A handler call in flight when its event's personal data is erased (the job cancelled, `dead`) and then
 * its old delivery pruned (an erased event's cancelled job keeps nothing): when the handler answers, the
 * job no longer exists. The worker says so once, at info, and lets the job go — not five write retries
 * over about six seconds ending in an error-level line with a stack trace and the false promise "it will
 * run again after its lease expires". Real SQLite store, the worker with its real clock, its log captured.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ingestSamples, recordingRunner } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { useWorkerHarness } from './test-support/worker-harness.js';
import { JobWorker } from './worker.js';

const { open } = useWorkerHarness('pruned-running-job');
const DAY = 86_400_000;
const EMAIL = 'kovacs.pruned@example.hu';

describe('a running job whose event is erased and whose delivery is pruned before it answers', () => {
  for (const answer of ['succeeded', 'retry'] as const) {
    it(`lets the ${answer} outcome go with one info line`, async () => {
      const store = await open();
      await ingestSamples(store, {
        handlers: ['erp'],
        receivedAt: new Date(Date.now() - 200 * DAY),
        override: { email: EMAIL },
      });
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const erp = recordingRunner('erp', async () => {
        await gate;
        return answer === 'succeeded'
          ? { status: 'succeeded' }
          : { status: 'retry', error: `target answered 500: unknown customer ${EMAIL}` };
      });
      const lines: string[] = [];
      const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
      const worker = new JobWorker({ store, runners: [erp], logger, pollIntervalMs: 50, leaseMs: 120_000 });
      try {
        worker.start();
        await waitFor(() => erp.runs.length === 1, 'the handler to be called');
        const erased = await store.erasePersonalData({
          email: EMAIL,
          reason: 'GDPR-2026-031',
          dryRun: false,
          includeUnfinished: true,
        });
        expect(erased).toMatchObject({ erased: true, cancelledJobs: 1 });
        const pruned = await store.prune({ before: new Date(Date.now() - 90 * DAY) });
        expect(pruned).toMatchObject({ deliveries: 1, events: 1, jobs: 1 });
        const answered = Date.now();
        release();
        await waitFor(() => worker.inFlight === 0, 'the worker to let the job go');
        expect(Date.now() - answered).toBeLessThan(2_000);
      } finally {
        release();
        await worker.stop();
      }
      const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
      expect(logged.filter((line) => line.level >= 50)).toEqual([]);
      expect(logged.filter((line) => line.err !== undefined)).toEqual([]);
      expect(lines.join('\n')).not.toMatch(/will run again/);
      expect(lines.join('\n')).not.toContain(EMAIL);
      expect(logged.filter((line) => /no longer exists/.test(line.msg))).toHaveLength(1);
    });
  }
});
