/**
 * The connection cap (SRHOOKS_MAX_CONNECTIONS) on a receiver started while its PostgreSQL store cannot be
 * reached (DATABASE_URL through a TcpProxy that refuses connections, SRHOOKS_SPOOL_DIR set): the spool-only
 * receiver's server holds it, and so does the same socket once the full receiver took it over — a
 * connection beyond it is closed unanswered and counted in both phases (one count going on), and with the
 * idle connections gone a signed delivery is spooled, then stored.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { signDeliveryPath } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningReceiver, runReceiver } from '../run-receiver.js';
import { deliveryRequest } from '../test-support/delivery-fixtures.js';
import { FakeProcess } from '../test-support/fake-process.js';
import { holdIdleConnections, nextConnection, waitForConnections } from '../test-support/idle-connections.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { sendRaw } from '../test-support/raw-http.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';

const SECRET = 'connection-cap-store-down-secret-0123';
const newSchema = testSchemas('conncap');

let dir: string;
let proxy: TcpProxy;
let logLines: Array<Record<string, unknown>>;
const running: Array<{ proc: FakeProcess; receiver: RunningReceiver }> = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-connection-cap-'));
  proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || '5432'));
  await proxy.start();
  await proxy.stop(); // its port now refuses connections: the store is unreachable
  logLines = [];
});
afterEach(async () => {
  for (const { proc, receiver } of running.splice(0)) {
    proc.emit('SIGTERM', 'SIGTERM');
    await receiver.stopped;
  }
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

const logDestination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.startsWith('{')) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return address.port;
}

async function dropped(app: FastifyInstance): Promise<number> {
  const metric = await app.metrics.registry.getSingleMetric('srhooks_dropped_connections_total')?.get();
  return metric?.values[0]?.value ?? Number.NaN;
}

const token = (event: 'order_confirm' | 'newsletter_subscribe'): string =>
  signDeliveryPath({ shop: 'demo', event }, SECRET).split('/').at(-1) ?? '';

/** With the cap's 2 connections held idle, the next is closed unanswered; then they close. */
async function capHolds(app: FastifyInstance): Promise<void> {
  const port = portOf(app);
  const idle = await holdIdleConnections(app.server, port, 2);
  try {
    expect(await nextConnection(port)).toEqual({ outcome: 'closed', answered: '' });
  } finally {
    for (const socket of idle) socket.destroy();
  }
  await waitForConnections(app.server, 0);
}

it('the spool-only receiver and the full receiver that takes its socket over both hold SRHOOKS_MAX_CONNECTIONS', async () => {
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const proc = new FakeProcess(
    {
      SRHOOKS_SECRETS: SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: url.toString(),
      SRHOOKS_DB_SCHEMA: newSchema(),
      SRHOOKS_SPOOL_DIR: join(dir, 'spool'),
      SRHOOKS_MAX_CONNECTIONS: '2',
      LOG_LEVEL: 'info',
    },
    dir,
  );
  const receiver = await runReceiver(
    proc,
    { processing: { enabled: false }, spool: { retryMs: 50, maxRetryMs: 100 }, logDestination },
    { storeRetry: { firstMs: 100, maxMs: 200 } },
  );
  if (!receiver) throw new Error(`the receiver did not start: ${proc.stderrText.join('')}`);
  running.push({ proc, receiver });

  // 1. spooling: the spool-only receiver's server holds the cap
  const spoolOnly = receiver.app;
  expect(spoolOnly.server.maxConnections).toBe(2);
  await capHolds(spoolOnly);
  expect(await dropped(spoolOnly)).toBe(1);
  const spooled = await sendRaw(portOf(spoolOnly), deliveryRequest('order_confirm', token('order_confirm')));
  expect(spooled.statusCode).toBe(200);
  expect(JSON.parse(spooled.body)).toMatchObject({ ok: true, spooled: true });

  // 2. the store opens: the full receiver takes the same socket over, with the same cap and count
  await proxy.start();
  const full = await receiver.full;
  if (full === null) throw new Error('the full receiver never took over');
  expect(full).not.toBe(spoolOnly);
  expect(full.server).toBe(spoolOnly.server);
  expect(full.server.maxConnections).toBe(2);
  await capHolds(full);
  expect(await dropped(full)).toBe(2);
  await expect
    .poll(() => readdirSync(join(dir, 'spool')).filter((name) => name.endsWith('.delivery')).length)
    .toBe(0);
  const { deliveryId } = JSON.parse(spooled.body) as { deliveryId: string };
  expect((await full.store.getDelivery(deliveryId))?.status).toBe('stored');
  const stored = await sendRaw(
    portOf(full),
    deliveryRequest('newsletter_subscribe', token('newsletter_subscribe')),
  );
  expect(stored.statusCode).toBe(200);
  const second = JSON.parse(stored.body) as { deliveryId: string; spooled?: boolean };
  expect(second.spooled).toBeUndefined();
  expect((await full.store.getDelivery(second.deliveryId))?.status).toBe('stored');

  // one warn line for the burst (both drops came within 30 s of each other: one burst across the
  // take-over, the watcher is the server's), never the client's address
  const warnings = logLines.filter((line) => String(line.msg).startsWith('connection limit reached'));
  expect(warnings).toHaveLength(1);
  expect(JSON.stringify(warnings)).not.toContain('127.0.0.1');
});
