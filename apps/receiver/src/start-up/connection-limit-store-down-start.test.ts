/**
 * The connection cap (SRHOOKS_MAX_CONNECTIONS) on a receiver started while its PostgreSQL store cannot be
 * reached (DATABASE_URL through a TcpProxy that refuses connections, SRHOOKS_SPOOL_DIR set): the spool-only
 * receiver's server holds it, and so does the same socket once the full receiver took it over — a
 * connection beyond it is closed unanswered and counted in both phases (one count going on), and with the
 * idle connections gone a signed delivery is spooled, then stored.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { deliveryRequest } from '../test-support/delivery-fixtures.js';
import { holdIdleConnections, nextConnection, waitForConnections } from '../test-support/idle-connections.js';
import { testSchemas } from '../test-support/postgres-schema.js';
import { sendRaw } from '../test-support/raw-http.js';
import { storeDownAtStart } from '../test-support/store-down-at-start.js';

const SECRET = 'connection-cap-store-down-secret-0123';
const newSchema = testSchemas('conncap');
const storeDown = storeDownAtStart('srhooks-connection-cap-');

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
  const { receiver } = await storeDown.start(
    storeDown.env({
      SRHOOKS_SECRETS: SECRET,
      SRHOOKS_DB_SCHEMA: newSchema(),
      SRHOOKS_MAX_CONNECTIONS: '2',
      LOG_LEVEL: 'info',
    }),
  );

  // 1. spooling: the spool-only receiver's server holds the cap
  const spoolOnly = receiver.app;
  expect(spoolOnly.server.maxConnections).toBe(2);
  await capHolds(spoolOnly);
  expect(await dropped(spoolOnly)).toBe(1);
  const spooled = await sendRaw(portOf(spoolOnly), deliveryRequest('order_confirm', token('order_confirm')));
  expect(spooled.statusCode).toBe(200);
  expect(JSON.parse(spooled.body)).toMatchObject({ ok: true, spooled: true });

  // 2. the store opens: the full receiver takes the same socket over, with the same cap and count
  await storeDown.proxy.start();
  const full = await receiver.full;
  if (full === null) throw new Error('the full receiver never took over');
  expect(full).not.toBe(spoolOnly);
  expect(full.server).toBe(spoolOnly.server);
  expect(full.server.maxConnections).toBe(2);
  await capHolds(full);
  expect(await dropped(full)).toBe(2);
  await expect.poll(() => storeDown.spoolFiles().length).toBe(0);
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
  const warnings = storeDown.logLines.filter((line) =>
    String(line.msg).startsWith('connection limit reached'),
  );
  expect(warnings).toHaveLength(1);
  expect(JSON.stringify(warnings)).not.toContain('127.0.0.1');
});
