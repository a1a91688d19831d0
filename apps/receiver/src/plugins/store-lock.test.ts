/**
 * One receiver per SQLite file, at buildReceiver: a second receiver on the file is refused with
 * StoreInUseError while the first runs (before it opens the file), starts once the first closed, and a
 * start that fails after the store opened leaves the file free. Stores opened directly (tools, tests)
 * take no lock.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { openSqlite, tempDir } from '../processing/test-support/processing-fixtures.js';
import { StoreInUseError } from '../store/store-errors.js';

const tmp = tempDir('store-lock');
afterAll(() => tmp.cleanup());
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

let files = 0;
const nextFile = () => join(tmp.dir, `receiver-${++files}.db`);

function config(db: string) {
  // storeTimeoutMs roomy: on a loaded CI machine /readyz's store check waited past the 5 s default (503)
  return defineReceiverConfig({
    secrets: ['lease-secret-0123456789abcdef'],
    db,
    logLevel: 'silent',
    storeTimeoutMs: 30_000,
  });
}

async function build(db: string): Promise<FastifyInstance> {
  const app = await buildReceiver(config(db), { defaultMetrics: false, processing: { enabled: false } });
  closers.push(() => app.close());
  return app;
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
    // Stores opened directly (tools, tests) take no lock.
    const direct = await openSqlite(db);
    await direct.close();

    await first.close();
    const next = await build(db);
    expect((await next.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(next.storeLock?.file).toBe(db);
  });

  it('locks before opening the file: a refused receiver does not touch or migrate it', async () => {
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

  it('leaves the file free when the start fails after the store opened (a handler option refused)', async () => {
    const db = nextFile();
    const valid = defineReceiverConfig({
      secrets: ['lease-secret-0123456789abcdef'],
      db,
      logLevel: 'silent',
      storeTimeoutMs: 30_000,
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
