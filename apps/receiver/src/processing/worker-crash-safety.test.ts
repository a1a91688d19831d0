import { describe, expect, it } from 'vitest';
import { FastForwardClock } from './test-support/fast-forward-clock.js';
import { ingestSamples, recordingRunner } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { jobOf, T0, useWorkerHarness } from './test-support/worker-harness.js';

const { newFile, open, worker } = useWorkerHarness('worker-crash');

describe('JobWorker crash safety', () => {
  it('runs a job exactly once after a crash between the claim commit and the handler', async () => {
    const file = newFile();
    const first = await open(file);
    const ingested = await ingestSamples(first, { handlers: ['erp'], receivedAt: T0 });
    const clockA = new FastForwardClock(T0);
    const crashed = recordingRunner('erp');
    let crashes = 0;
    const a = worker({
      store: first,
      runners: [crashed],
      clock: clockA,
      leaseMs: 600_000,
      faults: {
        beforeHandle: () => {
          crashes += 1;
          throw new Error('simulated crash');
        },
      },
    });
    a.start();
    await waitFor(() => crashes === 1, 'the fault to fire');
    await a.stop();
    await first.close();
    expect(crashed.runs).toHaveLength(0);

    // "Restart": a new store and worker on the same file, after the dead worker's lease ran out.
    const second = await open(file);
    const survivor = recordingRunner('erp');
    const clockB = new FastForwardClock(new Date(clockA.now().getTime() + 601_000));
    worker({ store: second, runners: [survivor], clock: clockB }).start();
    await waitFor(async () => (await second.countJobs()).succeeded === 1, 'the job to run after the restart');
    // Idle through many polls: the job must not run again.
    const seen = clockB.now().getTime();
    await waitFor(() => clockB.now().getTime() > seen + 20_000, 'twenty polls');
    expect(survivor.runs).toHaveLength(1);
    const job = await jobOf(second, ingested.events[0]!.id);
    expect(survivor.runs[0]?.id).toBe(job.id);
    expect(job.attemptLog.map((attempt) => attempt.outcome)).toEqual(['expired', 'succeeded']);
  });

  it('never re-runs a job whose success was committed before the crash', async () => {
    const file = newFile();
    const first = await open(file);
    await ingestSamples(first, { handlers: ['erp'], receivedAt: T0, count: 2 });
    const before = recordingRunner('erp');
    const clockA = new FastForwardClock(T0);
    const a = worker({ store: first, runners: [before], clock: clockA });
    a.start();
    await waitFor(async () => (await first.countJobs()).succeeded === 2, 'both jobs');
    await a.stop();
    await first.close();

    const second = await open(file);
    const after = recordingRunner('erp');
    const clockB = new FastForwardClock(new Date(clockA.now().getTime() + 86_400_000));
    worker({ store: second, runners: [after], clock: clockB }).start();
    const seen = clockB.now().getTime();
    await waitFor(() => clockB.now().getTime() > seen + 30_000, 'thirty polls');
    expect(after.runs).toHaveLength(0);
    expect(before.runs).toHaveLength(2);
  });

  it('runs a job again, with the same job id, when the crash came after the handler but before the commit', async () => {
    const file = newFile();
    const first = await open(file);
    await ingestSamples(first, { handlers: ['erp'], receivedAt: T0 });
    const clockA = new FastForwardClock(T0);
    const firstRun = recordingRunner('erp');
    const a = worker({
      store: first,
      runners: [firstRun],
      clock: clockA,
      leaseMs: 600_000,
      faults: {
        beforeSettle: () => {
          throw new Error('simulated crash after the handler');
        },
      },
    });
    a.start();
    await waitFor(() => firstRun.runs.length === 1, 'the handler to run');
    await a.stop();
    await first.close();

    const second = await open(file);
    const secondRun = recordingRunner('erp');
    worker({
      store: second,
      runners: [secondRun],
      clock: new FastForwardClock(new Date(clockA.now().getTime() + 601_000)),
    }).start();
    await waitFor(async () => (await second.countJobs()).succeeded === 1, 'the job to finish');
    // At-least-once: the handler ran twice, and both runs saw the same idempotency key.
    expect(secondRun.runs).toHaveLength(1);
    expect(secondRun.runs[0]?.id).toBe(firstRun.runs[0]?.id);
    expect(secondRun.runs[0]?.attempt).toBe(2);
  });
});

