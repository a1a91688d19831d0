/**
 * A long schema migration at start-up (SQLite): the receiver listens only once the migrations are done,
 * so a delivery meanwhile finds the port closed (ECONNREFUSED: a balancer tries another instance) — it is
 * never accepted only to wait on the migration or to be answered 503. Once migrated, it stores deliveries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import { freePort } from '@srhooks/sandbox';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runReceiver } from './run-receiver.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { deliveryBody } from './test-support/delivery-fixtures.js';
import { FakeProcess } from './test-support/fake-process.js';
import { connectOutcome } from './test-support/kept-alive-connection.js';

const SECRET = 'start-up-migration-secret-0123456789';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-migrate-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A SQLite store whose migration waits until released (standing in for a long data migration). */
class HeldMigrationStore extends SqliteStore {
  migrating = false;
  #release: () => void = () => {};
  readonly #held = new Promise<void>((resolve) => {
    this.#release = resolve;
  });
  release(): void {
    this.#release();
  }
  override async migrate(): Promise<void> {
    this.migrating = true;
    await this.#held;
    await super.migrate();
  }
}

it('does not listen until the SQLite migrations are done: a delivery meanwhile is refused at connect, then stored', async () => {
  const port = await freePort();
  const file = join(dir, 'srhooks.db');
  const proc = new FakeProcess(
    {
      SRHOOKS_SECRETS: SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      SRHOOKS_DB: file,
      LOG_LEVEL: 'silent',
    },
    dir,
  );
  const store = new HeldMigrationStore({ file });
  const started = runReceiver(proc, { store, processing: { enabled: false } });
  for (let i = 0; i < 200 && !store.migrating; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(store.migrating).toBe(true);

  expect(await connectOutcome(port)).toBe('ECONNREFUSED');

  store.release();
  const running = await started;
  expect(running).not.toBeNull();
  try {
    const { contentType, body } = deliveryBody('order_confirm');
    const response = await fetch(
      `http://127.0.0.1:${port}${signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, SECRET)}`,
      { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } },
    );
    expect(response.status).toBe(200);
  } finally {
    await running?.app.close();
  }
});
