import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SLOW_COMMIT_MS } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import { BATCH_RETRY_DELAY_MS, GroupCommitter } from './group-commit.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-group-commit-'));
let counter = 0;
const open: Database.Database[] = [];

function database(): { db: Database.Database; file: string } {
  const file = join(dir, `gc-${++counter}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE items (name TEXT PRIMARY KEY)');
  open.push(db);
  return { db, file };
}

function names(file: string): string[] {
  const reader = new Database(file, { readonly: true });
  try {
    return (reader.prepare('SELECT name FROM items ORDER BY name').all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
  } finally {
    reader.close();
  }
}

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('GroupCommitter', () => {
  it('commits writes queued together in one transaction and resolves once they are visible to other connections', async () => {
    const { db, file } = database();
    const committer = new GroupCommitter(db, { windowMs: 5 });
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const results = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        committer.run(() => {
          insert.run(name);
          return name.toUpperCase();
        }),
      ),
    );
    expect(results).toEqual(['A', 'B', 'C']);
    expect(names(file)).toEqual(['a', 'b', 'c']);
    const stats = committer.stats();
    expect(stats).toMatchObject({ commits: 1, items: 3, largestBatch: 3 });
    // The COMMIT (WAL write + fsync) was timed.
    expect(stats.longestCommitMs).toBeGreaterThan(0);
    expect(stats.slowCommits).toBe(stats.longestCommitMs > SLOW_COMMIT_MS ? 1 : 0);
  });

  it('rolls back a failing write alone, including what it wrote before failing', async () => {
    const { db, file } = database();
    const committer = new GroupCommitter(db, { windowMs: 5 });
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const outcomes = await Promise.allSettled([
      committer.run(() => insert.run('first')),
      committer.run(() => {
        insert.run('half-written');
        insert.run('first'); // primary key violation
      }),
      committer.run(() => insert.run('last')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    expect(names(file)).toEqual(['first', 'last']);
    expect(committer.stats().commits).toBe(1);
  });

  it('runs after-commit hooks only for writes that committed', async () => {
    const { db } = database();
    const committer = new GroupCommitter(db, { windowMs: 0 });
    const fired: string[] = [];
    await Promise.allSettled([
      committer.run((tx) => tx.afterCommit(() => fired.push('ok'))),
      committer.run((tx) => {
        tx.afterCommit(() => fired.push('failed'));
        throw new Error('boom');
      }),
    ]);
    expect(fired).toEqual(['ok']);
  });

  it('splits a burst into batches of at most maxBatch', async () => {
    const { db, file } = database();
    const committer = new GroupCommitter(db, { windowMs: 50, maxBatch: 10 });
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    await Promise.all(Array.from({ length: 25 }, (_, i) => committer.run(() => insert.run(`n${i}`))));
    expect(names(file)).toHaveLength(25);
    expect(committer.stats()).toMatchObject({ commits: 3, items: 25, largestBatch: 10 });
  });

  it('commits what is queued on close and refuses later writes', async () => {
    const { db, file } = database();
    const committer = new GroupCommitter(db, { windowMs: 1000 });
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const pending = committer.run(() => insert.run('queued'));
    committer.close();
    await pending;
    expect(names(file)).toEqual(['queued']);
    await expect(committer.run(() => insert.run('late'))).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('tries a batch once more when the database was locked by another connection, and stores it', async () => {
    const { db, file } = database();
    db.pragma('busy_timeout = 0');
    const committer = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const other = new Database(file);
    open.push(other);
    other.exec('BEGIN IMMEDIATE');
    const pending = committer.run(() => insert.run('after-busy'));
    // the first try fails with SQLITE_BUSY; the lock is gone before the second
    setTimeout(() => other.exec('COMMIT'), BATCH_RETRY_DELAY_MS / 2);
    await pending;
    expect(names(file)).toEqual(['after-busy']);
  });

  it('rejects as unavailable when the database stays locked after the second try', async () => {
    const { db, file } = database();
    db.pragma('busy_timeout = 0');
    const committer = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const other = new Database(file);
    open.push(other);
    other.exec('BEGIN IMMEDIATE');
    await expect(committer.run(() => insert.run('never'))).rejects.toBeInstanceOf(StoreUnavailableError);
    other.exec('ROLLBACK');
    expect(names(file)).toEqual([]);
  });
});
