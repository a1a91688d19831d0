/** The SQLite write-readiness probe: its cache, its time bound, and write failures a probe cannot see. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../store-errors.js';
import { SqliteConnection } from './sqlite-connection.js';
import { WRITE_PROBE_MARGIN_MS, WriteReadiness } from './write-readiness.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-write-readiness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WriteReadiness', () => {
  it('reuses an outcome within the cache time and probes afresh after it', async () => {
    let now = 0;
    let calls = 0;
    const readiness = new WriteReadiness(
      async () => {
        calls++;
        return undefined;
      },
      { cacheMs: 1000, now: () => now },
    );
    await readiness.check();
    await readiness.check();
    expect(calls).toBe(1);
    now = 1500;
    await readiness.check();
    expect(calls).toBe(2);
  });

  it('probes afresh after a write failed as unavailable, even within the cache time', async () => {
    let calls = 0;
    let failures = 0;
    const readiness = new WriteReadiness(
      async () => {
        calls++;
        return undefined;
      },
      { cacheMs: 60_000, failures: () => failures },
    );
    await readiness.check();
    await readiness.check();
    failures = 1;
    await readiness.check();
    expect(calls).toBe(2);
  });

  it('answers within its limit while the writer does not (red at once with lockWaitMs 0), without queueing more probes', async () => {
    let calls = 0;
    const readiness = new WriteReadiness(
      () => {
        calls++;
        // The first probe (it starts the writer thread) answers; then the writer is stuck.
        return calls === 1 ? Promise.resolve(undefined) : new Promise<undefined>(() => {});
      },
      { limitMs: 50, cacheMs: 0, lockWaitMs: 0 },
    );
    await readiness.check();
    const started = performance.now();
    await expect(readiness.check()).rejects.toThrow(/did not take the write lock within/);
    expect(performance.now() - started).toBeLessThan(50 + WRITE_PROBE_MARGIN_MS + 300);
    await expect(readiness.check()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(calls).toBe(2);

    // A writer that does not answer (it waits for the lock on a delivery's behalf) is tolerated like a
    // busy lock: green within lockWaitMs.
    let patientCalls = 0;
    const patient = new WriteReadiness(
      () => (++patientCalls === 1 ? Promise.resolve(undefined) : new Promise<undefined>(() => {})),
      { limitMs: 50, cacheMs: 0, lockWaitMs: 60_000 },
    );
    await patient.check();
    await patient.check();
    await patient.check();
    expect(patientCalls).toBe(2);
  });

  it('stays green while the write lock is busy for less than lockWaitMs since the first busy probe began; a taken lock resets it; other errors are red at once', async () => {
    let now = 0;
    let outcome: string | undefined | Error = 'SQLite SQLITE_BUSY: database is locked';
    const readiness = new WriteReadiness(
      async () => {
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
      { cacheMs: 0, lockWaitMs: 5000, now: () => now },
    );
    await readiness.check(); // busy since 0
    now = 4999;
    await readiness.check();
    now = 5000;
    await expect(readiness.check()).rejects.toThrow(
      /^The event store is unavailable \(the SQLite file cannot be written now: SQLite SQLITE_BUSY: database is locked; its write lock has been unavailable for 5 s, as long as a delivery waits for it\)/,
    );
    outcome = undefined; // released
    now = 6000;
    await readiness.check();
    outcome = 'SQLite SQLITE_BUSY: database is locked'; // busy again: a new wait
    now = 7000;
    await readiness.check();
    now = 11_999;
    await readiness.check();
    now = 12_000;
    await expect(readiness.check()).rejects.toBeInstanceOf(StoreUnavailableError);
    outcome = undefined;
    now = 12_001;
    await readiness.check();
    outcome = new StoreUnavailableError('SQLite SQLITE_IOERR: disk I/O error');
    await expect(readiness.check()).rejects.toThrow(/SQLITE_IOERR/);
  });
});

describe('SqliteConnection.probeWrite', () => {
  it('fails after a batch failed for a reason the lock probe cannot see, until a write commits', async () => {
    const conn = new SqliteConnection(join(dir, 'full.db'));
    try {
      conn.probeWrite(100);
      const diskFull = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      await expect(
        conn.write(() => {
          conn.database.exec('ROLLBACK'); // what SQLite does to the transaction on a full disk
          throw diskFull;
        }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(() => conn.probeWrite(100)).toThrow(/last write failed 0 s ago.*SQLITE_FULL/);
      await conn.write(() => conn.stmt('UPDATE handler_states SET handler = handler WHERE 0').run());
      expect(() => conn.probeWrite(100)).not.toThrow();
    } finally {
      conn.close();
    }
  });
});
