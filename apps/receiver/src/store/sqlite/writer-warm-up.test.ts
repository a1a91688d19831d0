/**
 * A receiver on SQLite starts the store's writer thread once the schema is migrated, not on the first
 * delivery: loading the thread (a new isolate, the SQLite module, the file opened) would otherwise be
 * part of the first delivery's answer time (seconds on a loaded machine).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';
import { SqliteStore } from './sqlite-store.js';

const receivers: TestReceiver[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

describe('SQLite writer thread warm-up', () => {
  it('runs before any delivery arrived', async () => {
    const receiver = await startTestReceiver();
    receivers.push(receiver);
    const store = receiver.app.store;
    expect(store).toBeInstanceOf(SqliteStore);
    expect((store as SqliteStore).writerRunning).toBe(true);
  });

  it('does not keep the process alive by itself: a store that only warmed up closes', async () => {
    const receiver = await startTestReceiver();
    await receiver.close();
    expect((receiver.app.store as SqliteStore).writerRunning).toBe(false);
  });
});
