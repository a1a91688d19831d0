/**
 * `srhooks events tail` catching up after its connection was cut prints the deliveries that entered the
 * store meanwhile though they arrived before: a real receiver (SQLite, the spool on) whose store another
 * connection holds locked answers two deliveries with 200 `spooled` and 400 `spooled`, tail starts, its
 * connection is cut, the lock goes and both enter the store (the waiting writes, or the spool's drain),
 * one stored and one quarantined. The catch-up prints each once, at its arrival time, with the stored
 * one's handler outcome; a second cut and catch-up (which lists them again: they changed within its
 * overlap) prints nothing twice.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { startProxy } from '../../test-support/cuttable-proxy.js';
import { type RunningCli, sendDelivery, startCli, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

// the receiver's SQLite driver (the CLI has none of its own), to hold the receiver's write lock
const Database = createRequire(createRequire(import.meta.url).resolve('@srhooks/receiver/package.json'))(
  'better-sqlite3',
) as typeof BetterSqlite3;

const config = tempConfigDir();
const SECRET = 'events-tail-spooled-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-spooled-admin-token-0123456789';
const DB_FILE = join(config.dir, '..', 'receiver.db');
const SPOOL_DIR = join(config.dir, '..', 'spool');

let target: CaptureServer;
let main: TestReceiver;

beforeAll(async () => {
  target = await startCaptureServer(() => ({ status: 200, body: 'ok' }));
  main = await startTestReceiver(
    config.dir,
    {
      secrets: [SECRET],
      adminToken: ADMIN_TOKEN,
      spoolDir: SPOOL_DIR,
      // a delivery whose write waits this long for the locked store is spooled
      storeTimeoutMs: 400,
      shops: [{ name: 'acme', handlers: ['erp'] }],
      handlers: { erp: forwardTo(`${target.url}/erp`) },
    },
    { spool: { retryMs: 100, maxRetryMs: 200 } },
  );
});
afterAll(async () => {
  await main.receiver.close();
  await target.close();
  config.cleanup();
});

interface JsonLine {
  type: string;
  time: string;
  deliveryId?: string;
  eventId?: string;
  status: string;
  handler?: string;
}

describe('srhooks events tail: deliveries that entered the store while its connection was cut', () => {
  it('prints a spooled delivery stored meanwhile and a spooled one quarantined meanwhile, each once, at their arrival time', async () => {
    const locker = new Database(DB_FILE);
    let locked = true;
    const proxy = await startProxy(new URL(main.url));
    let run: RunningCli | undefined;
    try {
      locker.exec('BEGIN IMMEDIATE');
      const stored = await sendDelivery(
        config.dir,
        main.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
        'tail-spooled',
      );
      expect(stored.spooled, stored.stdout).toBe(true);
      const bad = await fetch(main.deliveryUrl({ shop: 'acme', event: 'order_confirm' }), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"orders":',
      });
      const quarantined = (await bad.json()) as { deliveryId: string; spooled?: boolean };
      expect({ status: bad.status, spooled: quarantined.spooled }).toEqual({ status: 400, spooled: true });

      // tail starts while both wait in the spool: they arrived before it, nothing of them is in the store
      run = startCli(config.dir, ['events', 'tail', '--json', '--receiver', proxy.url], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      await run.waitForErrorLine(/^following the receiver at .*: waiting for deliveries/);
      proxy.cut();
      await run.waitForErrorLine(/^warning: lost the live stream of the receiver/);

      locker.exec('ROLLBACK');
      locked = false;
      await vi.waitFor(
        async () => {
          const found = await main.receiver.store.getDelivery(quarantined.deliveryId);
          const event = (await main.receiver.store.getDelivery(stored.deliveryId))?.events[0];
          const jobs = event ? ((await main.receiver.store.getEvent(event.id))?.jobs ?? []) : [];
          // the spool drained too: a delivery its own late write stored is stamped by the drain
          const waiting = readdirSync(SPOOL_DIR).filter((name) => name.endsWith('.delivery'));
          if (found?.status !== 'quarantined' || jobs[0]?.status !== 'succeeded' || waiting.length > 0)
            throw new Error('not stored, drained and handled yet');
        },
        { timeout: 45_000, interval: 50 },
      );

      proxy.restore();
      await run.waitForErrorLine(
        /^caught up: 2 deliveries received and 1 handler outcome reached meanwhile$/,
      );
      // cut again: the next catch-up lists them again (they changed within its overlap), prints nothing twice
      proxy.cut();
      await run.waitForErrorLine(/^warning: lost the live stream of the receiver/);
      proxy.restore();
      await run.waitForErrorLine(
        /^caught up: 0 deliveries received and 0 handler outcomes reached meanwhile$/,
      );
      expect(await run.interrupt()).toBe(0);

      const lines = run
        .stdout()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as JsonLine);
      const arrival = async (id: string) =>
        (await main.receiver.store.getDelivery(id))?.receivedAt.toTimeString().slice(0, 8);
      const storedEvent = (await main.receiver.store.getDelivery(stored.deliveryId))?.events[0]?.id;
      // each once, at the time it arrived (they entered the store in either order: the writes that waited
      // for the lock, or the drain)
      expect(
        lines
          .filter((line) => line.type === 'delivery')
          .map(({ deliveryId, status, time }) => ({ deliveryId, status, time }))
          .sort((a, b) => a.status.localeCompare(b.status)),
      ).toEqual([
        {
          deliveryId: quarantined.deliveryId,
          status: 'quarantined',
          time: await arrival(quarantined.deliveryId),
        },
        { deliveryId: stored.deliveryId, status: 'stored', time: await arrival(stored.deliveryId) },
      ]);
      const outcomes = lines.filter((line) => line.type === 'outcome');
      expect(outcomes.map(({ eventId, handler, status }) => ({ eventId, handler, status }))).toEqual([
        { eventId: storedEvent, handler: 'erp', status: 'succeeded' },
      ]);
      // a delivery's line before its outcome's
      expect(lines.findIndex((line) => line.deliveryId === stored.deliveryId)).toBeLessThan(
        lines.indexOf(outcomes[0] as JsonLine),
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nstdout:\n${run?.stdout()}\nstderr:\n${run?.stderr()}`);
    } finally {
      if (locked) locker.exec('ROLLBACK');
      locker.close();
      if (run && run.child.exitCode === null) await run.interrupt();
      await proxy.close();
    }
  });
});
