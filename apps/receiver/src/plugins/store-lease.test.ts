/**
 * One receiver per SQLite file, at buildReceiver: a second receiver on the file is refused with
 * StoreInUseError while the first runs, starts once the first closed, takes over a stale lease (logged),
 * and a start that fails after the store opened leaves the file free. Stores opened directly (tools,
 * tests) take no lease.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { openSqlite, tempDir } from '../processing/test-support/processing-fixtures.js';
import { waitFor } from '../processing/test-support/wait-for.js';
import { StoreInUseError } from '../store/store-errors.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const tmp = tempDir('store-lease');
afterAll(() => tmp.cleanup());
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

let files = 0;
const nextFile = () => join(tmp.dir, `receiver-${++files}.db`);

function config(db: string) {
  return defineReceiverConfig({ secrets: ['lease-secret-0123456789abcdef'], db, logLevel: 'silent' });
}

async function build(db: string): Promise<FastifyInstance> {
  const app = await buildReceiver(config(db), { defaultMetrics: false, processing: { enabled: false } });
  closers.push(() => app.close());
  return app;
}

async function start(db: string, staleMs?: number): Promise<TestReceiver> {
  const receiver = await startTestReceiver(
    { db },
    staleMs === undefined ? {} : { storeLease: { staleMs, heartbeatMs: 100 } },
  );
  closers.push(() => receiver.close());
  return receiver;
}

describe('one receiver per SQLite file', () => {
  it('refuses a second receiver on the file while the first runs, naming the file and the process; starts one once the first closed', async () => {
    const db = nextFile();
    const first = await build(db);
    await first.ready();

    const second = await buildReceiver(config(db), {
      defaultMetrics: false,
      processing: { enabled: false },
    }).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(StoreInUseError);
    const refused = second as StoreInUseError;
    expect(refused.code).toBe('store_in_use');
    expect(refused.message).toContain(`The SQLite file ${db} is in use by another srhooks receiver`);
    expect(refused.message).toContain(`pid ${process.pid} on host `);
    expect(refused.message).not.toContain('\n');
    // The first one is unaffected.
    expect((await first.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // Stores opened directly (tools, tests) take no lease.
    const direct = await openSqlite(db);
    await direct.close();

    await first.close();
    const next = await build(db);
    expect((await next.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(next.storeLease?.file).toBe(db);
  });

  it('takes over a lease whose heartbeat is older than the stale time, and says so', async () => {
    const db = nextFile();
    await (await openSqlite(db)).close();
    const file = new Database(db);
    const now = Date.now();
    file
      .prepare(
        `INSERT INTO receiver_lease (id, owner, pid, hostname, pid_namespace, started_at, heartbeat_at)
         VALUES (1, 'crashed', 31337, 'other-host', '', ?, ?)`,
      )
      .run(now - 60_000, now - 2_000);
    file.close();
    await expect(start(db)).rejects.toBeInstanceOf(StoreInUseError);

    const receiver = await start(db, 1_000);
    const warning = receiver.logLines.map((line) => JSON.parse(line)).find((line) => line.storeLease);
    expect(warning).toMatchObject({
      level: 40,
      storeLease: { file: db, takenOver: { pid: 31337, hostname: 'other-host', reason: 'stale' } },
    });
    expect(warning.msg).toContain(
      `took over the SQLite file ${db} from an earlier receiver (pid 31337 on host other-host)`,
    );
  });

  it('takes the lease before opening a file that has the lease table: a refused receiver does not touch its schema', async () => {
    const db = nextFile();
    const first = await build(db);
    await first.ready();
    // As if the running receiver were a newer version: its schema is ahead of this receiver's.
    const file = new Database(db);
    file.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'newer', 0)").run();
    file.close();
    const refused = await buildReceiver(config(db), {
      defaultMetrics: false,
      processing: { enabled: false },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreInUseError);
  });

  it('warns once when its heartbeat could not be written for half the stale time (the file locked)', async () => {
    const db = nextFile();
    const receiver = await start(db, 900);
    const warnings = () =>
      receiver.logLines.map((line) => JSON.parse(line)).filter((line) => line.storeLease?.sinceRenewedMs);
    const blocker = new Database(db);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await waitFor(() => warnings().length > 0, 'the warning', 5_000);
      await new Promise((resolve) => setTimeout(resolve, 300)); // more failed beats, no more warnings
    } finally {
      blocker.exec('COMMIT');
      blocker.close();
    }
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ level: 40, storeLease: { file: db } });
    expect(warnings()[0].msg).toContain(`cannot renew this receiver's lease of the SQLite file ${db}`);
    expect((await receiver.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('leaves the file free when the start fails after the store opened (a handler option refused)', async () => {
    const db = nextFile();
    const valid = defineReceiverConfig({
      secrets: ['lease-secret-0123456789abcdef'],
      db,
      logLevel: 'silent',
      handlers: { slow: { type: 'module', path: join(tmp.dir, 'never.mjs') } },
    });
    const broken = {
      ...valid,
      handlers: { slow: { ...valid.handlers.slow!, retry: { delays: ['soon'] } } },
    };
    await expect(buildReceiver(broken, { defaultMetrics: false })).rejects.toThrow(
      'handlers.slow.retry.delays[0] is "soon"',
    );
    const next = await build(db);
    expect((await next.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
