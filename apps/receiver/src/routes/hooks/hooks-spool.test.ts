/**
 * POST /hooks with the delivery spool on (SRHOOKS_SPOOL_DIR), SQLite: another connection holds the
 * file's write lock (a real busy store), so the ingest answers store_unavailable after its wait. The
 * delivery is then spooled and acknowledged (200 `spooled`), stored under the same id and arrival time
 * once the lock is gone; an undecodable one is answered its 400 and quarantined later; a delivery that
 * does not fit in the spool is answered 503 as without one; a spooled delivery left at shutdown is
 * drained by the next start.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../../config/config-schema.js';
import { deliveryBody, deliveryPayload } from '../../test-support/delivery-fixtures.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const { contentType, body } = deliveryBody('order_confirm');

let dir: string;
let locker: Database.Database | null = null;
const receivers: TestReceiver[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-hooks-spool-'));
});
afterEach(async () => {
  unlock();
  for (const receiver of receivers.splice(0)) await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function lock(): void {
  locker = new Database(join(dir, 'srhooks.db'));
  locker.exec('BEGIN IMMEDIATE');
}
function unlock(): void {
  locker?.exec('ROLLBACK');
  locker?.close();
  locker = null;
}

async function start(overrides: Partial<ReceiverConfigInput> = {}): Promise<TestReceiver> {
  const receiver = await startTestReceiver(
    { db: join(dir, 'srhooks.db'), spoolDir: join(dir, 'spool'), storeTimeoutMs: 400, ...overrides },
    { spool: { retryMs: 100, maxRetryMs: 200 } },
  );
  receivers.push(receiver);
  return receiver;
}

async function post(
  receiver: TestReceiver,
  payload: Buffer = body,
  type = contentType,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
    method: 'POST',
    body: new Uint8Array(payload),
    headers: { 'content-type': type },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function spoolFiles(): string[] {
  return readdirSync(join(dir, 'spool')).filter((name) => name.endsWith('.delivery'));
}

describe('POST /hooks with the spool on, the SQLite store busy', () => {
  it('acknowledges the delivery as spooled and stores it under that id once the store is back', async () => {
    const receiver = await start();
    lock();
    const before = Date.now();
    const answer = await post(receiver);
    const answered = Date.now();
    expect(answer).toEqual({
      status: 200,
      json: { ok: true, deliveryId: expect.stringMatching(/^dlv_/), spooled: true, events: 1 },
    });
    const deliveryId = answer.json.deliveryId as string;
    expect(spoolFiles()).toEqual([`${deliveryId}.delivery`]);

    const ready = await fetch(`${receiver.baseUrl}/readyz`);
    expect(await ready.json()).toMatchObject({ spool: { deliveries: 1, bytes: expect.any(Number) } });
    const metrics = await (await fetch(`${receiver.baseUrl}/metrics`)).text();
    expect(metrics).toContain(
      'srhooks_deliveries_total{shop="demo",event="order_confirm",outcome="spooled"} 1',
    );
    expect(metrics).toContain('srhooks_spool_waiting_deliveries 1');

    unlock();
    await expect.poll(() => spoolFiles().length).toBe(0);
    const stored = await receiver.app.store.getDelivery(deliveryId);
    expect(stored?.status).toBe('stored');
    expect(stored?.receivedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    // the arrival's time, not the drain's (which came after `answered`)
    expect(stored?.receivedAt.getTime()).toBeLessThanOrEqual(answered);
    expect(stored?.rawBody.equals(body)).toBe(true);
    expect(stored?.events).toHaveLength(1);
    expect((await receiver.app.store.listDeliveries()).items).toHaveLength(1);
    // the file is gone a moment before the drainer counts it (and its usage) as drained
    const metricsText = async () => (await fetch(`${receiver.baseUrl}/metrics`)).text();
    await expect.poll(metricsText).toContain('srhooks_spool_waiting_deliveries 0');
    const drainedMetrics = await metricsText();
    // stored by the drainer, or found stored: the timed-out ingest call committed once the lock was gone
    expect(drainedMetrics).toMatch(/srhooks_spool_deliveries_total\{outcome="(stored|already_stored)"\} 1/);

    // ids and counts in the log, never the order's personal data
    const log = receiver.logLines.join('\n');
    expect(log).toContain(deliveryId);
    expect(log).toMatch(/delivery spooled/);
    const payload = JSON.stringify(deliveryPayload('order_confirm'));
    for (const value of payload.match(/"(email|lastname|firstname|phone)":"([^"]+)"/gi) ?? []) {
      expect(log).not.toContain(value.split(':')[1]);
    }
  });

  it('answers an undecodable delivery its 400 with the spooled id, and quarantines it later', async () => {
    const receiver = await start();
    lock();
    const answer = await post(receiver, Buffer.from('{"orders":'), 'application/json');
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      ok: false,
      spooled: true,
      deliveryId: expect.stringMatching(/^dlv_/),
    });
    unlock();
    await expect.poll(() => spoolFiles().length).toBe(0);
    const stored = await receiver.app.store.getDelivery(answer.json.deliveryId as string);
    expect(stored?.status).toBe('quarantined');
  });

  it("quarantines a spooled delivery with its bad field's part, path and value; the 400 names the field, never the value", async () => {
    const receiver = await start();
    lock();
    const order = {
      ...sampleOrder('spooled-field'),
      orderProducts: { orderProduct: [{ innerId: '1', quantity: 'Kovács Éva, 1051 Budapest' }] },
    };
    const encoded = encodeDelivery('order_confirm', { orders: { order: [order] } } as never, {
      format: 'json',
    });
    const answer = await post(receiver, Buffer.from(encoded.body), encoded.contentType);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      spooled: true,
      error: {
        code: 'invalid_field',
        part: 'field',
        path: 'orders.order[0].orderProducts.orderProduct[0].quantity',
      },
    });
    expect(JSON.stringify(answer.json)).not.toContain('Kovács');
    unlock();
    await expect.poll(() => spoolFiles().length).toBe(0);
    const stored = await receiver.app.store.getDelivery(answer.json.deliveryId as string);
    expect(stored?.decodeError).toMatchObject({
      code: 'invalid_field',
      detail: {
        part: 'field',
        path: 'orders.order[0].orderProducts.orderProduct[0].quantity',
        value: 'Kovács Éva, 1051 Budapest',
      },
    });
    expect(receiver.logLines.join('\n')).not.toContain('Kovács');
  });

  it('answers 503 when the delivery does not fit in the spool (SRHOOKS_SPOOL_MAX_BYTES)', async () => {
    // The smallest spool the config allows (its body limit): a delivery of that size and its record do not fit.
    const receiver = await start({ spoolMaxBytes: 1024 * 1024, bodyLimit: 1024 * 1024 });
    lock();
    const big = Buffer.alloc(1024 * 1024, 0x61);
    const answer = await post(receiver, big, 'application/json');
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ ok: false, error: { code: 'store_unavailable' } });
    expect(spoolFiles()).toEqual([]);
    expect(receiver.logLines.join('\n')).toContain('spool_full');
    const metrics = await (await fetch(`${receiver.baseUrl}/metrics`)).text();
    expect(metrics).toContain('srhooks_spool_deliveries_total{outcome="full"} 1');
  });

  it('says what happened and what to do when the spool folder was removed while it runs', async () => {
    // Before, the log said "ENOENT … scandir" at every drain round and "check the disk (free space,
    // permissions)" for every delivery refused, and /readyz/deliveries "cannot be written": no remedy.
    const receiver = await start();
    rmSync(join(dir, 'spool'), { recursive: true, force: true });
    lock();
    const answer = await post(receiver);
    expect(answer.status).toBe(503);
    const remedy = 'Restart the receiver: it creates the folder again and locks it.';
    const gone = `the spool folder ${join(dir, 'spool')} (SRHOOKS_SPOOL_DIR) no longer exists`;
    const notSpooled = receiver.logLines.find((line) => line.includes('delivery not spooled')) ?? '';
    expect(notSpooled).toContain(`The delivery could not be written to the spool: ${gone}`);
    expect(notSpooled).toContain(remedy);
    const readiness = (await (await fetch(`${receiver.baseUrl}/readyz/deliveries`)).json()) as {
      error: { message: string };
    };
    // the public probe names the folder by its setting, not its path
    expect(readiness.error.message).toContain(
      'Deliveries cannot be spooled either: the spool folder (SRHOOKS_SPOOL_DIR) no longer exists',
    );
    expect(readiness.error.message).not.toContain(dir);
    expect(readiness.error.message).toContain(remedy);
    await expect
      .poll(() => receiver.logLines.find((line) => line.includes('"spool_folder_gone"')) ?? '', {
        timeout: 5000,
      })
      .toContain(`spool drain failed: ${gone}`);
    expect(receiver.logLines.join('\n')).not.toContain('scandir');
  });

  it('keeps what it could not drain at shutdown; the next start drains it', async () => {
    const first = await start();
    lock();
    const answer = await post(first);
    expect(answer.status).toBe(200);
    await first.close();
    receivers.splice(receivers.indexOf(first), 1);
    expect(spoolFiles()).toHaveLength(1);
    unlock();
    const second = await start();
    await expect.poll(() => spoolFiles().length).toBe(0);
    expect((await second.app.store.getDelivery(answer.json.deliveryId as string))?.status).toBe('stored');
  });

  it('refuses to start on a spool folder it cannot use, and releases the store for the next start', async () => {
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    await expect(start({ spoolDir: join(dir, 'not-a-folder', 'spool') })).rejects.toMatchObject({
      code: 'spool_dir_unusable',
      message: expect.stringMatching(/SRHOOKS_SPOOL_DIR/),
    });
    const receiver = await start();
    expect((await post(receiver)).status).toBe(200);
  });

  it('without the spool, a busy store is still answered 503', async () => {
    const receiver = await start({ spoolDir: undefined });
    lock();
    const answer = await post(receiver);
    expect(answer.status).toBe(503);
    expect(readdirSync(dir)).not.toContain('spool');
  });
});
