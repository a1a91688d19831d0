/**
 * The background work's view of the store (shutdown-bounded-store.ts): nothing changes before the shutdown;
 * once it has begun, a call gets the grace from the shutdown's start or its own, whichever is later, and
 * one not answered by then is given up (StoreShutdownWaitError) while it goes on. The engines' use of it
 * is tested through a silent PostgreSQL link (shutdown-silent-database-worker.test.ts,
 * recovery/recovery-shutdown-silent-database.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { boundedAfterShutdown, ShutdownGrace } from './shutdown-bounded-store.js';
import { StoreShutdownWaitError, StoreUnavailableError } from './store-errors.js';

/** A store-like object with private state, calls answered when the test says so. */
class Answering {
  readonly kind = 'test';
  readonly #pending: ((value: string) => void)[] = [];
  call(): Promise<string> {
    return new Promise((resolve) => this.#pending.push(resolve));
  }
  answerAll(value: string): void {
    for (const resolve of this.#pending.splice(0)) resolve(value);
  }
  count(): number {
    return this.#pending.length;
  }
}

const settledAfter = async <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);

describe('a store bounded after the shutdown', () => {
  it('passes calls, fields and immediate answers through unchanged before the shutdown, however slow', async () => {
    const store = new Answering();
    let gaveUp = 0;
    const view = boundedAfterShutdown(store, new ShutdownGrace(50, () => gaveUp++));
    const call = view.call();
    expect(view.kind).toBe('test');
    expect(view.count()).toBe(1); // private state of the store itself
    expect(await settledAfter(call, 150)).toBe('pending');
    store.answerAll('late');
    expect(await call).toBe('late');
    expect(gaveUp).toBe(0);
  });

  it('gives a call in flight the grace from the shutdown, one started later its own, and says it gave up', async () => {
    const store = new Answering();
    let gaveUp = 0;
    const grace = new ShutdownGrace(200, () => gaveUp++);
    const view = boundedAfterShutdown(store, grace);
    const inFlight = view.call();
    await new Promise((resolve) => setTimeout(resolve, 150)); // longer than nothing, shorter than the grace
    grace.begin();
    const begun = Date.now();
    expect(await settledAfter(inFlight, 100)).toBe('pending'); // not 200 ms from its own start
    const later = view.call();
    const outcome = await settledAfter(inFlight, 300);
    expect(outcome).toMatchObject({ error: expect.any(StoreShutdownWaitError) });
    expect(Date.now() - begun).toBeGreaterThanOrEqual(190);
    const error = (outcome as { error: StoreShutdownWaitError }).error;
    expect(error).toBeInstanceOf(StoreUnavailableError); // callers that handle an unavailable store handle it
    expect(error.code).toBe('store_unavailable');
    expect(error.message).toMatch(/did not answer within 200 ms once the receiver began shutting down/);
    expect(gaveUp).toBe(1);
    // the later call's grace started with it
    expect(await settledAfter(later, 50)).toBe('pending');
    await expect(later).rejects.toBeInstanceOf(StoreShutdownWaitError);
    expect(gaveUp).toBe(2);
    // the calls themselves went on: an answer now reaches nobody, and harms nothing
    expect(store.count()).toBe(2);
    store.answerAll('too late');
  });

  it('answers a call the store answers within the grace, and passes its errors on', async () => {
    const store = new Answering();
    const grace = new ShutdownGrace(500, () => {});
    grace.begin();
    const view = boundedAfterShutdown(store, grace);
    const call = view.call();
    setTimeout(() => store.answerAll('in time'), 50);
    expect(await call).toBe('in time');
    const failing = boundedAfterShutdown(
      { fail: () => Promise.reject(new Error('refused')) },
      new ShutdownGrace(500, () => {}),
    );
    await expect(failing.fail()).rejects.toThrow('refused');
  });

  it('leaves the methods it is told to unbounded (a lock held while the caller works), on the store itself', async () => {
    const store = new Answering();
    let gaveUp = 0;
    const grace = new ShutdownGrace(50, () => gaveUp++);
    grace.begin();
    const view = boundedAfterShutdown(store, grace, 'background work', ['call']);
    const call = view.call();
    expect(await settledAfter(call, 150)).toBe('pending'); // past the grace: not given up
    expect(view.count()).toBe(1);
    store.answerAll('held');
    expect(await call).toBe('held');
    expect(gaveUp).toBe(0);
  });
});
