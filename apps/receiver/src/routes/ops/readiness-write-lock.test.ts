/**
 * /readyz follows whether the SQLite store can write, not only read: another connection holding the
 * file's write lock (`BEGIN IMMEDIATE`, standing in for a store that cannot write) turns it red only once
 * it has held the lock for as long as a delivery waits for the store (`storeTimeoutMs`): a shorter hold
 * keeps it green (deliveries would still be stored). Red comes with a body saying why, and it turns green
 * by itself once the lock is released.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryBody } from '../../test-support/delivery-fixtures.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const { contentType, body } = deliveryBody('order_confirm');

async function readiness(receiver: TestReceiver) {
  const started = performance.now();
  const response = await fetch(`${receiver.baseUrl}/readyz`);
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, json, ms: performance.now() - started };
}

/**
 * Polls /readyz until it answers `status`, within `withinMs`. Each answer is checked not to hang (the
 * probe's own limit is 1 s; 10 s leaves room for a loaded CI machine without hiding a hang).
 */
async function until(receiver: TestReceiver, status: number, withinMs: number) {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const answer = await readiness(receiver);
    expect(answer.ms).toBeLessThan(10_000);
    if (answer.status === status || performance.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('/readyz with the SQLite file locked by another connection', () => {
  let receiver: TestReceiver | undefined;
  let locker: Database.Database | undefined;
  afterEach(async () => {
    if (locker?.inTransaction) locker.exec('ROLLBACK');
    locker?.close();
    await receiver?.close();
  });

  it('stays green while another connection holds the write lock for less than a delivery waits (3.5 s of 5 s)', async () => {
    // the default: how long a delivery waits for the store (test-receiver.ts sets a roomier one)
    receiver = await startTestReceiver({ storeTimeoutMs: 5000 });
    expect((await until(receiver, 200, 5000)).status).toBe(200);

    locker = new Database(receiver.config.db as string);
    const held = locker;
    held.exec('BEGIN IMMEDIATE');
    // Released by the clock, not after a probe: a slow answer on a loaded machine must not stretch the hold.
    let releasedAt = 0;
    const release = setTimeout(() => {
      held.exec('ROLLBACK');
      releasedAt = performance.now();
    }, 3500);
    const statuses: number[] = [];
    try {
      while (releasedAt === 0) {
        statuses.push((await readiness(receiver)).status);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      clearTimeout(release);
      if (held.inTransaction) held.exec('ROLLBACK');
    }
    statuses.push((await readiness(receiver)).status);
    expect(statuses.length).toBeGreaterThan(1);
    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  it('is red once the write lock has been held for as long as a delivery waits, and green again by itself once released', async () => {
    // A delivery waits 5 s for the store (the default): long enough that a readiness answer given while a
    // delivery waits is told apart from one queued behind it, on a loaded machine too.
    receiver = await startTestReceiver({ storeTimeoutMs: 5000 }); // the default
    // The first probe may wait for the writer thread to start.
    expect((await until(receiver, 200, 5000)).status).toBe(200);

    locker = new Database(receiver.config.db as string);
    locker.exec('BEGIN IMMEDIATE');
    const lockedAt = performance.now();
    const red = await until(receiver, 503, 15_000);
    expect(red.status).toBe(503);
    // never red before the lock was held for the delivery wait
    expect(performance.now() - lockedAt).toBeGreaterThanOrEqual(5000);
    expect(red.json).toEqual({
      ok: false,
      error: {
        code: 'store_unavailable',
        message: expect.stringMatching(
          /^The event store cannot store a delivery now: deliveries are answered 503 until it can/,
        ),
      },
      store: 'sqlite',
    });
    // What failed is in the warn line, not in the public answer.
    const warned = receiver.logLines
      .map((line) => JSON.parse(line) as { msg: string; err?: { message?: string } })
      .filter((line) => line.msg === 'readiness probe: store unavailable');
    expect(warned.at(-1)?.err?.message).toMatch(
      /cannot be written now.*SQLITE_BUSY|did not take the write lock/,
    );

    // A delivery now waits in the writer thread for the lock (busy timeout, one retry): readiness
    // still answers within its own limit, red, instead of queueing behind it.
    let deliveryAnswered = false;
    const delivery = fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
      method: 'POST',
      body: new Uint8Array(body),
      headers: { 'content-type': contentType },
    }).finally(() => {
      deliveryAnswered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the probe cache
    const whileWaiting = await readiness(receiver);
    expect(whileWaiting.status).toBe(503);
    // answered while the delivery still waits, not queued behind it (order, not a time: CI machines are noisy)
    expect(deliveryAnswered).toBe(false);
    expect((await delivery).status).toBe(503);

    locker.exec('ROLLBACK');
    const green = await until(receiver, 200, 5000);
    expect(green).toMatchObject({ status: 200, json: { ok: true, store: 'sqlite' } });
  });

  it('with a store timeout above the busy timeout (9 s), stays green while a delivery still waits for the lock; red once it failed', async () => {
    // A delivery waits for a lock another connection holds for the busy timeout (5 s), once more after a
    // retry (another 5 s), at most storeTimeoutMs: with 9 s it is stored if the lock goes within 9 s.
    receiver = await startTestReceiver({ storeTimeoutMs: 9000 });
    expect((await until(receiver, 200, 5000)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the probe cache: the next probe is new

    locker = new Database(receiver.config.db as string);
    locker.exec('BEGIN IMMEDIATE');
    let deliveryAnswered = false;
    const delivery = fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
      method: 'POST',
      body: new Uint8Array(body),
      headers: { 'content-type': contentType },
    }).finally(() => {
      deliveryAnswered = true;
    });
    // Probes start after the delivery reached the store: each answer is told apart by whether the
    // delivery had been answered yet (order, not measured times).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const whileWaiting: number[] = [];
    while (!deliveryAnswered) {
      const answer = await readiness(receiver);
      if (!deliveryAnswered) whileWaiting.push(answer.status);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await delivery).status).toBe(503); // the lock outlasted its wait
    // never red while that delivery could still have been stored
    expect(whileWaiting.length).toBeGreaterThan(0);
    expect(new Set(whileWaiting)).toEqual(new Set([200]));
    // once a delivery would fail, red, while the lock is still held
    const red = await until(receiver, 503, 15_000);
    expect(red.status).toBe(503);
    expect(locker.inTransaction).toBe(true);

    locker.exec('ROLLBACK');
    expect((await until(receiver, 200, 15_000)).status).toBe(200);
  });

  it('probes write nothing when healthy (no WAL growth, so no fsync per probe)', async () => {
    receiver = await startTestReceiver();
    const wal = `${receiver.config.db as string}-wal`;
    expect((await until(receiver, 200, 5000)).status).toBe(200);
    const before = statSync(wal).size;
    const commits = receiver.app.store.stats().commits;
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the probe cache
      expect((await readiness(receiver)).status).toBe(200);
    }
    expect(statSync(wal).size).toBe(before);
    expect(receiver.app.store.stats().commits).toBe(commits);
  });
});