describe('JobWorker pipelining', () => {
  it('gives a slot to the next job once the handler returned, while the outcome is still being written', async () => {
    const store = await open();
    await ingestSamples(store, { handlers: ['erp'], receivedAt: T0, count: 6 });
    // completeJob is held until released: the outcome of the first job stays unwritten meanwhile.
    const held: Array<() => void> = [];
    let holding = true;
    const slowOutcomes = new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (property !== 'completeJob') return value.bind(target);
        return async (...args: unknown[]) => {
          if (holding) await new Promise<void>((resolve) => held.push(resolve));
          return value.apply(target, args);
        };
      },
    });
    let releaseHandlers: () => void = () => {};
    const handlersGate = new Promise<void>((resolve) => {
      releaseHandlers = resolve;
    });
    let running = 0;
    let most = 0;
    const runner = recordingRunner(
      'erp',
      async (_job, runNumber) => {
        running += 1;
        most = Math.max(most, running);
        if (runNumber > 1) await handlersGate;
        running -= 1;
        return { status: 'succeeded' };
      },
      { concurrency: 2 },
    );
    worker({ store: slowOutcomes, runners: [runner], clock: new FastForwardClock(T0) }).start();

    // Job 1 returned at once, its outcome is held; its slot already runs job 3 next to job 2.
    await waitFor(() => runner.runs.length === 3 && held.length === 1, 'a third job to start');
    expect(most).toBe(2);
    const first = runner.runs[0]!;
    expect((await jobOf(store, first.eventId)).status).toBe('running');

    holding = false;
    for (const release of held.splice(0)) release();
    releaseHandlers();
    await waitFor(async () => (await store.countJobs()).succeeded === 6, 'all 6 jobs');
    expect(most).toBe(2);
    expect(runner.runs).toHaveLength(6);
  });

  it('after a crash, the jobs it held (running and prefetched) run again once their leases expired; none is lost', async () => {
    const file = newFile();
    const first = await open(file);
    const ingested = await ingestSamples(first, { handlers: ['erp'], receivedAt: T0, count: 5 });
    // concurrency 1: one job runs (and hangs), one more is claimed ahead and waits for the slot.
    const hung = recordingRunner('erp', () => new Promise(() => {}), { concurrency: 1 });
    const a = worker({ store: first, runners: [hung], clock: new FastForwardClock(T0), leaseMs: 10_000 });
    a.start();
    await waitFor(() => hung.runs.length === 1, 'the first job to start');
    await waitFor(async () => (await first.countJobs()).running === 2, 'one job claimed ahead');
    expect(a.inFlight).toBe(2);
    await a.stop({ timeoutMs: 50 });
    expect(hung.runs).toHaveLength(1);

    const second = await open(file);
    const after = recordingRunner('erp', undefined, { concurrency: 1 });
    worker({
      store: second,
      runners: [after],
      clock: new FastForwardClock(new Date(T0.getTime() + 10_001)),
    }).start();
    await waitFor(async () => (await second.countJobs()).succeeded === 5, 'all 5 jobs');
    expect(after.runs.map((job) => job.eventId).sort()).toEqual(
      ingested.events.map((event) => event.id).sort(),
    );
    const histories = await Promise.all(
      ingested.events.map(async (event) =>
        (await jobOf(second, event.id)).attemptLog.map((attempt) => attempt.outcome),
      ),
    );
    // the two jobs the stopped worker held: the one whose handler ran (abandoned, as at a crash) is
    // `interrupted`; the one claimed ahead was handed back at the stop (`released`) — or, when the stop's
    // 50 ms ran out before the hand-back (a 0.7-CPU run), its lease ran out as after a real crash
    // (`expired`, store contract); then the attempt that succeeded
    const twice = histories.filter((log) => log.length === 2).map((log) => log.join(' '));
    expect(twice).toHaveLength(2);
    expect(twice).toContain('interrupted succeeded');
    expect(twice.filter((log) => log !== 'interrupted succeeded')).toEqual([
      expect.stringMatching(/^(released|expired) succeeded$/),
    ]);
    expect(histories.filter((log) => log.length === 1)).toEqual([
      ['succeeded'],
      ['succeeded'],
      ['succeeded'],
    ]);
  });
});
