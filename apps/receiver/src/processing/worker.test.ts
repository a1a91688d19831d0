import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { systemClock } from './clock.js';
import { ModuleHandlerError } from './processing-errors.js';
import { retryScheduleFrom } from './retry-schedule.js';
import { FastForwardClock } from './test-support/fast-forward-clock.js';
import { ingestSamples, recordingRunner } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { jobOf, T0, useWorkerHarness } from './test-support/worker-harness.js';

const { newFile, open, worker } = useWorkerHarness('worker');

/**
 * `store` for a worker whose lease renewals (its heartbeat) the test can hold back: `pause()` resolves
 * once no renewal is in flight, and until `resume()` every renewal waits. So a test can set leases
 * without the worker's next renewal overwriting them in between (it renews every ~lease/3).
 */
function renewalGate(store: Store): { store: Store; pause(): Promise<void>; resume(): void } {
  let held: Promise<void> | null = null;
  let open: () => void = () => {};
  let inFlight = 0;
  const gated = new Proxy(store, {
    get(target, property) {
      if (property === 'extendLeases') {
        return async (...args: Parameters<Store['extendLeases']>) => {
          while (held) await held;
          inFlight += 1;
          try {
            return await target.extendLeases(...args);
          } finally {
            inFlight -= 1;
          }
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store: gated,
    async pause() {
      held = new Promise<void>((resolve) => {
        open = resolve;
      });
      await waitFor(() => inFlight === 0, 'the renewal in flight to end');
    },
    resume() {
      held = null;
      open();
    },
  };
}

describe('JobWorker', () => {
  it('runs each job once and records the attempt', async () => {
    const store = await open();
    const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0, count: 3 });
    const runner = recordingRunner('erp');
    worker({ store, runners: [runner], clock: new FastForwardClock(T0) }).start();

    await waitFor(async () => (await store.countJobs()).succeeded === 3, '3 jobs to succeed');
    expect(runner.runs.map((job) => job.eventId).sort()).toEqual(
      ingested.events.map((event) => event.id).sort(),
    );
    const job = await jobOf(store, ingested.events[0]!.id);
    expect(job.status).toBe('succeeded');
    expect(job.attemptLog.map((attempt) => attempt.outcome)).toEqual(['succeeded']);
    expect(runner.runs.find((run) => run.id === job.id)?.attempt).toBe(1);
  });

  it('retries on the schedule, then dead-letters with the last error', async () => {
    const store = await open();
    const ingested = await ingestSamples(store, { handlers: ['flaky'], receivedAt: T0 });
    const retry = retryScheduleFrom({ delays: ['5s', '5m', '2h'], jitter: 0 }, 'test');
    const clock = new FastForwardClock(T0);
    const runner = recordingRunner(
      'flaky',
      (_job, n) => ({ status: 'retry', error: `boom ${n}`, statusCode: 503 }),
      {
        retry,
      },
    );
    // Hourly polls: the worker must wake up for the retries it scheduled by itself.
    worker({
      store,
      runners: [runner],
      clock,
      random: () => 0.5,
      pollIntervalMs: 3_600_000,
      leaseMs: 2_000,
    }).start();

    await waitFor(async () => (await store.countJobs()).dead === 1, 'the job to be dead-lettered');
    const job = await jobOf(store, ingested.events[0]!.id);
    expect(job.lastError).toBe('boom 4 (gave up after 4 attempts)');
    expect(job.lastStatusCode).toBe(503);
    expect(job.attemptLog.map((attempt) => [attempt.attempt, attempt.outcome, attempt.statusCode])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'failed', 503],
      [4, 'dead', 503],
    ]);
    // Each retry starts once its delay after the failed attempt has passed, and right when it is due (the
    // short lease bounds how far virtual time can run ahead while an attempt is busy).
    const log = job.attemptLog;
    const gaps = log
      .slice(1)
      .map((attempt, index) => attempt.startedAt.getTime() - log[index]!.finishedAt!.getTime());
    [5_000, 300_000, 7_200_000].forEach((delay, index) => {
      expect(gaps[index]).toBeGreaterThanOrEqual(delay);
      expect(gaps[index]).toBeLessThanOrEqual(delay + 2_000);
    });
    expect(runner.runs.map((run) => run.id)).toEqual([job.id, job.id, job.id, job.id]);
  });

  it('treats a thrown error as a retry; the stored error is its message (and code), never its class name', async () => {
    const store = await open();
    const ingested = await ingestSamples(store, { handlers: ['thrower'], receivedAt: T0 });
    const runner = recordingRunner('thrower', (_job, n) => {
      if (n === 1) throw new TypeError('cannot read the order');
      if (n === 2) throw new ModuleHandlerError('the module has no handler for order_confirm');
      // a Node system error whose message names its code already: not repeated
      if (n === 3)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
      return { status: 'succeeded' };
    });
    worker({ store, runners: [runner], clock: new FastForwardClock(T0), random: () => 0.5 }).start();

    // (3 s on a quiet machine; a loaded CI machine took over 15 s for the four attempts)
    await waitFor(async () => (await store.countJobs()).succeeded === 1, 'the retry to succeed');
    const job = await jobOf(store, ingested.events[0]!.id);
    expect(job.attemptLog.map((attempt) => [attempt.outcome, attempt.error])).toEqual([
      ['failed', 'cannot read the order'],
      ['failed', 'module_handler_invalid: the module has no handler for order_confirm'],
      ['failed', 'connect ECONNREFUSED 127.0.0.1:9'],
      ['succeeded', null],
    ]);
  });

  it('never runs more jobs of a handler at once than its concurrency', async () => {
    const store = await open();
    await ingestSamples(store, { handlers: ['slow', 'fast'], receivedAt: T0, count: 12 });
    let running = 0;
    let most = 0;
    const slow = recordingRunner(
      'slow',
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 15));
        running -= 1;
        return { status: 'succeeded' };
      },
      { concurrency: 3 },
    );
    const fast = recordingRunner('fast', undefined, { concurrency: 1 });
    worker({ store, runners: [slow, fast], clock: new FastForwardClock(T0) }).start();

    await waitFor(async () => (await store.countJobs()).succeeded === 24, 'all 24 jobs');
    expect(most).toBe(3);
    expect(slow.runs).toHaveLength(12);
    expect(fast.runs).toHaveLength(12);
  });

  it('leaves jobs of handlers it does not run alone', async () => {
    const store = await open();
    await ingestSamples(store, { handlers: ['mine', 'other'], receivedAt: T0 });
    const mine = recordingRunner('mine');
    worker({ store, runners: [mine], clock: new FastForwardClock(T0) }).start();
    await waitFor(async () => (await store.countJobs()).succeeded === 1, 'my job');
    expect(await store.countJobs()).toEqual({ pending: 1, running: 0, succeeded: 1, dead: 0 });
  });

  it('wakes up at once when a delivery is stored, without waiting for a poll', async () => {
    const store = await open();
    const runner = recordingRunner('erp');
    // A one-hour poll interval on the real clock: only the store's change feed can wake the worker in time.
    const w = worker({ store, runners: [runner], clock: systemClock, pollIntervalMs: 3_600_000 });
    w.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date() });
    await waitFor(() => runner.runs.length === 1, 'the new job to run');
  });

  it('finishes running jobs on stop and records their outcome', async () => {
    const store = await open();
    const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runner = recordingRunner('erp', async () => {
      await gate;
      return { status: 'succeeded', statusCode: 204 };
    });
    const w = worker({ store, runners: [runner], clock: new FastForwardClock(T0) });
    w.start();
    await waitFor(() => runner.runs.length === 1, 'the job to start');
    let stopped = false;
    const stopping = w.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    expect(w.inFlight).toBe(1);
    release();
    await stopping;
    const job = await jobOf(store, ingested.events[0]!.id);
    expect(job.status).toBe('succeeded');
    expect(job.lastStatusCode).toBe(204);
  });

  it('hands back its claimed-ahead jobs on stop: another receiver runs them at once, this one never starts them', async () => {
    const file = newFile();
    const store = await open(file);
    const other = await open(file);
    const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date(), count: 2 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // concurrency 1: the first job runs until released, the second waits claimed ahead (prefetched).
    const runner = recordingRunner(
      'erp',
      async () => {
        await gate;
        return { status: 'succeeded' };
      },
      { concurrency: 1 },
    );
    const w = worker({ store, runners: [runner], clock: systemClock, leaseMs: 60_000, pollIntervalMs: 50 });
    w.start();
    try {
      await waitFor(() => runner.runs.length === 1 && w.inFlight === 2, 'one job running, one claimed ahead');
      const waiting = ingested.events.find((event) => event.id !== runner.runs[0]?.eventId)!;
      const stopping = w.stop();
      // A rolling restart: the stopping receiver gives the job it has not started back at once, so
      // another receiver claims it now, not after its 60 s lease.
      // (30 s: well under the 60 s lease, whatever the machine's load)
      await waitFor(() => w.inFlight === 1, 'the claimed-ahead job to be handed back', 30_000);
      const taken = await other.claimJobs({ workerId: 'other', limit: 10, leaseMs: 60_000, now: new Date() });
      expect(taken.map((job) => job.eventId)).toEqual([waiting.id]);
      const log = (await store.getEvent(waiting.id))?.jobs[0]?.attemptLog;
      expect(log?.map((attempt) => attempt.outcome)).toEqual(['released', 'claimed']);
      release();
      await stopping;
      // The running job finished and recorded its outcome; the handed-back one never ran here.
      expect((await jobOf(store, runner.runs[0]!.eventId)).status).toBe('succeeded');
      expect(runner.runs.map((job) => job.eventId)).toEqual([runner.runs[0]!.eventId]);
    } finally {
      release();
    }
  });

  it('stops waiting for a hung job after timeoutMs and stops renewing its lease', async () => {
    const file = newFile();
    const store = await open(file);
    const other = await open(file);
    const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0 });
    const clock = new FastForwardClock(T0);
    const runner = recordingRunner('erp', () => new Promise(() => {}));
    const w = worker({ store, runners: [runner], clock, leaseMs: 10_000 });
    w.start();
    await waitFor(() => runner.runs.length === 1, 'the job to start');
    await w.stop({ timeoutMs: 50 });
    // Nobody renews the lease any more: once it ran out, another instance takes the job over.
    const later = new Date(clock.now().getTime() + 10_001);
    const taken = await other.claimJobs({ workerId: 'successor', limit: 10, leaseMs: 10_000, now: later });
    expect(taken.map((job) => [job.eventId, job.attempt])).toEqual([[ingested.events[0]!.id, 2]]);
  });

  it('keeps a long job leased (heartbeat) so nobody else takes it over', async () => {
    const file = newFile();
    const store = await open(file);
    const other = await open(file);
    const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0 });
    const clock = new FastForwardClock(T0);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runner = recordingRunner('erp', async () => {
      await gate;
      return { status: 'succeeded' };
    });
    worker({ store, runners: [runner], clock, leaseMs: 10_000 }).start();
    await waitFor(() => runner.runs.length === 1, 'the job to start');
    // Let the worker idle through several lease lengths of virtual time while the handler is busy.
    await waitFor(() => clock.now().getTime() > T0.getTime() + 60_000, 'virtual time to pass');
    expect(
      await other.claimJobs({ workerId: 'intruder', limit: 10, leaseMs: 10_000, now: clock.now() }),
    ).toEqual([]);
    release();
    await waitFor(async () => (await jobOf(store, ingested.events[0]!.id)).status === 'succeeded', 'success');
    expect((await jobOf(store, ingested.events[0]!.id)).attemptLog).toHaveLength(1);
  });

  it('drops a prefetched job whose lease another worker took over, without running it', async () => {
    const file = newFile();
    const store = await open(file);
    const other = await open(file);
    const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date(), count: 2 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // concurrency 1: the first job runs until released, the second waits prefetched.
    const runner = recordingRunner(
      'erp',
      async () => {
        await gate;
        return { status: 'succeeded' };
      },
      { concurrency: 1 },
    );
    const renewals = renewalGate(store);
    const w = worker({
      store: renewals.store,
      runners: [runner],
      clock: systemClock,
      // 10 s on the real clock: with 3 s, a 0.7-CPU run starved the worker's renewal past the running
      // job's lease, the worker claimed that job again itself and ran it twice
      leaseMs: 10_000,
      pollIntervalMs: 50,
    });
    w.start();
    // The gates open in any case, so the worker's stop (afterEach) never waits on a handler held forever.
    try {
      await waitFor(() => runner.runs.length === 1 && w.inFlight === 2, 'one job running, one prefetched');
      const waiting = ingested.events.find((event) => event.id !== runner.runs[0]?.eventId)!;
      // Another worker takes the prefetched job over (as it would once the lease had run out); the running
      // one stays leased. The worker's renewals wait meanwhile, so none moves either lease in between.
      await renewals.pause();
      const running = runner.runs[0]!;
      const extended = await store.extendLease(running.id, { attempt: running.attempt, leaseMs: 60_000 });
      // (under heavy load the intruder once took both jobs: this says whether the running one's lease moved)
      expect(extended, 'the running job keeps a 60 s lease').toEqual({ applied: true, status: 'running' });
      // "Now" for the intruder is 30 s on: past the prefetched job's lease (10 s from the last renewal),
      // before the running job's 60 s.
      const taken = await other.claimJobs({
        workerId: 'intruder',
        limit: 10,
        leaseMs: 60_000,
        now: new Date(Date.now() + 30_000),
      });
      renewals.resume();
      expect(taken.map((job) => job.eventId)).toEqual([waiting.id]);
      // The next renewal reports the lease lost: the job leaves the queue.
      await waitFor(() => w.inFlight === 1, 'the lost job to be dropped');
      release();
      await waitFor(
        async () => (await jobOf(store, runner.runs[0]!.eventId)).status === 'succeeded',
        'job 1',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(runner.runs.map((job) => job.eventId)).toEqual([runner.runs[0]!.eventId]);
      expect(w.inFlight).toBe(0);
    } finally {
      renewals.resume();
      release();
    }
  });
});
