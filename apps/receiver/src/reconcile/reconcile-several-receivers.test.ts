/**
 * Start-up reconcile with several receivers on one PostgreSQL store (the real server, a schema of its
 * own): started together, as after a deploy or a rolling restart of all of them at once, they subscribe
 * each configured event once — not once per receiver (every order would then be delivered N times) —
 * and none of them reports a failure for the copies another one was deleting. The sandbox answers
 * slowly (as a real shop across the internet does), so their reads of the shop's subscriptions overlap.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createShopRenterClient } from '@srhooks/client';
import { signDeliveryUrl } from '@srhooks/contracts';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningReceiver, runReceiver } from '../run-receiver.js';
import { createStore } from '../store/create-store.js';
import { PgStore } from '../store/postgres/pg-store.js';
import { ReconcileLockBusyError, StoreUnavailableError } from '../store/store.js';
import { FakeProcess } from '../test-support/fake-process.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';

const SECRET = 'reconcile-several-secret-0123456789';
const PUBLIC_URL = 'https://hooks.example.com/srhooks';
const nextSchema = testSchemas('rcv_reconcile');

describe('start-up reconcile, several receivers on one PostgreSQL store', () => {
  let sandbox: RunningSandbox;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: false });
    dir = mkdtempSync(join(tmpdir(), 'srhooks-reconcile-several-'));
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = () =>
    createShopRenterClient({
      shop: 'demo',
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: sandbox.apiUrlTemplate,
      tokenUrl: sandbox.tokenUrlTemplate,
      rateLimit: false,
    });

  async function setLatency(latencyMs: number): Promise<void> {
    const response = await fetch(`${sandbox.url}/demo/_sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(latencyMs > 0 ? { latencyMs } : {}),
    });
    expect(response.status).toBe(200);
  }

  /** What the receivers logged about reconcile: one `summary` per receiver and shop. */
  const reconcileLines: { msg: string; summary?: { failed: number } }[] = [];
  const logDestination = {
    write(line: string) {
      const parsed = JSON.parse(line) as { msg: string; summary?: { failed: number } };
      if (parsed.msg.startsWith('subscriptions')) reconcileLines.push(parsed);
    },
  };

  async function startTogether(schema: string, count: number): Promise<RunningReceiver[]> {
    reconcileLines.length = 0;
    const configFile = join(dir, `${schema}.json`);
    writeFileSync(
      configFile,
      JSON.stringify({
        shops: [
          {
            name: 'demo',
            events: ['order_confirm', 'order_status_change'],
            reconcile: true,
            recovery: false,
            clientId: DEMO_CLIENT.clientId,
            clientSecret: DEMO_CLIENT.clientSecret,
            apiUrl: sandbox.apiUrlTemplate.replace('{shop}', 'demo'),
            tokenUrl: sandbox.tokenUrlTemplate.replace('{shop}', 'demo'),
          },
        ],
      }),
    );
    const env = {
      SRHOOKS_SECRETS: SECRET,
      SRHOOKS_PUBLIC_URL: PUBLIC_URL,
      SRHOOKS_CONFIG: configFile,
      DATABASE_URL: TEST_DATABASE_URL,
      SRHOOKS_DB_SCHEMA: schema,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    const started = await Promise.all(
      Array.from({ length: count }, () => runReceiver(new FakeProcess(env, dir), { logDestination })),
    );
    return started.map((running) => {
      if (!running) throw new Error('a receiver did not start');
      return running;
    });
  }

  async function stopAll(receivers: RunningReceiver[]): Promise<void> {
    await Promise.all(receivers.map((running) => running.app.close()));
  }

  it('three receivers started together subscribe each event once, and none reports a failure', async () => {
    const schema = nextSchema();
    const api = client();
    for (const webhook of await api.webhooks.all()) await api.webhooks.delete(webhook.id);
    // Migrated beforehand: the receivers then start at the same moment (no one waits for another's migration).
    const store = new PgStore({ url: TEST_DATABASE_URL, schema });
    await store.migrate();
    await store.close();

    await setLatency(400);
    const receivers = await startTogether(schema, 3);
    await setLatency(0);
    try {
      const subscriptions = await client().webhooks.all();
      const ours = subscriptions.filter((webhook) =>
        webhook.webHookParameters.some((parameter) => parameter.url.startsWith(`${PUBLIC_URL}/hooks/demo/`)),
      );
      expect(ours.map((webhook) => webhook.event).sort()).toEqual(['order_confirm', 'order_status_change']);
      expect(reconcileLines.map((line) => line.msg)).toEqual(Array(3).fill('subscriptions reconciled'));
    } finally {
      await stopAll(receivers);
    }
  });

  it('three receivers started together delete extra copies once, and none fails on a copy another deleted', async () => {
    const schema = nextSchema();
    const store = new PgStore({ url: TEST_DATABASE_URL, schema });
    await store.migrate();
    await store.close();
    // Three copies of each subscription (left by receivers that raced before): the extra ones must go.
    const api = client();
    for (const webhook of await api.webhooks.all()) await api.webhooks.delete(webhook.id);
    for (let copy = 0; copy < 3; copy += 1) {
      for (const event of ['order_confirm', 'order_status_change'] as const) {
        const url = signDeliveryUrl(PUBLIC_URL, { shop: 'demo', event }, SECRET);
        await api.webhooks.create({ event, url, label: `srhooks ${event}`, type: 'json' });
      }
    }
    expect((await api.webhooks.all()).length).toBe(6);

    await setLatency(400);
    const receivers = await startTogether(schema, 3);
    await setLatency(0);
    try {
      const after = await api.webhooks.all();
      expect(after.map((webhook) => webhook.event).sort()).toEqual(['order_confirm', 'order_status_change']);
      expect(reconcileLines.map((line) => [line.msg, line.summary?.failed])).toEqual(
        Array(3).fill(['subscriptions reconciled', 0]),
      );
    } finally {
      await stopAll(receivers);
    }
  });

  it("waits for another instance's reconcile of the shop, at most waitMs, then refuses with reconcile_lock_busy", async () => {
    const schema = nextSchema();
    const first = new PgStore({ url: TEST_DATABASE_URL, schema });
    await first.migrate();
    const second = new PgStore({ url: TEST_DATABASE_URL, schema });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    let lockHeld: () => void = () => {};
    const firstHolds = new Promise<void>((resolve) => {
      lockHeld = resolve;
    });
    try {
      const holding = first.withReconcileLock('demo', async () => {
        order.push('first');
        lockHeld();
        await held;
      });
      // Once the first holds the lock (a fixed 100 ms was not always enough on a loaded machine: the second
      // then took the lock first and ran).
      await firstHolds;
      const busy = await second.withReconcileLock('demo', async () => 'ran', { waitMs: 300 }).catch((e) => e);
      expect(busy).toBeInstanceOf(ReconcileLockBusyError);
      expect((busy as ReconcileLockBusyError).code).toBe('reconcile_lock_busy');
      // Another shop is not held up.
      expect(await second.withReconcileLock('other-shop', async () => 'ran', { waitMs: 300 })).toBe('ran');
      const waiting = second.withReconcileLock('demo', async () => {
        order.push('second');
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(order).toEqual(['first']);
      release();
      await holding;
      await waiting;
      expect(order).toEqual(['first', 'second']);
    } finally {
      release();
      await first.close();
      await second.close();
    }
  });

  it('a receiver stopping while it waits for the lock stops waiting at once (its shutdown is not held up)', async () => {
    const schema = nextSchema();
    const holder = new PgStore({ url: TEST_DATABASE_URL, schema });
    await holder.migrate();
    const waiter = new PgStore({ url: TEST_DATABASE_URL, schema });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lockHeld: () => void = () => {};
    const holderHolds = new Promise<void>((resolve) => {
      lockHeld = resolve;
    });
    try {
      const holding = holder.withReconcileLock('demo', () => {
        lockHeld();
        return held;
      });
      // Once the holder holds the lock (a fixed 100 ms lost the race in a loaded CI run: the waiter took the
      // lock first and ran).
      await holderHolds;
      let ran = false;
      const waiting = waiter
        .withReconcileLock(
          'demo',
          async () => {
            ran = true;
          },
          { waitMs: 30_000 },
        )
        .catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const startedClosing = Date.now();
      await waiter.close();
      expect(Date.now() - startedClosing).toBeLessThan(2_000);
      expect(await waiting).toBeInstanceOf(StoreUnavailableError);
      expect(ran).toBe(false);
      release();
      await holding;
    } finally {
      release();
      await holder.close();
      await waiter.close();
    }
  });

  it("closing the store does not wait for a reconcile still calling the shop's API; its lock ends with it", async () => {
    const schema = nextSchema();
    const closing = new PgStore({ url: TEST_DATABASE_URL, schema });
    await closing.migrate();
    const next = new PgStore({ url: TEST_DATABASE_URL, schema });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      let entered = false;
      const reconciling = closing.withReconcileLock('demo', async () => {
        entered = true;
        await held;
      });
      await waitUntil(() => entered);
      const startedClosing = Date.now();
      await closing.close();
      expect(Date.now() - startedClosing).toBeLessThan(2_000);
      // The closed store's lock is gone: the next receiver reconciles without waiting for it.
      expect(await next.withReconcileLock('demo', async () => 'ran', { waitMs: 2_000 })).toBe('ran');
      release();
      await reconciling;
    } finally {
      release();
      await closing.close();
      await next.close();
    }
  });
});

describe('start-up reconcile lock, SQLite (one receiver process per file)', () => {
  it('runs two reconciles of one shop one after the other in the process, another shop alongside', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'srhooks-reconcile-sqlite-'));
    const store = createStore({ kind: 'sqlite', file: join(tmp, 'srhooks.db') });
    await store.migrate();
    try {
      const order: string[] = [];
      const step = (name: string, ms: number) => async () => {
        order.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name} end`);
      };
      await Promise.all([
        store.withReconcileLock('demo', step('first', 150)),
        store.withReconcileLock('demo', step('second', 10)),
        store.withReconcileLock('other', step('other', 10)),
      ]);
      expect(order.indexOf('second start')).toBeGreaterThan(order.indexOf('first end'));
      expect(order.indexOf('other end')).toBeLessThan(order.indexOf('first end'));
    } finally {
      await store.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
