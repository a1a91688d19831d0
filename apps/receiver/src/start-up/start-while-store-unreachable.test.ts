/**
 * `runReceiver` started while its PostgreSQL store cannot be reached (DATABASE_URL through a TcpProxy
 * that refuses connections). With SRHOOKS_SPOOL_DIR: it listens anyway, authentic deliveries are spooled
 * and answered 200 (also `Expect: 100-continue` ones, as ShopRenter sends them), forged ones 404,
 * /readyz and everything that needs the store 503 store_unavailable; once the proxy forwards, the full
 * receiver takes over the same socket, stores what was spooled and turns ready. SIGTERM while spooling
 * answers the delivery in flight and leaves the spool for the next start; a second signal exits at once.
 * Without a spool the start fails as before, saying what SRHOOKS_SPOOL_DIR would do.
 */
import { existsSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { encodeDelivery, sampleOrder, signDeliveryPath, signPaymentNotification } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildReceiver, receiverLogger } from '../app.js';
import { loadConfig } from '../config/load-config.js';
import { ListenError, type RunningReceiver, runReceiver } from '../run-receiver.js';
import { SpoolLock } from '../spool/spool-lock.js';
import { StoreUnavailableError } from '../store/store.js';
import { deliveryRequest } from '../test-support/delivery-fixtures.js';
import { FakeProcess } from '../test-support/fake-process.js';
import { testSchemas } from '../test-support/postgres-schema.js';
import { sendRaw } from '../test-support/raw-http.js';
import { storeDownAtStart } from '../test-support/store-down-at-start.js';
import { startWhileStoreUnreachable } from './start-while-store-unreachable.js';

const SECRET = 'store-down-start-secret-0123456789';
const ADMIN_TOKEN = 'store-down-start-admin-token-0123456789';
const newSchema = testSchemas('storedown');
const storeDown = storeDownAtStart('srhooks-store-down-start-');
const { logDestination } = storeDown;

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return storeDown.env({
    SRHOOKS_SECRETS: SECRET,
    SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
    SRHOOKS_DB_SCHEMA: newSchema(),
    LOG_LEVEL: 'debug',
    ...overrides,
  });
}

const start = (overrides: Record<string, string> = {}, options: { stoppedByTest?: boolean } = {}) =>
  storeDown.start(env(overrides), options);

function portOf(receiver: RunningReceiver): number {
  const address = receiver.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return address.port;
}

/** One order_confirm delivery of its own order (innerId), as ShopRenter encodes it. */
function order(innerId: string): { contentType: string; body: Buffer } {
  const encoded = encodeDelivery(
    'order_confirm',
    { orders: { order: [{ ...sampleOrder(Number(innerId)), storeName: 'demo', innerId }] } } as never,
    { format: 'json' },
  );
  return { contentType: encoded.contentType, body: Buffer.from(encoded.body) };
}

const HOOK_PATH = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, SECRET);

