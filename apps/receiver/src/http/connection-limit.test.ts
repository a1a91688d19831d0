/**
 * The cap on concurrent client connections (maxConnections, SRHOOKS_MAX_CONNECTIONS; connection-limit.ts),
 * over real HTTP on 127.0.0.1: with a cap of N and N idle connections held open, the next connection is
 * closed at once without an answer, `srhooks_dropped_connections_total` counts it and one warn line says so
 * for the whole burst (no address in it); once the idle connections close a signed delivery is stored.
 * The default is 1000, at most half the open-file limit Node reports (as /proc/self/limits shows it).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { deliveryToken } from '@srhooks/contracts';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryRequest } from '../test-support/delivery-fixtures.js';
import { holdIdleConnections, nextConnection, waitForConnections } from '../test-support/idle-connections.js';
import { sendRaw } from '../test-support/raw-http.js';
import { startTestReceiver, TEST_SECRET, type TestReceiver } from '../test-support/test-receiver.js';
import { connectionCap, limitConnections, openFileLimit } from './connection-limit.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Idle connections held open, destroyed after the test. */
async function holdIdle(server: Server, port: number, count: number): Promise<Socket[]> {
  const sockets = await holdIdleConnections(server, port, count);
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
  });
  return sockets;
}

async function scrape(receiver: TestReceiver, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${receiver.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the connection cap (maxConnections)', () => {
  it('closes the connection beyond the cap unanswered, counts and logs it once, then takes deliveries again', async () => {
    const receiver = await startTestReceiver({ maxConnections: 3 });
    cleanups.push(() => receiver.close());
    const { server } = receiver.app;
    expect(server.maxConnections).toBe(3);

    const idle = await holdIdle(server, receiver.port, 3);
    for (let i = 0; i < 4; i++)
      expect(await nextConnection(receiver.port)).toEqual({ outcome: 'closed', answered: '' });
    const warnings = parsed(receiver.logLines).filter((line) =>
      String(line.msg).startsWith('connection limit reached'),
    );
    // one line for the burst, not one per connection; no address or port of the client in it
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, connections: { max: 3 } });
    expect(JSON.stringify(warnings[0])).not.toMatch(/127\.0\.0\.1|remote/i);

    for (const socket of idle) socket.destroy();
    await waitForConnections(server, 0);
    expect(await scrape(receiver, 'srhooks_dropped_connections_total')).toBe(4);

    const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
    const answer = await sendRaw(receiver.port, deliveryRequest('order_confirm', token));
    expect(answer.statusCode).toBe(200);
    const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };
    expect((await receiver.app.store.getDelivery(deliveryId))?.status).toBe('stored');
  });

  it('by default caps at 1000, at most half the open-file limit (read from Node, as /proc/self/limits shows it)', async () => {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    expect(openFileLimit()).toBe(Number(soft));
    const receiver = await startTestReceiver({ logLevel: 'silent' });
    cleanups.push(() => receiver.close());
    expect(receiver.app.server.maxConnections).toBe(Math.min(1000, Math.floor(Number(soft) / 2)));

    expect(connectionCap(undefined, null)).toEqual({ max: 1000, openFiles: null, configured: false });
    expect(connectionCap(undefined, 1024).max).toBe(512);
    expect(connectionCap(undefined, 4096).max).toBe(1000);
    expect(connectionCap(undefined, 1).max).toBe(1);
    expect(connectionCap(5000, 1024)).toEqual({ max: 5000, openFiles: 1024, configured: true });
  });

  it('logs one warn line when a burst begins and one info line with its count when it has ended', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const server = createServer((_request, response) => response.end('ok'));
    let counted = 0;
    limitConnections(server, 1, {
      logger,
      countDrop: () => {
        counted += 1;
      },
      openFiles: null,
      quietMs: 1000,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const idle = await holdIdle(server, port, 1);

    for (let i = 0; i < 3; i++) expect((await nextConnection(port)).outcome).toBe('closed');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await nextConnection(port)).outcome).toBe('closed');
    expect(counted).toBe(4);
    const summary = (entries: Record<string, unknown>[]) =>
      entries.map((line) => [line.level, (line.connections as { dropped?: number }).dropped ?? null]);
    expect(summary(parsed(lines))).toEqual([
      [40, null],
      [30, 3],
      [40, null],
    ]);
    for (const socket of idle) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // the server's close ends the burst still going
    expect(summary(parsed(lines)).at(-1)).toEqual([30, 1]);
    expect(parsed(lines).map((line) => String(line.msg).split('; ').at(-1))).toEqual([
      expect.stringContaining('srhooks_dropped_connections_total counts each'),
      'new connections are taken again',
      expect.stringContaining('srhooks_dropped_connections_total counts each'),
      'the server has closed',
    ]);
    expect(lines.join('')).not.toContain('127.0.0.1');
  });

  it('warns once it listens when a configured cap leaves the store under half the open-file limit', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const servers = [createServer(), createServer(), createServer()];
    const [over, within, never] = servers as [Server, Server, Server];
    limitConnections(over, 600, { logger, countDrop: () => {}, openFiles: 1024 });
    limitConnections(within, 512, { logger, countDrop: () => {}, openFiles: 1024 });
    // a server that never listens (a start that fell back to the spool-only receiver built one) says nothing
    limitConnections(never, 600, { logger, countDrop: () => {}, openFiles: 1024 });
    expect(lines).toEqual([]);
    for (const server of [over, within]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    }
    expect(parsed(lines)).toEqual([
      expect.objectContaining({
        level: 40,
        connections: { max: 600, openFiles: 1024 },
        msg: expect.stringContaining('more than half of the 1024 files this process may open'),
      }),
    ]);
  });
});
