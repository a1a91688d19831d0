/**
 * GET /readyz/deliveries: whether a delivery would be acknowledged now, stored or spooled. SQLite with
 * another connection holding the file's write lock (a real busy store): /readyz is red, while
 * /readyz/deliveries stays green as long as the spool would take a delivery of SRHOOKS_BODY_LIMIT, and
 * says why not when it would not (no spool, no room, folder gone).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../../config/config-schema.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

let dir: string;
let locker: Database.Database | null = null;
const receivers: TestReceiver[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-readiness-deliveries-'));
});
afterEach(async () => {
  locker?.exec('ROLLBACK');
  locker?.close();
  locker = null;
  for (const receiver of receivers.splice(0)) await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function lock(): void {
  locker = new Database(join(dir, 'srhooks.db'));
  locker.exec('BEGIN IMMEDIATE');
}

async function start(overrides: Partial<ReceiverConfigInput> = {}): Promise<TestReceiver> {
  const receiver = await startTestReceiver({
    db: join(dir, 'srhooks.db'),
    spoolDir: join(dir, 'spool'),
    storeTimeoutMs: 400,
    ...overrides,
  });
  receivers.push(receiver);
  return receiver;
}

async function probe(
  receiver: TestReceiver,
  path: string,
): Promise<{ status: number; json: { error: { code: string; message: string } } & Record<string, unknown> }> {
  const response = await fetch(`${receiver.baseUrl}${path}`);
  return { status: response.status, json: await response.json() };
}

describe('GET /readyz/deliveries', () => {
  it('is green with the store up: deliveries are stored', async () => {
    // The default store timeout: a loaded machine must not turn a free store red here.
    const receiver = await start({ storeTimeoutMs: undefined });
    expect(await probe(receiver, '/readyz/deliveries')).toEqual({
      status: 200,
      json: {
        ok: true,
        store: 'sqlite',
        deliveries: 'stored',
        spool: { deliveries: 0, bytes: 0, unreadableFiles: 0, unreadableBytes: 0 },
      },
    });
  });

  it('stays green while the store is busy and the spool would take a delivery; /readyz is red', async () => {
    const receiver = await start();
    lock();
    const storeReadiness = await probe(receiver, '/readyz');
    expect(storeReadiness.status).toBe(503);
    expect(storeReadiness.json.error.message).toContain('deliveries are spooled while the spool has room');
    expect(await probe(receiver, '/readyz/deliveries')).toEqual({
      status: 200,
      json: {
        ok: true,
        store: 'sqlite',
        deliveries: 'spooled',
        spool: { deliveries: 0, bytes: 0, unreadableFiles: 0, unreadableBytes: 0 },
      },
    });
  });

  it('is red, saying why, when the spool could not take one either', async () => {
    const noSpool = await start({ spoolDir: undefined });
    lock();
    const without = await probe(noSpool, '/readyz/deliveries');
    expect(without.status).toBe(503);
    expect(without.json.error.code).toBe('store_unavailable');
    expect(without.json.error.message).toContain('no delivery spool is set (SRHOOKS_SPOOL_DIR)');
    expect((await probe(noSpool, '/readyz')).json.error.message).toContain('deliveries are answered 503');
  });

  it('is red when the spool has no room for a delivery of SRHOOKS_BODY_LIMIT', async () => {
    // The smallest spool the config allows (the body limit), 1 KiB of it taken by a damaged file kept aside.
    mkdirSync(join(dir, 'spool', 'unreadable'), { recursive: true });
    writeFileSync(join(dir, 'spool', 'unreadable', 'damaged.delivery'), Buffer.alloc(1024, 0x61));
    const small = await start({ spoolMaxBytes: 1024 * 1024, bodyLimit: 1024 * 1024 });
    lock();
    const full = await probe(small, '/readyz/deliveries');
    expect(full.status).toBe(503);
    expect(full.json.error.message).toContain(
      'has no room for a 1048576-byte delivery (SRHOOKS_SPOOL_MAX_BYTES)',
    );
  });

  it('is red when the spool folder is gone', async () => {
    const receiver = await start();
    lock();
    rmSync(join(dir, 'spool'), { recursive: true, force: true });
    const gone = await probe(receiver, '/readyz/deliveries');
    expect(gone.status).toBe(503);
    expect(gone.json.error.message).toContain(
      'Deliveries cannot be spooled either: the spool folder (SRHOOKS_SPOOL_DIR) no longer exists',
    );
    expect(gone.json.error.message, 'a public answer names no path').not.toContain(dir);
    expect(gone.json.error.message).toContain(
      'Restart the receiver: it creates the folder again and locks it.',
    );
  });
});
