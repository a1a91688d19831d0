/**
 * The SQLite process lease on real files: taken when free, refused (StoreInUseError) while its holder's
 * heartbeat is fresh, taken over when it is stale or its holder's pid is dead on this host, renewed on
 * its timer, lost when another owner's row is found, released on close (only its own row).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../processing/test-support/processing-fixtures.js';
import { waitFor } from '../../processing/test-support/wait-for.js';
import { StoreInUseError } from '../store-errors.js';
import { type LeaseIdentity, type ProcessLeaseOptions, SqliteProcessLease } from './process-lease.js';
import { applySqliteMigrations } from './sqlite-migrations.js';

const tmp = tempDir('process-lease');
afterAll(() => tmp.cleanup());
const held: SqliteProcessLease[] = [];
afterEach(() => {
  for (const lease of held.splice(0)) lease.release();
});

let files = 0;
function migratedFile(): string {
  const file = join(tmp.dir, `lease-${++files}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  applySqliteMigrations(db);
  db.close();
  return file;
}

const HERE: LeaseIdentity = { pid: 4242, hostname: 'host-a', pidNamespace: 'pid:[1]' };

function acquire(options: ProcessLeaseOptions): SqliteProcessLease {
  const lease = SqliteProcessLease.acquire(options);
  held.push(lease);
  return lease;
}

interface Row {
  owner: string;
  pid: number;
  hostname: string;
  pid_namespace: string;
  started_at: number;
  heartbeat_at: number;
}

function readRow(file: string): Row | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], Row>('SELECT * FROM receiver_lease').get();
  } finally {
    db.close();
  }
}

function writeRow(file: string, row: Row): void {
  const db = new Database(file);
  try {
    db.prepare(
      `INSERT OR REPLACE INTO receiver_lease (id, owner, pid, hostname, pid_namespace, started_at, heartbeat_at)
       VALUES (1, @owner, @pid, @hostname, @pid_namespace, @started_at, @heartbeat_at)`,
    ).run(row);
  } finally {
    db.close();
  }
}

function refusal(run: () => unknown): StoreInUseError {
  try {
    run();
  } catch (error) {
    if (error instanceof StoreInUseError) return error;
    throw error;
  }
  throw new Error('the lease was taken, not refused');
}

describe('the SQLite process lease', () => {
  it('is taken on a free file, refused while held (naming file, holder and what to do), free again once released', () => {
    const file = migratedFile();
    const first = acquire({ file, identity: HERE });
    expect(first.takeover).toBeNull();
    expect(readRow(file)).toMatchObject({ owner: first.owner, pid: 4242, hostname: 'host-a' });

    // Another process on this host, the holder alive; and one on another host.
    for (const identity of [
      { ...HERE, pid: 4243 },
      { ...HERE, hostname: 'host-b' },
    ]) {
      const error = refusal(() => acquire({ file, identity, isAlive: () => true }));
      expect(error.code).toBe('store_in_use');
      expect(error.holder).toMatchObject({ pid: 4242, hostname: 'host-a' });
      expect(error.message).toContain(`The SQLite file ${file} is in use by another srhooks receiver`);
      expect(error.message).toContain('pid 4242 on host host-a, running since ');
      expect(error.message).toContain('Stop that receiver first');
      expect(error.message).toContain('SRHOOKS_DB');
      expect(error.message).toContain('PostgreSQL (DATABASE_URL)');
      expect(error.message).toMatch(/free 30 s after its last heartbeat: start again in (29|30) s\./);
    }
    // A second receiver in this very process (same pid) is refused too.
    expect(refusal(() => acquire({ file, identity: HERE, isAlive: () => false })).code).toBe('store_in_use');

    first.release();
    expect(readRow(file)).toBeUndefined();
    const next = acquire({ file, identity: { ...HERE, pid: 4243 } });
    expect(next.takeover).toBeNull();
  });

  it('takes over a lease whose heartbeat is older than the stale time, from any host', () => {
    const file = migratedFile();
    const now = Date.now();
    const base = { owner: 'gone', pid: 7, pid_namespace: 'pid:[9]', started_at: now - 3_600_000 };
    writeRow(file, { ...base, hostname: 'host-b', heartbeat_at: now - 10_000 });
    // 10 s old: fresh for the default 30 s, stale for 5 s.
    expect(refusal(() => acquire({ file, identity: HERE })).message).toContain('start again in 20 s');
    const lease = acquire({ file, identity: HERE, staleMs: 5_000 });
    expect(lease.takeover).toMatchObject({ reason: 'stale', holder: { pid: 7, hostname: 'host-b' } });
    expect(readRow(file)).toMatchObject({ owner: lease.owner, pid: 4242 });
  });

  it("takes over at once from a dead pid on this host and pid namespace, never from another host's or namespace's pid", () => {
    const file = migratedFile();
    const now = Date.now();
    const row = { owner: 'killed', pid: 99, started_at: now, heartbeat_at: now };
    const dead = () => false;
    writeRow(file, { ...row, hostname: 'host-b', pid_namespace: HERE.pidNamespace });
    expect(refusal(() => acquire({ file, identity: HERE, isAlive: dead })).holder.pid).toBe(99);
    writeRow(file, { ...row, hostname: HERE.hostname, pid_namespace: 'pid:[2]' });
    expect(refusal(() => acquire({ file, identity: HERE, isAlive: dead })).holder.pid).toBe(99);
    writeRow(file, { ...row, hostname: HERE.hostname, pid_namespace: HERE.pidNamespace });
    expect(refusal(() => acquire({ file, identity: HERE, isAlive: () => true })).holder.pid).toBe(99);
    const lease = acquire({ file, identity: HERE, isAlive: (pid) => pid !== 99 });
    expect(lease.takeover).toMatchObject({ reason: 'dead', holder: { pid: 99 } });
  });

  it('reports heartbeats that cannot be written while the file is locked, and renews again once it is free', async () => {
    const file = migratedFile();
    const failures: number[] = [];
    const lease = acquire({
      file,
      identity: HERE,
      staleMs: 3_000,
      heartbeatMs: 50,
      onBeatFailed: (_error, sinceRenewedMs) => failures.push(sinceRenewedMs),
    });
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await waitFor(() => failures.length >= 2, 'two failed heartbeats', 5_000);
    } finally {
      blocker.exec('COMMIT');
      blocker.close();
    }
    expect(failures[1]).toBeGreaterThan(failures[0] ?? Number.POSITIVE_INFINITY);
    const before = Date.now();
    await waitFor(() => (readRow(file)?.heartbeat_at ?? 0) >= before, 'a heartbeat after the lock', 5_000);
    expect(lease.lost).toBe(false);
  });

  it('renews its heartbeat on the timer; finding another owner stops it and reports the loss once; release leaves that row alone', async () => {
    const file = migratedFile();
    const losses: unknown[] = [];
    const lease = acquire({
      file,
      identity: HERE,
      staleMs: 300,
      heartbeatMs: 50,
      onLost: (h) => losses.push(h),
    });
    const taken = readRow(file)?.heartbeat_at ?? 0;
    await waitFor(() => (readRow(file)?.heartbeat_at ?? 0) > taken, 'a heartbeat', 5_000);

    const now = Date.now();
    const other = { owner: 'other', pid: 5, hostname: 'host-b', pid_namespace: '', started_at: now };
    writeRow(file, { ...other, heartbeat_at: now });
    await waitFor(() => losses.length > 0, 'the loss to be reported', 5_000);
    expect(lease.lost).toBe(true);
    expect(losses).toEqual([expect.objectContaining({ owner: 'other', pid: 5, hostname: 'host-b' })]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(losses).toHaveLength(1);
    lease.release();
    expect(readRow(file)).toMatchObject({ owner: 'other', heartbeat_at: now });
  });
});
