/**
 * Forward handler end to end: real SQLite store, the job worker on a fast-forward clock, and a real
 * HTTP target on 127.0.0.1 (allowPrivateTargets, as tests must stay local).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type HandlerConfig, ShopConfigSchema } from '../config/config-schema.js';
import type { Store, StoreChange } from '../store/store.js';
import { createJobWorker } from './create-job-worker.js';
import { FastForwardClock } from './test-support/fast-forward-clock.js';
import { ingestSamples, openSqlite, silentLogger, tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { type RunningTarget, startTarget, type TargetBehaviour } from './test-support/webhook-target.js';
import type { JobWorker } from './worker.js';

const T0 = new Date('2026-07-01T08:00:00.000Z');
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const tmp = tempDir('forward');
let fileNo = 0;

interface Setup {
  store: Store;
  target: RunningTarget;
  worker: JobWorker;
  clock: FastForwardClock;
}
const running: Setup[] = [];

async function setup(behaviour: TargetBehaviour, retry?: Record<string, unknown>): Promise<Setup> {
  const store = await openSqlite(join(tmp.dir, `forward-${++fileNo}.db`));
  const target = await startTarget(behaviour);
  const clock = new FastForwardClock(T0);
  const erp = {
    type: 'forward',
    url: `${target.url}/webhooks`,
    secret,
    allowPrivateTargets: true,
    ...(retry ? { retry } : {}),
  } as HandlerConfig;
  const worker = createJobWorker({
    config: { handlers: { erp }, shops: [ShopConfigSchema.parse({ name: 'demo', handlers: ['erp'] })] },
    store,
    logger: silentLogger,
    clock,
    random: () => 0.5,
    pollIntervalMs: 3_600_000,
    leaseMs: 2_000,
  });
  const created = { store, target, worker, clock };
  running.push(created);
  return created;
}

afterEach(async () => {
  for (const { worker, store, target } of running.splice(0)) {
    await worker.stop();
    await store.close();
    await target.close();
  }
});
afterAll(() => tmp.cleanup());

async function job(store: Store, eventId: string) {
  const detail = await store.getEvent(eventId);
  if (!detail?.jobs[0]) throw new Error('no job');
  return detail.jobs[0];
}

describe('forward through the worker', () => {
  it('delivers once after the target failed three times, every attempt signed and recorded', async () => {
    const { store, target, worker } = await setup((_request, n) =>
      n <= 3 ? { status: 503, body: 'busy' } : { status: 200 },
    );
    const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0 });
    worker.start();

    await waitFor(async () => (await job(store, events[0]!.id)).status === 'succeeded', 'delivery');
    const record = await job(store, events[0]!.id);
    expect(target.requests).toHaveLength(4);
    expect(target.requests.filter((request) => request.headers['webhook-id'] === record.id)).toHaveLength(4);
    for (const request of target.requests) {
      expect(
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>),
      ).toMatchObject({
        type: 'shoprenter.order_confirm',
        data: { eventId: events[0]!.id, shop: 'demo', event: 'order_confirm', order: { innerId: '1000' } },
      });
    }
    expect(
      record.attemptLog.map((attempt) => [attempt.attempt, attempt.outcome, attempt.statusCode]),
    ).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'failed', 503],
      [4, 'succeeded', 200],
    ]);
    expect(record.attemptLog[0]?.error).toBe(`${target.url}/webhooks answered 503: busy`);
    // Svix schedule: 5 s, then 5 m, then 30 m after the failures.
    const log = record.attemptLog;
    [5_000, 300_000, 1_800_000].forEach((delay, index) => {
      const gap = log[index + 1]!.startedAt.getTime() - log[index]!.finishedAt!.getTime();
      expect(gap).toBeGreaterThanOrEqual(delay);
      expect(gap).toBeLessThanOrEqual(delay + 2_000);
    });
  });

  it('honours Retry-After when it asks for more than the schedule', async () => {
    const { store, worker } = await setup((_request, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '3600' } } : { status: 200 },
    );
    const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0 });
    worker.start();
    await waitFor(async () => (await job(store, events[0]!.id)).status === 'succeeded', 'delivery');
    const [first, second] = (await job(store, events[0]!.id)).attemptLog;
    const gap = second!.startedAt.getTime() - first!.finishedAt!.getTime();
    expect(gap).toBeGreaterThanOrEqual(3_600_000);
    expect(gap).toBeLessThanOrEqual(3_602_000);
  });

  it('410 disables the handler; its jobs wait until it is enabled again', async () => {
    const { store, target, worker, clock } = await setup((_request, n) =>
      n === 1 ? { status: 410 } : { status: 200 },
    );
    const first = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0, firstId: 1 });
    const changes: StoreChange[] = [];
    const unsubscribe = store.onChange((change) => changes.push(change));
    worker.start();
    await waitFor(
      async () => (await job(store, first.events[0]!.id)).lastStatusCode === 410,
      'the 410 to be recorded',
    );
    // The feed says why the job is pending again (listen and events tail print it): its handler was
    // disabled, it waits for no retry.
    const gonePending = {
      kind: 'job',
      jobId: (await job(store, first.events[0]!.id)).id,
      eventId: first.events[0]!.id,
      handler: 'erp',
      status: 'pending',
      cause: 'handler-disabled',
    };
    await waitFor(
      async () => changes.some((change) => isDeepStrictEqual(change, gonePending)),
      'the disabling attempt announced',
    );
    unsubscribe();
    expect(changes.filter((change) => change.kind === 'job')).toEqual([
      { ...gonePending, status: 'running', cause: undefined },
      gonePending,
    ]);

    const [state] = await store.listHandlerStates();
    expect(state).toMatchObject({ handler: 'erp', disabled: true });
    expect(state?.reason).toContain(`HTTP 410 Gone from 127.0.0.1:${target.port}`);
    const gone = await job(store, first.events[0]!.id);
    expect(gone.status).toBe('pending');
    expect(gone.lastStatusCode).toBe(410);

    // New events for the disabled target are stored but not sent.
    const second = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0, firstId: 2 });
    worker.notify();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(target.requests).toHaveLength(1);
    expect((await job(store, second.events[0]!.id)).status).toBe('pending');

    await store.enableHandler('erp', { now: clock.now() });
    worker.notify();
    await waitFor(async () => (await store.countJobs()).succeeded === 2, 'both jobs after enabling');
    expect(target.requests).toHaveLength(3);
  });

  it("a 410 does not use up the job's retries: after enabling, the job gets its whole schedule", async () => {
    const { store, target, worker, clock } = await setup(
      (_request, n) => (n === 1 ? { status: 410, body: 'endpoint removed' } : { status: 500 }),
      { delays: ['1s', '10s'], jitter: 0 },
    );
    const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0 });
    worker.start();
    await waitFor(
      async () => (await job(store, events[0]!.id)).lastStatusCode === 410,
      'the 410 to be recorded',
    );
    expect((await store.listHandlerStates())[0]).toMatchObject({ handler: 'erp', disabled: true });
    const gone = await job(store, events[0]!.id);
    expect(gone).toMatchObject({ status: 'pending', lastStatusCode: 410, failures: 0 });
    expect(gone.lastError).toContain('answered 410: endpoint removed');
    expect(gone.lastError).toContain('not retried');
    expect(gone.attemptLog.map((attempt) => [attempt.outcome, attempt.statusCode])).toEqual([
      ['failed', 410],
    ]);

    // The target is back (answering 500 now): the job runs its full schedule, 1 + 2 retries.
    await store.enableHandler('erp', { now: clock.now() });
    worker.notify();
    await waitFor(async () => (await job(store, events[0]!.id)).status === 'dead', 'the dead letter');
    const dead = await job(store, events[0]!.id);
    expect(dead.attemptLog.map((attempt) => attempt.statusCode)).toEqual([410, 500, 500, 500]);
    expect(dead.lastError).toBe(`${target.url}/webhooks answered 500 (gave up after 3 attempts)`);
    expect(target.requests).toHaveLength(4);
  });

  it('dead-letters a 400 at once, and a replay after the fix delivers it', async () => {
    const { store, target, worker, clock } = await setup(() => ({ status: 400, body: 'missing field sku' }));
    const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0 });
    worker.start();
    await waitFor(async () => (await job(store, events[0]!.id)).status === 'dead', 'the dead letter');
    const dead = await job(store, events[0]!.id);
    expect(dead.attemptLog.map((attempt) => attempt.outcome)).toEqual(['dead']);
    expect(dead.lastError).toContain('answered 400: missing field sku; not retried');
    expect((await store.listDeadLetters()).map((letter) => letter.job.id)).toEqual([dead.id]);

    target.behave(() => ({ status: 200 }));
    await store.replayEvent(events[0]!.id, { now: clock.now() });
    await waitFor(async () => (await job(store, events[0]!.id)).status === 'succeeded', 'the replay');
    const replayed = await job(store, events[0]!.id);
    expect(replayed.id).toBe(dead.id);
    expect(replayed.attemptLog.map((attempt) => attempt.outcome)).toEqual(['dead', 'succeeded']);
    expect(new Set(target.requests.map((request) => request.headers['webhook-id']))).toEqual(
      new Set([dead.id]),
    );
  });

  it('dead-letters after the last scheduled retry; replaying the dead letters delivers them', async () => {
    const { store, target, worker, clock } = await setup(() => ({ status: 500 }), {
      delays: ['1s', '10s'],
      jitter: 0,
    });
    const { events } = await ingestSamples(store, { handlers: ['erp'], receivedAt: T0, count: 2 });
    worker.start();
    await waitFor(async () => (await store.countJobs()).dead === 2, 'two dead letters');
    const dead = await job(store, events[0]!.id);
    expect(dead.attemptLog.map((attempt) => attempt.outcome)).toEqual(['failed', 'failed', 'dead']);
    expect(dead.lastError).toBe(`${target.url}/webhooks answered 500 (gave up after 3 attempts)`);

    target.behave(() => ({ status: 200 }));
    const replay = await store.replayDeadLetters({ now: clock.now() });
    expect(replay.jobs).toHaveLength(2);
    await waitFor(async () => (await store.countJobs()).succeeded === 2, 'the replayed jobs');
    expect(target.requests).toHaveLength(8);
  });
});