async function post(
  port: number,
  innerId: string,
  path = HOOK_PATH,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { contentType, body } = order(innerId);
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'content-type': contentType },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function get(port: number, path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const spoolFiles = () => storeDown.spoolFiles();

async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 45_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a receiver started while its PostgreSQL store is unreachable', () => {
  it('with a spool: listens, spools authentic deliveries, then the full receiver takes the same socket over and stores them', async () => {
    const { receiver } = await start();
    const port = portOf(receiver);
    const spoolOnly = receiver.app;

    // 1. deliveries are spooled and acknowledged as during a runtime outage
    for (const innerId of ['101', '102', '103']) {
      expect(await post(port, innerId)).toEqual({
        status: 200,
        json: { ok: true, deliveryId: expect.stringMatching(/^dlv_/), spooled: true, events: 1 },
      });
    }
    // as ShopRenter sends them: Expect: 100-continue, then the body
    const token = HOOK_PATH.split('/').at(-1) ?? '';
    const raw = await sendRaw(port, deliveryRequest('order_confirm', token));
    expect(raw.interim).toEqual([100]);
    expect(raw.statusCode).toBe(200);
    expect(JSON.parse(raw.body)).toMatchObject({ ok: true, spooled: true });
    expect(spoolFiles()).toHaveLength(4);
    // a forged URL is refused as always
    expect(
      (
        await post(
          port,
          '104',
          HOOK_PATH.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        )
      ).status,
    ).toBe(404);

    // 2. health, readiness, and what needs the store
    expect((await get(port, '/healthz')).status).toBe(200);
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({
      ok: false,
      error: {
        code: 'store_unavailable',
        message: expect.stringContaining('not opened since the receiver started'),
      },
      spool: { deliveries: 4 },
    });
    expect((await get(port, '/readyz/deliveries')).json).toMatchObject({ ok: true, deliveries: 'spooled' });
    for (const path of ['/admin/api/events', '/admin/api/dead-letters', '/inspector', '/']) {
      const answer = await get(port, path);
      expect(answer.status, path).toBe(503);
      expect(answer.json, path).toEqual({
        ok: false,
        error: { code: 'store_unavailable', message: expect.stringContaining('could not be reached') },
      });
    }
    const warning = storeDown.logLines.find((line) =>
      String(line.msg).startsWith('store unreachable at start'),
    );
    expect(warning).toMatchObject({ level: 40, spool: { deliveries: 0 } });
    expect(String(warning?.msg)).toContain(`listening anyway on 127.0.0.1:${port}`);
    expect(JSON.stringify(storeDown.logLines)).not.toContain('test.peter@example.com');

    // 3. the store comes back while deliveries keep arriving: none is refused
    let posting = true;
    const during: number[] = [];
    const load = (async () => {
      for (let i = 0; posting; i++) during.push((await post(port, String(200 + i))).status);
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await storeDown.proxy.start();
    const full = await receiver.full;
    if (full === null) throw new Error('the full receiver never took over');
    expect(full).not.toBe(spoolOnly);
    expect(receiver.app).toBe(full);
    expect(portOf(receiver)).toBe(port);
    await new Promise((resolve) => setTimeout(resolve, 300));
    posting = false;
    await load;
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((status) => status === 200)).toBe(true);

    // 4. the spool drains into the store: every order once; ready; the admin API answers
    await waitFor('the spool to drain', () => spoolFiles().length === 0);
    await waitFor('/readyz 200', async () => (await get(port, '/readyz')).status === 200);
    const events = await full.store.listEvents({ limit: 500 });
    expect(events.items.every((event) => event.duplicateOf === null)).toBe(true);
    const innerIds = events.items.map((event) => event.orderNumber ?? '');
    expect(new Set(innerIds).size).toBe(innerIds.length);
    expect(innerIds).toEqual(
      expect.arrayContaining(['101', '102', '103', '190', ...during.map((_, i) => String(200 + i))]),
    );
    expect((await get(port, '/admin/api/events')).status).toBe(200);
    // Expect: 100-continue on the shared socket after the take-over: one 100, one answer, stored once
    const again = await sendRaw(port, deliveryRequest('order_confirm', token));
    expect(again.interim).toEqual([100]);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ ok: true, events: 1, duplicates: 1 });
    expect(
      storeDown.logLines.some((line) =>
        String(line.msg).startsWith('store reachable: the full receiver took over'),
      ),
    ).toBe(true);
  });

  it('app mode: a delivery for a shop that installed the app and an authentic Payment API notification are spooled, install calls answered a 503 page, all stored once the store opens', async () => {
    const WEBHOOK_KEY = 'store-down-start-payment-key-0123456789';
    const { receiver } = await start({
      SRHOOKS_PUBLIC_URL: 'https://hooks.example.com',
      SRHOOKS_APP_ID: '55',
      SRHOOKS_APP_CLIENT_ID: 'store-down-client',
      SRHOOKS_APP_CLIENT_SECRET: 'store-down-client-secret-0123456789',
      SRHOOKS_APP_WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
    });
    const port = portOf(receiver);
    // a shop that installed the app: its URLs are signed with SRHOOKS_SECRETS like a config shop's
    const appShopPath = signDeliveryPath({ shop: 'beta', event: 'order_confirm' }, SECRET);
    const delivery = await post(port, '501', appShopPath);
    expect(delivery).toMatchObject({ status: 200, json: { ok: true, spooled: true } });

    const notification = Buffer.from(
      JSON.stringify({ id: 4242, status: 'paid', time: Math.floor(Date.now() / 1000) }),
    );
    const pay = (hmac: string) =>
      fetch(`http://127.0.0.1:${port}/app/payments?shop=beta&hmac=${hmac}`, {
        method: 'POST',
        body: new Uint8Array(notification),
        headers: { 'content-type': 'application/json' },
      });
    const forged = await pay('0'.repeat(64));
    expect(forged.status).toBe(401);
    const paid = await pay(signPaymentNotification(notification, WEBHOOK_KEY));
    const paidJson = (await paid.json()) as Record<string, unknown>;
    expect({ status: paid.status, json: paidJson }).toMatchObject({
      status: 200,
      json: { ok: true, spooled: true, deliveryId: expect.stringMatching(/^dlv_/) },
    });
    expect(spoolFiles()).toHaveLength(2);
    // install calls need the shop records: 503, a page asking to try again in a minute, nothing recorded;
    // an uninstall call is verified (an unsigned one 401, not spooled: app-uninstall-at-store-down-start.test.ts)
    const install = await fetch(
      `http://127.0.0.1:${port}/app/install?shopname=beta&code=x&timestamp=1&hmac=x`,
    );
    expect(install.status).toBe(503);
    expect(await install.text()).toContain('try again in a minute');
    expect((await get(port, '/app/uninstall?shopname=beta')).status).toBe(401);
    expect(spoolFiles()).toHaveLength(2);

    await storeDown.proxy.start();
    const full = await receiver.full;
    if (full === null) throw new Error('the full receiver never took over');
    await waitFor('the spool to drain', () => spoolFiles().length === 0);
    expect(await full.store.getDelivery(delivery.json.deliveryId as string)).not.toBeNull();
    expect(await full.store.getDelivery(paidJson.deliveryId as string)).not.toBeNull();
  });

  it('with a spool: SIGTERM while spooling answers the delivery in flight, keeps the spool and frees its lock', async () => {
    const { proc, receiver } = await start({}, { stoppedByTest: true });
    const port = portOf(receiver);
    expect((await post(port, '301')).status).toBe(200);

    // a delivery whose body is still arriving when the signal comes
    const { contentType, body } = order('302');
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST ${HOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 100));
    await new Promise((resolve) => setTimeout(resolve, 100));
    proc.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(body.subarray(100));
    await receiver.stopped;
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"spooled":true');
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    expect(await receiver.full).toBeNull();
    expect(spoolFiles()).toHaveLength(2);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    SpoolLock.acquire(join(storeDown.dir, 'spool')).release(); // free: the next start takes the folder

    // the next start, with the store back, stores both
    await storeDown.proxy.start();
    const next = await start();
    expect(await next.receiver.full).toBe(next.receiver.app);
    await waitFor('the spool to drain', () => spoolFiles().length === 0);
  });

  it('with a spool: a second signal exits at once', async () => {
    const { proc, receiver } = await start({}, { stoppedByTest: true });
    proc.emit('SIGINT', 'SIGINT');
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([130]);
    await receiver.stopped;
  });

  it('tries the store on one connection first: no receiver is built while it stays unreachable', async () => {
    const config = loadConfig({ env: env(), cwd: storeDown.dir });
    const refused = () =>
      new StoreUnavailableError('PostgreSQL: connect ECONNREFUSED', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    let probes = 0;
    let builds = 0;
    const spooling = await startWhileStoreUnreachable(
      { ...config, spoolDir: join(storeDown.dir, 'spool') },
      refused(),
      {
        logger: receiverLogger(config, { logDestination }),
        probe: async () => {
          probes += 1;
          throw refused();
        },
        buildFull: async () => {
          builds += 1;
          throw new Error('built while the store was unreachable');
        },
        afterStart: async () => {},
        retry: { firstMs: 10, maxMs: 20 },
        defaultMetrics: false,
      },
    );
    await waitFor('four attempts', () => probes >= 4);
    expect(builds).toBe(0);
    await spooling.stop();
    expect(await spooling.full).toBeNull();
  });

  it('a stop while the full receiver is being built waits for it, closes it without handing over, and frees the spool', async () => {
    const config = loadConfig({ env: env(), cwd: storeDown.dir });
    // the full receiver built from here is a SQLite one: what matters is when it is built, not its store
    const sqliteConfig = { ...config, databaseUrl: undefined, db: join(storeDown.dir, 'full.db') };
    const logger = receiverLogger(config, { logDestination });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let building = false;
    let built: FastifyInstance | null = null;
    const spooling = await startWhileStoreUnreachable(
      { ...config, spoolDir: join(storeDown.dir, 'spool') },
      new StoreUnavailableError('PostgreSQL: connect ECONNREFUSED'),
      {
        logger,
        probe: async () => {},
        buildFull: async (serverFactory, opened) => {
          building = true;
          await gate;
          built = await buildReceiver(sqliteConfig, {
            logger,
            serverFactory,
            spool: { opened },
            processing: { enabled: false },
            defaultMetrics: false,
          });
          return built;
        },
        afterStart: async () => {},
        retry: { firstMs: 10, maxMs: 20 },
        defaultMetrics: false,
      },
    );
    const address = spooling.current().server.address() as AddressInfo;
    await waitFor('the build to begin', () => building);
    expect((await post(address.port, '601')).json).toMatchObject({ spooled: true });
    const stopped = spooling.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await stopped;
    expect(await spooling.full).toBeNull();
    if (built === null) throw new Error('the full receiver was not built');
    // closed: its store too
    await expect((built as FastifyInstance).store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(fetch(`http://127.0.0.1:${address.port}/healthz`)).rejects.toThrow();
    SpoolLock.acquire(join(storeDown.dir, 'spool')).release();
  });

  it('with a spool: a port in use fails the start with the usual one line, before the spool folder is created or locked', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const proc = new FakeProcess(env({ PORT: String(port) }), storeDown.dir);
      const failed = await runReceiver(proc, { processing: { enabled: false }, logDestination }).catch(
        (error: Error) => error,
      );
      expect(failed).toBeInstanceOf(ListenError);
      expect((failed as Error).message).toContain(
        `cannot listen on 127.0.0.1:${port}: the port is already in use`,
      );
      // checked before anything is created (refused-start-leaves-nothing.test.ts)
      expect(existsSync(join(storeDown.dir, 'spool'))).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('without a spool: fails to start as before, saying SRHOOKS_SPOOL_DIR would take deliveries', async () => {
    const { SRHOOKS_SPOOL_DIR: _none, ...noSpool } = env();
    const proc = new FakeProcess(noSpool, storeDown.dir);
    const started = runReceiver(proc, { processing: { enabled: false }, logDestination });
    await expect(started).rejects.toBeInstanceOf(StoreUnavailableError);
    const message = await started.catch((error: Error) => error.message);
    expect(message).not.toContain('\n');
    expect(message).toContain('nothing accepts connections at 127.0.0.1');
    expect(message).toContain('Set SRHOOKS_SPOOL_DIR');
    expect(message).toContain('listens anyway');
  });
});
